//! `validation_load.png`: the load the simulator predicted against the load the
//! bundled server counted, one panel per policy.
//!
//! Twenty overlaid lines, dashed and solid in ten colors, could not be read:
//! per-second counts of a few dozen jobs jump between 0 and 10, so every line
//! crossed every other. One panel per policy compares only what must be
//! compared, the prediction and its measurement, on a shared time axis: the
//! prediction as pale bars, the measurement as a line in the policy's color.
//! Where the line runs along the tops of the bars they agree. Long runs are
//! averaged over buckets of a few seconds (the axis says how many), so a
//! panel is never a solid band; the panel's title gives the per-second peaks
//! and the totals, the numbers `validate` judges.

use super::PlotError;
use super::axis::XAxis;
use super::canvas::Area;
use super::load::per_second;
use super::palette::Palette;
use super::panels::{self, MAX_PANELS, Panels};
use super::style::{self, draw_err};
use crate::sim::LoadTimeline;
use plotters::prelude::*;

/// One policy's requests per second, predicted and measured.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadPair {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`].
    pub color: usize,
    /// `(second, requests)`, as the simulator predicted them.
    pub predicted: Vec<(f64, f64)>,
    /// `(second, requests)`, as the server counted them.
    pub measured: Vec<(f64, f64)>,
}

impl LoadPair {
    /// The rows of one policy's predicted and counted load.
    pub fn from_timelines(
        policy: &str,
        palette: &Palette,
        predicted: &LoadTimeline,
        measured: &LoadTimeline,
    ) -> Self {
        Self {
            policy: policy.to_string(),
            color: palette.slot(policy),
            predicted: per_second(predicted),
            measured: per_second(measured),
        }
    }
}

/// Buckets a panel shows at most: about five pixels each.
const MAX_BUCKETS: f64 = 200.0;

fn finite(points: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    points
        .iter()
        .copied()
        .filter(|(s, n)| s.is_finite() && n.is_finite() && *s >= 0.0)
}

/// Mean requests per second in each bucket of `width` seconds from 0 to `end`.
fn bucketed(points: &[(f64, f64)], width: f64, buckets: usize) -> Vec<f64> {
    let mut sums = vec![0.0; buckets];
    for (s, n) in finite(points) {
        let i = ((s / width) as usize).min(buckets.saturating_sub(1));
        if let Some(b) = sums.get_mut(i) {
            *b += n;
        }
    }
    sums.iter().map(|s| s / width).collect()
}

fn peak(points: &[(f64, f64)]) -> f64 {
    finite(points).map(|p| p.1).fold(0.0, f64::max)
}

fn total(points: &[(f64, f64)]) -> f64 {
    finite(points).map(|p| p.1).sum()
}

/// The time axis shared by every panel: from 0 to the last second with a
/// request, in buckets of a whole number of seconds.
struct TimeAxis {
    end: f64,
    width: f64,
    buckets: usize,
}

impl TimeAxis {
    fn new(rows: &[&LoadPair]) -> Self {
        let last = rows
            .iter()
            .flat_map(|r| finite(&r.predicted).chain(finite(&r.measured)))
            .map(|p| p.0)
            .fold(0.0, f64::max)
            .min(super::axis::LIMIT);
        let end = last.floor() + 1.0;
        let width = (end / MAX_BUCKETS).ceil().max(1.0);
        let buckets = ((end / width).ceil() as usize).clamp(1, MAX_BUCKETS as usize);
        Self {
            end: width * buckets as f64,
            width,
            buckets,
        }
    }
}

/// `validation_load.png`: requests per second, predicted against measured.
pub fn validation_load_png(rows: &[LoadPair]) -> Result<Vec<u8>, PlotError> {
    let drawn: Vec<&LoadPair> = rows
        .iter()
        .filter(|r| total(&r.predicted) > 0.0 || total(&r.measured) > 0.0)
        .collect();
    if drawn.is_empty() {
        return Err(PlotError::NoData("no request reached the server".into()));
    }
    let time = TimeAxis::new(&drawn[..drawn.len().min(MAX_PANELS)]);
    let notes = vec![if time.width > 1.0 {
        format!(
            "Each panel has its own y scale; values are means over {} s.",
            style::tick(time.width)
        )
    } else {
        "Each panel has its own y scale; values are requests in each second.".to_string()
    }];
    Panels {
        title: "Server load: the simulator's prediction against the server's count",
        notes,
        names: drawn.iter().map(|r| r.policy.as_str()).collect(),
    }
    .render(draw_key, |i, area, bottom, left| {
        draw_panel(area, drawn[i], &time, bottom, left)
    })
}

