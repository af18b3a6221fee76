//! Axis choice shared by the plots: a linear or log axis, picked from the data.
//!
//! Plotters types a chart by its coordinates, so a chart body is written once as
//! a generic function and [`XAxis::draw_with`] (x only) or [`draw_xy`] (both
//! axes) calls it with whichever ranges fit.

use super::PlotError;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;

/// Labeled and grid-line values of a log axis from `lo` to `hi`: 1, 2 and 5 per
/// decade when the axis spans few decades, fewer when it spans many. Plotters'
/// own choice labels nothing below the first power of ten and crowds ten labels
/// into the last decade ("90100").
pub fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let decades = (hi / lo).log10();
    let marks: &[f64] = if decades <= 2.5 {
        &[1.0, 2.0, 5.0]
    } else if decades <= 4.0 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let per_decade = |m: &'static [f64]| {
        (first..=last)
            // Dividing for negative exponents keeps 0.3 exact (3 × 0.1 is not).
            .flat_map(move |e| {
                m.iter().map(move |k| {
                    if e < 0 {
                        k / 10f64.powi(-e)
                    } else {
                        k * 10f64.powi(e)
                    }
                })
            })
            .filter(within)
            .collect::<Vec<f64>>()
    };
    const ALL: [f64; 9] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let bold = per_decade(marks);
    // Under two labels the reader cannot tell the scale: label every grid line.
    let bold = if bold.len() >= 2 {
        bold
    } else {
        per_decade(&ALL)
    };
    (bold, per_decade(&ALL))
}

/// An axis over seconds (or counts), linear or logarithmic. Named for its first
/// use; [`draw_xy`] uses it for y as well.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XAxis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// A chart body generic over its x coordinate.
pub trait XBody {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

/// A chart body generic over both coordinates.
pub trait XYBody {
    fn draw<X, Y>(self, x: X, y: Y, axes: (XAxis, XAxis)) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

/// Calls `body` with the coordinate types `x` and `y` ask for.
pub fn draw_xy(x: XAxis, y: XAxis, body: impl XYBody) -> Result<(), PlotError> {
    let axes = (x, y);
    match (x.log, y.log) {
        (false, false) => body.draw(x.range(), y.range(), axes),
        (true, false) => body.draw(x.log_coord(), y.range(), axes),
        (false, true) => body.draw(x.range(), y.log_coord(), axes),
        (true, true) => body.draw(x.log_coord(), y.log_coord(), axes),
    }
}

impl XAxis {
    /// The axis for positive `values` padded by a margin: log when they span
    /// more than `ratio`, else linear (from 0 when `from_zero`).
    pub fn fit(values: impl Iterator<Item = f64>, ratio: f64, from_zero: bool) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut min_positive = f64::INFINITY;
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
            if v > 0.0 {
                min_positive = min_positive.min(v);
            }
        }
        if !lo.is_finite() {
            return Self::linear(0.0, 1.0);
        }
        if super::style::wants_log(min_positive, hi, ratio) {
            // A sixth of a decade of room on each side keeps markers off the frame.
            Self::log(min_positive / 1.5, hi * 1.5)
        } else if from_zero && lo >= 0.0 {
            Self::linear(0.0, hi * 1.08)
        } else {
            let pad = 0.06 * (hi - lo).max(hi.abs() * 0.1).max(1e-9);
            Self::linear(lo - pad, hi + pad)
        }
    }

    /// A linear axis from `lo` to `hi`, widened to a unit span if they coincide.
    pub fn linear(lo: f64, hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Self { lo, hi, log: false }
    }

    /// A log axis; `lo` must be positive.
    pub fn log(lo: f64, hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo * 10.0 };
        Self { lo, hi, log: true }
    }

    /// Where to draw `v`: on a log axis, values at or below the lower end (zero
    /// delays, say) are pinned to it rather than dropped.
    pub fn place(&self, v: f64) -> f64 {
        if self.log { v.max(self.lo) } else { v }
    }

    pub fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }

    /// " (log scale)" for axis descriptions, so the reader is told.
    pub fn note(&self) -> &'static str {
        if self.log { " (log scale)" } else { "" }
    }

    /// The log coordinate with [`log_ticks`] as its labels and grid lines.
    fn log_coord(&self) -> WithKeyPoints<LogCoord<f64>> {
        let (bold, light) = log_ticks(self.lo, self.hi);
        self.range()
            .log_scale()
            .with_key_points(bold)
            .with_light_points(light)
    }

    pub fn draw_with(self, body: impl XBody) -> Result<(), PlotError> {
        if self.log {
            body.draw(self.log_coord(), self)
        } else {
            body.draw(self.range(), self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_label_every_decade_and_the_low_end() {
        let (bold, light) = log_ticks(1.9, 110.0);
        assert_eq!(bold, vec![2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        assert!(light.contains(&3.0) && light.contains(&90.0) && !light.contains(&200.0));
        let (bold, _) = log_ticks(0.3, 900.0);
        assert_eq!(bold, vec![0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0]);
        let (bold, _) = log_ticks(0.01, 1e4);
        assert_eq!(bold, vec![0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 1e4]);
        // Less than a decade with no round mark inside: every grid line is labeled.
        let (bold, _) = log_ticks(2.5, 4.5);
        assert_eq!(bold, vec![3.0, 4.0]);
    }

    #[test]
    fn fit_goes_log_for_wide_ranges_and_pads_both_kinds() {
        let a = XAxis::fit([1.0, 300.0].into_iter(), 20.0, true);
        assert!(a.log && a.lo < 1.0 && a.hi > 300.0, "{a:?}");
        // Zeros cannot sit on a log axis: the smallest positive value sets it.
        let a = XAxis::fit([0.0, 0.5, 120.0].into_iter(), 20.0, true);
        assert!(a.log && a.lo > 0.0 && a.lo < 0.5, "{a:?}");
        let a = XAxis::fit([2.0, 5.0, f64::NAN].into_iter(), 20.0, true);
        assert!(!a.log && a.lo == 0.0 && a.hi > 5.0, "{a:?}");
        let a = XAxis::fit(std::iter::empty(), 20.0, true);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
    }
}
