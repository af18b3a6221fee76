//! `observed.png`: what an observed workload was estimated from, and the estimate.
//!
//! Each job is a horizontal segment over its bracket `(last pending, first
//! final]` at its rank among the jobs (by bracket midpoint, so the segments
//! form a staircase of the empirical CDF); jobs given up on run to the right
//! edge in a paler color. The estimated CDF is drawn over them in ink: it
//! should pass through the staircase, and where it leaves it the estimate is
//! an assumption (the censored tail).

use super::PlotError;
use super::canvas;
use super::style::{self, HouseMesh, draw_err};
use crate::workload::Distribution;
use crate::workload::observed::Observed;
use plotters::prelude::*;

/// The brackets and the estimated CDF.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservedRows {
    /// `(low, high)` per job; `high` infinite for a job given up on.
    pub brackets: Vec<(f64, f64)>,
    /// `(t, F̂(t))`, by `t`.
    pub cdf: Vec<(f64, f64)>,
    /// The estimate's name, for the legend.
    pub method: String,
}

/// Points of the estimated CDF drawn between the pieces' ends.
const CURVE_POINTS: usize = 600;

impl ObservedRows {
    /// The rows of an observed workload: its brackets and its estimate on
    /// `CURVE_POINTS` points up to the end of its support, plus the pieces' ends.
    pub fn from_observed(observed: &Observed) -> Self {
        let evidence = observed.evidence();
        let brackets: Vec<(f64, f64)> = evidence.brackets.iter().map(|b| (b.low, b.high)).collect();
        let dist = Distribution::Observed(observed.clone());
        let end = dist.upper(1e-4);
        let mut ts: Vec<f64> = (0..=CURVE_POINTS)
            .map(|i| end * i as f64 / CURVE_POINTS as f64)
            .collect();
        ts.extend(dist.breakpoints().into_iter().filter(|t| *t <= end));
        ts.sort_by(f64::total_cmp);
        ts.dedup();
        let cdf = ts
            .into_iter()
            .map(|t| (t, 1.0 - dist.survival(t)))
            .collect();
        let method = match evidence.method {
            crate::workload::observed::Method::Turnbull => "Turnbull NPMLE",
            crate::workload::observed::Method::LogNormal => "log-normal fit",
        };
        Self {
            brackets,
            cdf,
            method: format!("estimated CDF ({method})"),
        }
    }
}

/// Renders the brackets and the CDF.
pub fn observed_png(rows: &ObservedRows) -> Result<Vec<u8>, PlotError> {
    let mut jobs: Vec<(f64, f64)> = rows
        .brackets
        .iter()
        .copied()
        .filter(|(l, h)| l.is_finite() && !h.is_nan() && *h > *l)
        .collect();
    let curve: Vec<(f64, f64)> = rows
        .cdf
        .iter()
        .copied()
        .filter(|(t, f)| t.is_finite() && f.is_finite())
        .collect();
    if jobs.is_empty() {
        return Err(PlotError::NoData("no job has a valid bracket".into()));
    }
    let finite_end = jobs
        .iter()
        .map(|&(l, h)| if h.is_finite() { h } else { l })
        .chain(curve.iter().map(|p| p.0))
        .fold(0.0, f64::max);
    let x_max = if finite_end > 0.0 && finite_end < f64::MAX / 2.0 {
        finite_end * 1.05
    } else {
        1.0
    };
    // By midpoint; a censored job sorts by its left end, after the finite ones there.
    let key = |&(l, h): &(f64, f64)| {
        if h.is_finite() {
            0.5 * (l + h)
        } else {
            l.max(x_max)
        }
    };
    jobs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let n = jobs.len() as f64;
    let censored = jobs.iter().filter(|j| j.1.is_infinite()).count();
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(
            root,
            "Observed durations: each job's bracket and the estimate",
        )?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        let job_color = style::color(0);
        let censored_color = style::tint(style::color(1), 0.5);
        let mut entries = vec![
            (rows.method.clone(), style::INK),
            (
                format!("{} jobs seen final: a bracket each", jobs.len() - censored),
                job_color,
            ),
        ];
        if censored > 0 {
            entries.push((format!("{censored} jobs given up on"), censored_color));
        }
        style::draw_legend(&legend, "observed workload", &entries)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x_max, 0.0..100.0)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("duration: seconds after submission")
            .y_desc("jobs finished by then (%), and each job's rank")
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .house_style()
            .max_light_lines(1)
            .draw()
            .map_err(draw_err)?;
        // Thin segments for many jobs, so that neighbours stay apart.
        let width = if n > 300.0 { 1 } else { 2 };
        chart
            .draw_series(jobs.iter().enumerate().map(|(i, &(l, h))| {
                let y = 100.0 * (i as f64 + 0.5) / n;
                let (hi, color) = if h.is_finite() {
                    (h.clamp(0.0, x_max), job_color)
                } else {
                    (x_max, censored_color)
                };
                PathElement::new(
                    vec![(l.clamp(0.0, x_max), y), (hi, y)],
                    color.stroke_width(width),
                )
            }))
            .map_err(draw_err)?;
        let line: Vec<(f64, f64)> = curve
            .iter()
            .map(|&(t, f)| (t.clamp(0.0, x_max), 100.0 * f.clamp(0.0, 1.0)))
            .collect();
        chart
            .draw_series(LineSeries::new(line, style::INK.stroke_width(3)))
            .map_err(draw_err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_rows_are_drawn_or_no_data_never_a_panic() {
        let rows = ObservedRows {
            brackets: vec![(0.0, 10.0), (5.0, f64::INFINITY), (f64::MAX, f64::INFINITY)],
            cdf: vec![(0.0, 0.0), (10.0, 1.0), (f64::NAN, 0.5)],
            method: "x".into(),
        };
        assert!(observed_png(&rows).is_ok());
        // The edges of f64 in every field, all in one picture (one render:
        // each costs tens of milliseconds in a debug build).
        let extremes = [
            0.0,
            5e-324,
            1e-300,
            0.5,
            420.0,
            1e300,
            f64::MAX,
            -1.0,
            f64::MIN,
            f64::INFINITY,
        ];
        let pairs: Vec<(f64, f64)> = extremes
            .iter()
            .flat_map(|&a| extremes.iter().map(move |&b| (a, b)))
            .collect();
        let rows = ObservedRows {
            brackets: pairs.clone(),
            cdf: pairs,
            method: "x".into(),
        };
        assert!(observed_png(&rows).is_ok());
        let none = ObservedRows {
            brackets: vec![(3.0, 2.0)],
            cdf: vec![],
            method: "x".into(),
        };
        assert!(matches!(observed_png(&none), Err(PlotError::NoData(_))));
    }
}
