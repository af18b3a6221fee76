//! `calls.png`: how many status calls each policy makes per job, one small
//! histogram per policy on a shared x axis.
//!
//! Small multiples rather than overlaid lines: with ten policies, overlaid
//! histograms hide each other, while panels side by side show each policy's
//! shape (narrow, wide, two humps for a mixed workload) and, through the shared
//! axis, how far apart the policies are.

use super::PlotError;
use super::canvas::{self, Area};
use super::style::{self, draw_err};
use crate::metrics::Accumulator;
use plotters::prelude::*;

/// One policy's exact distribution of calls per job: `(calls, jobs)` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct CallCounts {
    pub policy: String,
    /// Palette slot: give a policy the same one in every plot.
    pub color: usize,
    pub counts: Vec<(usize, u64)>,
}

impl CallCounts {
    pub fn from_accumulator(policy: &str, color: usize, acc: &Accumulator) -> Self {
        Self {
            policy: policy.to_string(),
            color,
            counts: acc.call_distribution().collect(),
        }
    }

    fn jobs(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    fn mean(&self) -> f64 {
        let total: f64 = self.counts.iter().map(|(k, n)| *k as f64 * *n as f64).sum();
        total / self.jobs() as f64
    }

    /// The smallest call count reached by a fraction `q` of the jobs.
    fn quantile(&self, q: f64) -> usize {
        let rank = (q * self.jobs() as f64).ceil() as u64;
        let mut seen = 0;
        for (k, n) in &self.counts {
            seen += n;
            if seen >= rank.max(1) {
                return *k;
            }
        }
        self.counts.last().map_or(0, |(k, _)| *k)
    }
}

/// Most bars a panel shows; wider ranges are grouped into bins of several counts.
const MAX_BARS: usize = 100;

/// Bins over the shared axis `0..=top`: width in calls, so that at most `MAX_BARS` bars.
fn bin_width(top: usize) -> usize {
    top.div_ceil(MAX_BARS).max(1)
}

/// Panel grid: one column for up to three policies, two up to eight, then three.
fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    (n.div_ceil(cols), cols)
}

pub fn calls_png(rows: &[CallCounts]) -> Result<Vec<u8>, PlotError> {
    let drawn: Vec<&CallCounts> = rows.iter().filter(|r| r.jobs() > 0).collect();
    if drawn.is_empty() {
        return Err(PlotError::NoData("no jobs were simulated".into()));
    }
    // The shared axis covers 99.9 % of every policy's jobs; a rare job with
    // thousands of calls would otherwise flatten every panel.
    let top = drawn
        .iter()
        .map(|r| r.quantile(0.999))
        .max()
        .unwrap_or(1)
        .max(1);
    let width = bin_width(top + 1);
    let (rows_n, cols) = grid(drawn.len());
    let height = style::HEIGHT.max(110 + 240 * rows_n as u32);
    canvas::render((style::WIDTH, height), |root| {
        let body = canvas::titled(
            root,
            "Calls per job: how many status requests each policy makes",
        )?;
        let note = if width == 1 {
            "bars: share of the policy's jobs that made exactly that many calls".to_string()
        } else {
            format!("bars: share of the policy's jobs per bin of {width} calls")
        };
        let (note_area, panels_area) = body.split_vertically(36);
        note_area
            .draw(&Text::new(note, (20, 4), style::muted(style::NOTE_SIZE)))
            .map_err(draw_err)?;
        let panels = panels_area.split_evenly((rows_n, cols));
        for (i, (row, panel)) in drawn.iter().zip(&panels).enumerate() {
            let bottom = i / cols == rows_n - 1 || i + cols >= drawn.len();
            draw_panel(panel, row, top, width, bottom, i % cols == 0)?;
        }
        Ok(())
    })
}

fn draw_panel(
    area: &Area,
    row: &CallCounts,
    top: usize,
    width: usize,
    bottom: bool,
    left: bool,
) -> Result<(), PlotError> {
    let jobs = row.jobs() as f64;
    let mut bins = vec![0u64; top / width + 1];
    let mut beyond = 0u64;
    for (k, n) in &row.counts {
        match bins.get_mut(k / width) {
            Some(b) => *b += n,
            None => beyond += n,
        }
    }
    let shares: Vec<f64> = bins.iter().map(|n| 100.0 * *n as f64 / jobs).collect();
    let peak = shares.iter().copied().fold(0.0, f64::max).max(1e-9);
    let mut caption = format!(
        "{}: mean {:.1}, p50 {}, p99 {}",
        row.policy,
        row.mean(),
        row.quantile(0.5),
        row.quantile(0.99)
    );
    if beyond > 0 {
        let share = 100.0 * beyond as f64 / jobs;
        caption.push_str(&if share < 0.01 {
            "; <0.01% off axis".to_string()
        } else {
            format!("; {share:.2}% off axis")
        });
    }
    let fits = (area.dim_in_pixel().0 as f64 / (f64::from(style::LABEL_SIZE) * 0.6)) as usize;
    let caption = style::ellipsize(&caption, fits.saturating_sub(2));
    let x_max = ((top / width + 1) * width) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .caption(caption, style::text(style::LABEL_SIZE))
        .x_label_area_size(if bottom { 62 } else { 34 })
        .y_label_area_size(if left { 80 } else { 60 })
        .build_cartesian_2d(-0.5..x_max - 0.5, 0.0..peak * 1.12)
        .map_err(draw_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_labels(10)
        .y_labels(4)
        .x_label_formatter(&|v| style::tick(v.round()))
        .y_label_formatter(&|v| style::tick(*v))
        .axis_desc_style(style::text(style::AXIS_DESC_SIZE - 4))
        .label_style(style::text(style::LABEL_SIZE - 2))
        .max_light_lines(1)
        .light_line_style(style::GRID.mix(0.5))
        .bold_line_style(style::GRID);
    if bottom {
        mesh.x_desc("calls per job");
    }
    if left {
        mesh.y_desc("jobs (%)");
    }
    mesh.draw().map_err(draw_err)?;
    let color = style::color(row.color);
    // A small gap between bars keeps neighbouring counts apart.
    let gap = (0.1 * width as f64).min(0.4);
    chart
        .draw_series(
            shares
                .iter()
                .enumerate()
                .filter(|(_, s)| **s > 0.0)
                .map(|(b, s)| {
                    let x0 = (b * width) as f64 - 0.5 + gap;
                    let x1 = ((b + 1) * width) as f64 - 0.5 - gap;
                    Rectangle::new([(x0, 0.0), (x1, *s)], color.filled())
                }),
        )
        .map_err(draw_err)?;
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
        assert!((c.mean() - (50.0 + 120.0 + 100.0) / 100.0).abs() < 1e-12);
        assert_eq!(c.quantile(0.5), 1);
        assert_eq!(c.quantile(0.51), 3);
        assert_eq!(c.quantile(0.99), 10);
    }

    #[test]
    fn bins_and_grid_scale_with_the_data() {
        assert_eq!(bin_width(85), 1);
        assert_eq!(bin_width(230), 3);
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(6), (3, 2));
        assert_eq!(grid(10), (4, 3));
    }

    #[test]
    fn no_jobs_is_no_data() {
        assert!(matches!(
            calls_png(&[counts(&[])]),
            Err(PlotError::NoData(_))
        ));
    }
}