/// The notes, and what the bars and the line mean, in neutral grey.
fn draw_key(area: &Area, notes: &[String]) -> Result<(), PlotError> {
    let (width, _) = area.dim_in_pixel();
    let x = width as i32 - 620;
    let grey = RGBColor(0x70, 0x70, 0x70);
    area.draw(&Rectangle::new(
        [(x, 8), (x + 34, 26)],
        style::tint(grey, 0.6).filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&Text::new(
        "predicted (simulator)",
        (x + 44, 6),
        style::text(style::NOTE_SIZE),
    ))
    .map_err(draw_err)?;
    let x = x + 300;
    area.draw(&PathElement::new(
        vec![(x, 17), (x + 34, 17)],
        grey.stroke_width(3),
    ))
    .map_err(draw_err)?;
    area.draw(&Text::new(
        "measured (server)",
        (x + 44, 6),
        style::text(style::NOTE_SIZE),
    ))
    .map_err(draw_err)?;
    for (i, note) in notes.iter().enumerate() {
        let fitted = style::fit(note, style::NOTE_SIZE, width.saturating_sub(660));
        let line = if i == 0 { fitted } else { note.clone() };
        area.draw(&Text::new(
            line,
            (20, 6 + 28 * i as i32),
            style::muted(style::NOTE_SIZE),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

fn draw_panel(
    area: &Area,
    row: &LoadPair,
    time: &TimeAxis,
    bottom: bool,
    left: bool,
) -> Result<(), PlotError> {
    let predicted = bucketed(&row.predicted, time.width, time.buckets);
    let measured = bucketed(&row.measured, time.width, time.buckets);
    let top = predicted
        .iter()
        .chain(&measured)
        .copied()
        .fold(0.0, f64::max)
        .max(1.0);

    let numbers = format!(
        "peak {} → {} requests/s, {} → {} requests (predicted → measured)",
        style::tick(peak(&row.predicted)),
        style::tick(peak(&row.measured)),
        style::tick(total(&row.predicted)),
        style::tick(total(&row.measured)),
    );
    let chart_area = panels::heading(area, &row.policy, &numbers)?;

    let (x, y) = (XAxis::linear(0.0, time.end), XAxis::linear(0.0, top * 1.12));
    let mut chart = panels::chart(
        &chart_area,
        (x, (0.0, time.end)),
        y,
        (bottom, left),
        ("time since the first submission (s)", "requests/s"),
    )?;
    let color = style::color(row.color);
    let w = time.width;
    chart
        .draw_series(
            predicted
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| {
                    let x0 = i as f64 * w;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + w, y.place(*v))],
                        style::tint(color, 0.6).filled(),
                    )
                }),
        )
        .map_err(draw_err)?;
    // The measurement as steps: flat over each bucket, vertical between them.
    let steps: Vec<(f64, f64)> = measured
        .iter()
        .enumerate()
        .flat_map(|(i, v)| {
            let v = y.place(*v);
            [(i as f64 * w, v), ((i + 1) as f64 * w, v)]
        })
        .collect();
    chart
        .draw_series(LineSeries::new(steps, color.stroke_width(2)))
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_are_averaged_over_whole_seconds() {
        let pair = |end: f64| LoadPair {
            policy: "p".into(),
            color: 0,
            predicted: vec![(0.0, 1.0), (end, 1.0)],
            measured: vec![],
        };
        let short = pair(74.0);
        let t = TimeAxis::new(&[&short]);
        assert_eq!((t.width, t.buckets, t.end), (1.0, 75, 75.0));
        let long = pair(1999.0);
        let t = TimeAxis::new(&[&long]);
        assert_eq!((t.width, t.buckets, t.end), (10.0, 200, 2000.0));
        // 30 requests in seconds 0..=2 of a 3-second bucket: 10 per second.
        let b = bucketed(&[(0.0, 10.0), (1.0, 5.0), (2.0, 15.0), (3.0, 3.0)], 3.0, 2);
        assert_eq!(b, vec![10.0, 1.0]);
    }

    #[test]
    fn nothing_counted_is_no_data() {
        let empty = LoadPair {
            policy: "p".into(),
            color: 0,
            predicted: vec![(0.0, 0.0)],
            measured: vec![],
        };
        assert!(matches!(
            validation_load_png(&[empty]),
            Err(PlotError::NoData(_))
        ));
    }
}
