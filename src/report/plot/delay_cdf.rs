//! `delay_cdf.png`: the cumulative distribution of detection delay, one line per policy.
//!
//! A point (x, y) reads "y % of the detected jobs were noticed within x seconds
//! of finishing". Lines further up and to the left are better; where a line
//! reaches 100 % is the worst delay that policy ever causes.

use super::PlotError;
use super::axis::{XAxis, XBody};
use super::canvas::{self, Area};
use super::palette::Palette;
use super::style::HouseMesh;
use super::style::{self, draw_err};
use crate::metrics::Accumulator;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;

/// One policy's delay CDF: `(delay_s, fraction of detected jobs)`, fractions
/// increasing from about 0 to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct DelayCdf {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`].
    pub color: usize,
    /// `(delay_s, fraction)`, by delay.
    pub points: Vec<(f64, f64)>,
}

impl DelayCdf {
    /// Quantiles taken from an accumulator: enough for a smooth line at 1600 px.
    pub const POINTS: usize = 400;

    /// The delay quantiles of `acc` at `POINTS` + 1 evenly spaced fractions
    /// (empty when no job was detected), in the policy's color.
    pub fn from_accumulator(policy: &str, palette: &Palette, acc: &Accumulator) -> Self {
        let points = if acc.delay.count() == 0 {
            Vec::new()
        } else {
            acc.delay_cdf(Self::POINTS)
        };
        Self {
            policy: policy.to_string(),
            color: palette.slot(policy),
            points,
        }
    }

    fn finite(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    }

    /// The smallest delay reaching fraction `q`.
    fn at(&self, q: f64) -> Option<f64> {
        self.finite().find(|(_, y)| *y >= q).map(|(x, _)| x)
    }
}

/// Picks the x axis: from 0 (or, on a log axis, near the smallest typical delay)
/// to where every line has (nearly) reached 100 %. A single extreme delay does
/// not squeeze the others: beyond 1.5× the largest 99.5th percentile the axis is
/// cut, and the x description says so.
fn x_axis(rows: &[&DelayCdf]) -> (XAxis, bool) {
    let p995 = rows.iter().filter_map(|r| r.at(0.995)).fold(0.0, f64::max);
    let max = rows.iter().filter_map(|r| r.at(1.0)).fold(0.0, f64::max);
    let (hi, cut) = if max <= 1.5 * p995 || p995 <= 0.0 {
        (max * 1.02, false)
    } else {
        (p995 * 1.05, true)
    };
    let smallest_median = rows
        .iter()
        .filter_map(|r| r.at(0.5))
        .filter(|x| *x > 0.0)
        .fold(f64::INFINITY, f64::min);
    if style::wants_log(smallest_median, hi, 50.0) {
        let lo = rows
            .iter()
            .filter_map(|r| r.at(0.01))
            .filter(|x| *x > 0.0)
            .fold(smallest_median, f64::min)
            .max(hi * 1e-4);
        (XAxis::log(lo * 0.8, hi), cut)
    } else {
        (XAxis::linear(0.0, hi), cut)
    }
}

/// Whether `b` is another policy whose line would cover `a`'s: the same fractions
/// at delays within 0.2 % of the axis span.
fn same_line(a: &DelayCdf, b: &DelayCdf, span: f64) -> bool {
    !std::ptr::eq(a, b)
        && a.points.len() == b.points.len()
        && !a.points.is_empty()
        && a.points
            .iter()
            .zip(&b.points)
            .all(|(p, q)| p.1 == q.1 && (p.0 - q.0).abs() <= 0.002 * span)
}

/// Renders the CDF of every row with points; rows without detected jobs are
/// listed in the legend as "no detected jobs".
pub fn delay_cdf_png(rows: &[DelayCdf]) -> Result<Vec<u8>, PlotError> {
    let drawn: Vec<&DelayCdf> = rows.iter().filter(|r| r.finite().count() > 0).collect();
    if drawn.is_empty() {
        return Err(PlotError::NoData(
            "no policy detected any job, so there is no detection delay to plot".into(),
        ));
    }
    let (axis, cut) = x_axis(&drawn);
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(
            root,
            "Detection delay: when each policy notices a finished job",
        )?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        let entries: Vec<(String, RGBColor)> = rows
            .iter()
            .map(|r| {
                let name = if r.finite().count() == 0 {
                    format!("{} (no detected jobs)", r.policy)
                } else if let Some(twin) = rows.iter().find(|o| same_line(r, o, axis.hi - axis.lo))
                {
                    // Identical curves hide each other: say so, or one seems missing.
                    format!("{} (= {})", r.policy, twin.policy)
                } else {
                    r.policy.clone()
                };
                (name, style::color(r.color))
            })
            .collect();
        style::draw_legend(&legend, "policy", &entries)?;
        let mut x_desc = format!("detection delay after the job finished (s){}", axis.note());
        if cut {
            x_desc.push_str(", axis cut at the 99.5th percentile");
        }
        axis.draw_with(Chart {
            area: &plot,
            rows: &drawn,
            x_desc,
        })
    })
}

struct Chart<'a, 'b> {
    area: &'a Area<'b>,
    rows: &'a [&'a DelayCdf],
    x_desc: String,
}

impl XBody for Chart<'_, '_> {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(self.area)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(x, 0.0..100.0)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc("detected jobs noticed within that delay (%)")
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .house_style()
            .max_light_lines(1)
            .draw()
            .map_err(draw_err)?;
        for row in self.rows {
            let line: Vec<(f64, f64)> = row
                .finite()
                .map(|(d, q)| (axis.place(d), 100.0 * q))
                .collect();
            chart
                .draw_series(LineSeries::new(
                    line,
                    style::color(row.color).stroke_width(3),
                ))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(policy: &str, width: f64) -> DelayCdf {
        DelayCdf {
            policy: policy.into(),
            color: 0,
            points: (0..=1000)
                .map(|i| (width * f64::from(i) / 1000.0, f64::from(i) / 1000.0))
                .collect(),
        }
    }

    #[test]
    fn axis_is_linear_for_similar_delays_and_log_for_wide_ones() {
        let (axis, cut) = x_axis(&[&uniform("a", 5.0), &uniform("b", 30.0)]);
        assert!(!axis.log && !cut);
        assert_eq!(axis.lo, 0.0);
        assert!((axis.hi - 30.6).abs() < 1e-9);
        let (axis, _) = x_axis(&[&uniform("a", 0.1), &uniform("b", 60.0)]);
        assert!(axis.log);
        assert!(axis.lo > 0.0 && axis.lo < 0.05, "{axis:?}");
    }

    #[test]
    fn one_extreme_delay_does_not_stretch_the_axis() {
        let mut tail = uniform("a", 10.0);
        tail.points.last_mut().unwrap().0 = 5000.0;
        let (axis, cut) = x_axis(&[&tail]);
        assert!(cut);
        assert!(axis.hi < 20.0, "{axis:?}");
    }

    #[test]
    fn identical_lines_are_recognized() {
        let (a, b, c) = (uniform("a", 60.0), uniform("b", 60.0), uniform("c", 30.0));
        assert!(same_line(&a, &b, 60.0));
        assert!(!same_line(&a, &a, 60.0));
        assert!(!same_line(&a, &c, 60.0));
    }

    #[test]
    fn nothing_detected_is_no_data() {
        let empty = DelayCdf {
            policy: "gives-up".into(),
            color: 0,
            points: vec![],
        };
        assert!(matches!(delay_cdf_png(&[empty]), Err(PlotError::NoData(_))));
        assert!(matches!(delay_cdf_png(&[]), Err(PlotError::NoData(_))));
    }
}
