//! `load.png`: the status server's load over time, one line per policy; and
//! `validation_load.png`: the same, predicted (dashed) against measured (solid).
//!
//! A point (x, y) reads "in second x the server received y requests under this
//! policy" (answered, failed and throttled together). Spikes are herds; a flat
//! line at the rate limit means clients are queueing on 429s.

use super::PlotError;
use super::canvas;
use super::style::HouseMesh;
use super::style::{self, draw_err};
use crate::sim::LoadTimeline;
use plotters::prelude::*;

/// One policy's requests per second.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSeries {
    pub policy: String,
    /// Palette slot: give a policy the same one in every plot.
    pub color: usize,
    /// `(second, requests)` from second 0 to the last request.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed: a prediction beside a measurement.
    pub dashed: bool,
}

impl LoadSeries {
    pub fn from_timeline(policy: &str, color: usize, load: &LoadTimeline) -> Self {
        Self {
            policy: policy.to_string(),
            color,
            points: load
                .seconds()
                .map(|(s, counts)| (s as f64, counts.iter().sum::<u64>() as f64))
                .collect(),
            dashed: false,
        }
    }

    /// The same series drawn dashed.
    pub fn dashed(self) -> Self {
        Self {
            dashed: true,
            ..self
        }
    }
}

pub fn load_png(rows: &[LoadSeries]) -> Result<Vec<u8>, PlotError> {
    draw(rows, "Server load: requests per second under each policy")
}

/// Each policy's predicted (dashed) and measured (solid) load on one chart.
pub fn validation_load_png(rows: &[LoadSeries]) -> Result<Vec<u8>, PlotError> {
    draw(
        rows,
        "Server load, predicted (dashed) and measured (solid): requests per second",
    )
}

fn draw(rows: &[LoadSeries], title: &str) -> Result<Vec<u8>, PlotError> {
    let drawn: Vec<&LoadSeries> = rows.iter().filter(|r| !r.points.is_empty()).collect();
    if drawn.is_empty() {
        return Err(PlotError::NoData("no request reached the server".into()));
    }
    let end = drawn
        .iter()
        .filter_map(|r| r.points.last().map(|p| p.0 + 1.0))
        .fold(1.0, f64::max);
    let peak = drawn
        .iter()
        .flat_map(|r| r.points.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(root, title)?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        // One legend entry per policy, however many lines it has.
        let mut entries: Vec<(String, RGBColor)> = Vec::new();
        for r in rows {
            if !entries.iter().any(|(name, _)| *name == r.policy) {
                entries.push((r.policy.clone(), style::color(r.color)));
            }
        }
        style::draw_legend(&legend, "policy", &entries)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..end, 0.0..peak * 1.05)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("time since the first submission (s)")
            .y_desc("requests in that second (all outcomes)")
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .house_style()
            .max_light_lines(1)
            .draw()
            .map_err(draw_err)?;
        for row in &drawn {
            let line = style::color(row.color).stroke_width(2);
            if row.dashed {
                chart
                    .draw_series(DashedLineSeries::new(
                        row.points.iter().copied(),
                        8,
                        5,
                        line,
                    ))
                    .map_err(draw_err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(row.points.iter().copied(), line))
                    .map_err(draw_err)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::load::Outcome;

    #[test]
    fn draws_a_png_and_refuses_an_empty_run() {
        let mut load = LoadTimeline::default();
        for s in 0..30 {
            for _ in 0..(s % 7) {
                load.record(f64::from(s) + 0.5, Outcome::Answered);
            }
        }
        let series = LoadSeries::from_timeline("p", 0, &load);
        assert_eq!(series.points[3], (3.0, 3.0));
        let png = load_png(&[series]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let empty = LoadSeries::from_timeline("q", 1, &LoadTimeline::default());
        assert!(matches!(load_png(&[empty]), Err(PlotError::NoData(_))));
    }
}
