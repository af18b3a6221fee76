//! `load.png`: the status server's load over time, one line per policy.
//!
//! A point (x, y) reads "in second x the server received y requests under this
//! policy" (answered, failed and throttled together). Spikes are herds; a flat
//! line at the rate limit means clients are queueing on 429s. The validation's
//! predicted-against-measured load is drawn apart, one panel per policy
//! ([`super::validation_load`]).

use super::PlotError;
use super::axis::XAxis;
use super::canvas;
use super::palette::Palette;
use super::style;
use crate::sim::LoadTimeline;
use plotters::prelude::*;

/// One policy's requests per second.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSeries {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`].
    pub color: usize,
    /// `(second, requests)` from second 0 to the last request.
    pub points: Vec<(f64, f64)>,
}

/// `(second, requests of every outcome)` for each second of `load`.
pub(super) fn per_second(load: &LoadTimeline) -> Vec<(f64, f64)> {
    load.seconds()
        .map(|(s, counts)| (s as f64, counts.iter().map(|c| *c as f64).sum::<f64>()))
        .collect()
}

impl LoadSeries {
    /// The rows of one policy's load timeline.
    pub fn from_timeline(policy: &str, palette: &Palette, load: &LoadTimeline) -> Self {
        Self {
            policy: policy.to_string(),
            color: palette.slot(policy),
            points: per_second(load),
        }
    }
}

/// `load.png`: requests per second over time, one line per policy.
pub fn load_png(rows: &[LoadSeries]) -> Result<Vec<u8>, PlotError> {
    let title = "Server load: requests per second under each policy";
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let drawn: Vec<&LoadSeries> = rows
        .iter()
        .filter(|r| r.points.iter().any(|p| finite(&p)))
        .collect();
    if drawn.is_empty() {
        return Err(PlotError::NoData("no request reached the server".into()));
    }
    let end = drawn
        .iter()
        .flat_map(|r| r.points.iter().filter(finite).map(|p| p.0 + 1.0))
        .fold(1.0, f64::max);
    let peak = drawn
        .iter()
        .flat_map(|r| r.points.iter().filter(finite).map(|p| p.1))
        .fold(1.0, f64::max);
    let (x, y) = (XAxis::linear(0.0, end), XAxis::linear(0.0, peak * 1.05));
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
        let lines: Vec<(usize, &[(f64, f64)])> =
            drawn.iter().map(|r| (r.color, &r.points[..])).collect();
        let _chart = super::lines::line_chart(
            &plot,
            (&x, &y),
            (
                "time since the first submission (s)",
                "requests in that second (all outcomes)",
            ),
            &lines,
        )?;
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
        let palette = Palette::new([vec!["p", "q"]]);
        let series = LoadSeries::from_timeline("p", &palette, &load);
        assert_eq!(series.points[3], (3.0, 3.0));
        let png = load_png(&[series]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let empty = LoadSeries::from_timeline("q", &palette, &LoadTimeline::default());
        assert!(matches!(load_png(&[empty]), Err(PlotError::NoData(_))));
    }
}
