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
pub(super) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let decades = (hi / lo).log10();
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let power = |e: i32| {
        // Dividing for negative exponents keeps 0.3 exact (3 × 0.1 is not).
        if e < 0 {
            1.0 / 10f64.powi(-e)
        } else {
            10f64.powi(e)
        }
    };
    if decades > 12.0 {
        // Hundreds of decades (durations from 1e-52 to 1e55 s): a label every
        // few decades, a grid line at each.
        let every = (decades / 8.0).ceil() as usize;
        let all: Vec<f64> = (first..=last).map(power).filter(within).collect();
        let bold = all.iter().copied().step_by(every.max(1)).collect();
        return (bold, all);
    }
    let marks: &[f64] = if decades <= 2.5 {
        &[1.0, 2.0, 5.0]
    } else if decades <= 4.0 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let per_decade = |m: &'static [f64]| {
        (first..=last)
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

/// The largest magnitude an axis end may have: the span between two such ends
/// is finite, and so is every tick plotters derives from it.
pub(super) const LIMIT: f64 = 1e300;

fn bounded(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-LIMIT, LIMIT)
    }
}

/// An axis over seconds (or counts), linear or logarithmic. Named for its first
/// use; [`draw_xy`] uses it for y as well.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct XAxis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// A chart body generic over its x coordinate.
pub(super) trait XBody {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

/// A chart body generic over both coordinates.
pub(super) trait XYBody {
    fn draw<X, Y>(self, x: X, y: Y, axes: (XAxis, XAxis)) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

/// Calls `body` with the coordinate types `x` and `y` ask for.
pub(super) fn draw_xy(x: XAxis, y: XAxis, body: impl XYBody) -> Result<(), PlotError> {
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
    pub(super) fn fit(values: impl Iterator<Item = f64>, ratio: f64, from_zero: bool) -> Self {
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
        // Values past the limit are drawn at the axis end.
        let (lo, hi) = (bounded(lo), bounded(hi));
        if super::style::wants_log(min_positive, hi, ratio) {
            // A sixth of a decade of room on each side keeps markers off the frame.
            Self::log(min_positive / 1.5, hi * 1.5)
        } else if from_zero && lo >= 0.0 {
            Self::linear(0.0, hi * 1.08)
        } else {
            // Halved first: the span of two values near f64::MAX overflows.
            let span = 2.0 * (0.5 * hi - 0.5 * lo);
            let pad = 0.06 * span.max(hi.abs() * 0.1).max(1e-9);
            Self::linear(lo - pad, hi + pad)
        }
    }

    /// A linear axis from `lo` to `hi`, widened to a unit span if they coincide
    /// (or to a millionth of their size, past a million). Ends are kept within
    /// ±[`LIMIT`] and NaN reads as 0, so every axis a plot builds is one
    /// plotters can lay out: a finite span, wide enough to hold distinct ticks.
    pub(super) fn linear(lo: f64, hi: f64) -> Self {
        let (lo, hi) = (bounded(lo), bounded(hi));
        let scale = lo.abs().max(hi.abs());
        if hi - lo > scale * 1e-9 {
            return Self { lo, hi, log: false };
        }
        let span = (scale * 1e-6).max(1.0);
        if lo + span <= LIMIT {
            Self {
                lo,
                hi: lo + span,
                log: false,
            }
        } else {
            Self {
                lo: lo - span,
                hi: lo,
                log: false,
            }
        }
    }

    /// A log axis; a `lo` that is not positive is taken as a millionth of `hi`,
    /// and ends that coincide are a decade apart.
    pub(super) fn log(lo: f64, hi: f64) -> Self {
        let hi = bounded(hi).max(1e-290);
        let lo = if lo > 0.0 { bounded(lo) } else { hi * 1e-6 }.max(1e-300);
        if hi > lo * (1.0 + 1e-9) {
            Self { lo, hi, log: true }
        } else if lo * 10.0 <= LIMIT {
            Self {
                lo,
                hi: lo * 10.0,
                log: true,
            }
        } else {
            Self {
                lo: lo / 10.0,
                hi: lo,
                log: true,
            }
        }
    }

    /// Where to draw `v`: values beyond either end (zero delays on a log axis,
    /// say) are pinned to it rather than dropped or mapped far off the canvas.
    pub(super) fn place(&self, v: f64) -> f64 {
        if v.is_nan() {
            self.lo
        } else {
            v.clamp(self.lo, self.hi)
        }
    }

    pub(super) fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }

    /// " (log scale)" for axis descriptions, so the reader is told.
    pub(super) fn note(&self) -> &'static str {
        if self.log { " (log scale)" } else { "" }
    }

    /// The log coordinate with [`log_ticks`] as its labels and grid lines.
    pub(super) fn log_coord(&self) -> WithKeyPoints<LogCoord<f64>> {
        let (bold, light) = log_ticks(self.lo, self.hi);
        self.range()
            .log_scale()
            .with_key_points(bold)
            .with_light_points(light)
    }

    pub(super) fn draw_with(self, body: impl XBody) -> Result<(), PlotError> {
        if self.log {
            body.draw(self.log_coord(), self)
        } else {
            body.draw(self.range(), self)
        }
    }
}

/// A linear coordinate with its tick positions given, not derived: plotters'
/// own choice over a narrow range of counts puts ticks at 9.5 or labels 10
/// twice, and its `with_key_points` has no value formatter for plain `f64`.
#[derive(Clone, Debug)]
pub(super) struct Ticked {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        let f = if f.is_finite() {
            f.clamp(-1.0, 2.0)
        } else {
            0.0
        };
        limit.0 + (f64::from(limit.1 - limit.0) * f).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
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
        // A hundred decades: a grid line each, a label every thirteenth.
        let (bold, light) = log_ticks(1e-50, 1e50);
        assert_eq!(light.len(), 101);
        assert_eq!(bold.len(), 8);
        assert!((bold[1] / 1e-37 - 1.0).abs() < 1e-12, "{bold:?}");
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

    #[test]
    fn axes_over_extreme_values_keep_a_finite_span_of_distinct_ends() {
        for (lo, hi) in [
            (0.0, f64::MAX),
            (f64::MIN, f64::MAX),
            (1e308, 1e308),
            (f64::MAX, f64::MAX),
            (1e15, 1e15),
            (5.0, 5.0),
            (7.0, 3.0),
            (f64::NAN, 1.0),
            (1e-300, 1e-300),
        ] {
            for a in [XAxis::linear(lo, hi), XAxis::log(lo, hi)] {
                assert!(a.lo.is_finite() && a.hi.is_finite(), "{lo} {hi}: {a:?}");
                assert!((a.hi - a.lo).is_finite() && a.hi > a.lo, "{lo} {hi}: {a:?}");
                assert!(!a.log || a.lo > 0.0, "{lo} {hi}: {a:?}");
            }
        }
        assert_eq!(XAxis::linear(5.0, 5.0).range(), 5.0..6.0);
        let fit = XAxis::fit([f64::MAX, 1.0].into_iter(), 20.0, true);
        assert!(fit.log && fit.hi <= LIMIT, "{fit:?}");
    }
}
