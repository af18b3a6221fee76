//! `calls.png`: how many status calls each policy makes per job, one small
//! histogram per policy, each over the range where its own jobs are.
//!
//! Small multiples rather than overlaid lines: with ten policies, overlaid
//! histograms hide each other, while panels side by side show each policy's
//! shape (narrow, wide, two humps for a mixed workload). A shared axis would
//! squeeze a policy of 10 calls into the left fifth of a chart sized for one of
//! 80, so each panel spans its own jobs, from the fewest calls any made to its
//! 99.9th percentile; the rarer jobs beyond sit in one pale bar at the right
//! end, and the note says so. The panel's title gives the numbers to compare
//! policies by (mean, median, p99), measured against the font so it is never
//! cut by the panel edge.

use super::PlotError;
use super::axis::XAxis;
use super::canvas::Area;
use super::palette::Palette;
use super::panels::{self, Panels};
use super::style::{self, draw_err};
use crate::metrics::Accumulator;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One policy's exact distribution of calls per job: `(calls, jobs)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct CallCounts {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`].
    pub color: usize,
    /// `(calls, jobs)`: jobs that made exactly that many calls, by calls.
    pub counts: Vec<(usize, u64)>,
}

impl CallCounts {
    /// The rows of one policy's exact call counts.
    pub fn from_accumulator(policy: &str, palette: &Palette, acc: &Accumulator) -> Self {
        Self {
            policy: policy.to_string(),
            color: palette.slot(policy),
            counts: acc.call_distribution().collect(),
        }
    }
}

/// A policy's counts, sorted and summed without overflow, with what its panel needs.
struct Panel<'a> {
    row: &'a CallCounts,
    /// `(calls, jobs)` with jobs > 0, by calls.
    counts: Vec<(usize, u64)>,
    jobs: u128,
}

/// The share of jobs the axis covers; the rest go to the overflow bar.
const COVERED: f64 = 0.999;
/// Most bars a panel shows; wider ranges are grouped into bins of several counts.
const MAX_BARS: u128 = 100;

impl<'a> Panel<'a> {
    fn new(row: &'a CallCounts) -> Self {
        let mut counts: Vec<(usize, u64)> =
            row.counts.iter().copied().filter(|(_, n)| *n > 0).collect();
        counts.sort_by_key(|(k, _)| *k);
        let jobs = counts.iter().map(|(_, n)| u128::from(*n)).sum();
        Self { row, counts, jobs }
    }

    fn mean(&self) -> f64 {
        let total: f64 = self.counts.iter().map(|(k, n)| *k as f64 * *n as f64).sum();
        total / self.jobs as f64
    }

    /// The smallest call count reached by a fraction `q` of the jobs.
    fn quantile(&self, q: f64) -> usize {
        let rank = ((q * self.jobs as f64).ceil() as u128).clamp(1, self.jobs.max(1));
        let mut seen = 0u128;
        for (k, n) in &self.counts {
            seen += u128::from(*n);
            if seen >= rank {
                return *k;
            }
        }
        self.counts.last().map_or(0, |(k, _)| *k)
    }

    /// `(first count, bin width, bins)`: bins from the fewest calls to the
    /// covered quantile, at most [`MAX_BARS`] of them.
    fn bins(&self) -> (u128, u128, u128) {
        let lo = self.counts.first().map_or(0, |(k, _)| *k) as u128;
        let hi = (self.quantile(COVERED) as u128).max(lo);
        let span = hi - lo + 1;
        let width = span.div_ceil(MAX_BARS).max(1);
        (lo, width, span.div_ceil(width))
    }
}

/// `calls.png`: a histogram of calls per job, one panel per policy.
pub fn calls_png(rows: &[CallCounts]) -> Result<Vec<u8>, PlotError> {
    let panels: Vec<Panel> = rows.iter().map(Panel::new).filter(|p| p.jobs > 0).collect();
    if panels.is_empty() {
        return Err(PlotError::NoData("no jobs were simulated".into()));
    }
    let notes = vec![format!(
        "Each panel has its own x range: from the fewest calls any of the policy's jobs made to \
         its {}th percentile; a pale bar at the right end holds the rarer jobs beyond.",
        style::tick(100.0 * COVERED)
    )];
    Panels {
        title: "Calls per job: how many status requests each policy makes",
        notes,
        names: panels.iter().map(|p| p.row.policy.as_str()).collect(),
    }
    .render(panels::draw_notes, |i, area, bottom, left| {
        draw_panel(area, &panels[i], bottom, left)
    })
}

/// "1.2%" or "<0.01%" of the jobs.
fn share_text(share: f64) -> String {
    if share < 0.01 {
        "<0.01%".into()
    } else {
        format!("{share:.2}%")
    }
}

/// A panel's numbers: what to compare policies by.
fn numbers(panel: &Panel, bin_width: u128) -> String {
    let mut numbers = format!(
        "mean {}, p50 {}, p99 {} calls",
        style::tick(panel.mean()),
        panel.quantile(0.5),
        panel.quantile(0.99)
    );
    if bin_width > 1 {
        numbers.push_str(&format!("; bins of {bin_width}"));
    }
    numbers
}

fn draw_panel(area: &Area, panel: &Panel, bottom: bool, left: bool) -> Result<(), PlotError> {
    let jobs = panel.jobs as f64;
    let (lo, width, count) = panel.bins();
    let mut bins = vec![0u128; count as usize];
    let mut beyond = 0u128;
    for (k, n) in &panel.counts {
        match bins.get_mut(((*k as u128 - lo) / width) as usize) {
            Some(b) => *b += u128::from(*n),
            None => beyond += u128::from(*n),
        }
    }
    let shares: Vec<f64> = bins.iter().map(|n| 100.0 * *n as f64 / jobs).collect();
    let overflow = 100.0 * beyond as f64 / jobs;
    let peak = shares.iter().copied().fold(overflow, f64::max).max(1e-9);

    let chart_area = panels::heading(area, &panel.row.policy, &numbers(panel, width))?;

    // x in calls: bins from lo, then (if any job lies beyond) a gap and the overflow bar.
    let lo_f = lo as f64;
    let end = lo_f + (count * width) as f64;
    let w = width as f64;
    let x_max = if beyond > 0 { end + 1.5 * w } else { end } - 0.5;
    let x = XAxis::linear(lo_f - 0.5, x_max);
    let y = XAxis::linear(0.0, peak * 1.15);
    let mut chart = panels::chart(
        &chart_area,
        (x, (lo_f, end - 1.0)),
        y,
        (bottom, left),
        ("calls per job", "jobs (%)"),
    )?;
    let color = style::color(panel.row.color);
    // A small gap between bars keeps neighbouring counts apart.
    let gap = (0.1 * w).min(0.4);
    chart
        .draw_series(
            shares
                .iter()
                .enumerate()
                .filter(|(_, s)| **s > 0.0)
                .map(|(b, s)| {
                    let x0 = lo_f + b as f64 * w - 0.5 + gap;
                    Rectangle::new([(x0, 0.0), (x0 + w - 2.0 * gap, *s)], color.filled())
                }),
        )
        .map_err(draw_err)?;
    if beyond > 0 {
        let x0 = end + 0.5 * w - 0.5;
        let pale = style::tint(color, 0.55);
        // At most 0.1 % of the jobs, so a bar to scale would be a pixel: a stub
        // a few pixels tall marks it, and its label gives the share.
        let stub = overflow.max(0.04 * peak);
        chart
            .draw_series([Rectangle::new([(x0, 0.0), (x0 + w, stub)], pale.filled())])
            .map_err(draw_err)?;
        let label = format!("≥{}: {}", style::tick(end), share_text(overflow));
        let (px, py) = chart.backend_coord(&(x0 + w, stub));
        let base = chart_area.get_base_pixel();
        let right = Pos::new(HPos::Right, VPos::Bottom);
        chart_area
            .draw(&Text::new(
                label,
                (px - base.0, (py - base.1 - 4).max(12)),
                style::muted(style::LABEL_SIZE - 4).pos(right),
            ))
            .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(usize, u64)]) -> CallCounts {
        CallCounts {
            policy: "p".into(),
            color: 0,
            counts: pairs.to_vec(),
        }
    }

    #[test]
    fn mean_and_quantiles_follow_the_counts() {
        let c = counts(&[(1, 50), (3, 40), (10, 10)]);
        let p = Panel::new(&c);
        assert!((p.mean() - (50.0 + 120.0 + 100.0) / 100.0).abs() < 1e-12);
        assert_eq!(p.quantile(0.5), 1);
        assert_eq!(p.quantile(0.51), 3);
        assert_eq!(p.quantile(0.99), 10);
    }

    #[test]
    fn each_panel_spans_its_own_jobs_and_bins_wide_ranges() {
        // 37 to 84 calls, as `constant-5s` on long.toml: one bar per count from 37.
        let flat: Vec<(usize, u64)> = (37..=84).map(|k| (k, 100)).collect();
        let c = counts(&flat);
        assert_eq!(Panel::new(&c).bins(), (37, 1, 48));
        // 0 to 299 calls: bins of 3, a hundred of them.
        let wide: Vec<(usize, u64)> = (0..300).map(|k| (k, 10)).collect();
        let c = counts(&wide);
        assert_eq!(Panel::new(&c).bins(), (0, 3, 100));
        // One job in ten thousand at a million calls lies past the 99.9th
        // percentile: the axis stops at 5 and that job goes to the overflow bar.
        let c = counts(&[(5, 9_999), (1_000_000, 1)]);
        assert_eq!(Panel::new(&c).bins(), (5, 1, 1));
    }

    #[test]
    fn the_numbers_under_a_name_are_mean_median_and_p99() {
        let c = counts(&[(10, 1), (15, 60), (24, 39)]);
        assert_eq!(
            numbers(&Panel::new(&c), 1),
            "mean 18.5, p50 15, p99 24 calls"
        );
        assert_eq!(
            numbers(&Panel::new(&c), 3),
            "mean 18.5, p50 15, p99 24 calls; bins of 3"
        );
    }

    #[test]
    fn no_jobs_is_no_data_and_huge_counts_do_not_overflow() {
        assert!(matches!(
            calls_png(&[counts(&[])]),
            Err(PlotError::NoData(_))
        ));
        let c = counts(&[(usize::MAX, u64::MAX), (0, u64::MAX), (usize::MAX / 2, 1)]);
        let p = Panel::new(&c);
        assert_eq!(p.jobs, 2 * u128::from(u64::MAX) + 1);
        assert!(p.bins().2 <= MAX_BARS);
    }
}
