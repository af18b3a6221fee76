//! `schedule.png`: the job-duration density with each policy's check times
//! drawn beneath it as a row of ticks, on one time axis.
//!
//! The reader sees where each policy spends its calls relative to when jobs
//! actually finish: ticks packed where no job ends yet are wasted calls, gaps
//! where many jobs end are detection delay. Only deterministic policies have one
//! set of check times for every job; the others (jitter, learning, per-job
//! hints) are left out and named in a note on the image.

use super::PlotError;
use super::axis::{XAxis, XBody};
use super::canvas::{self, Area};
use super::style::HouseMesh;
use super::style::{self, draw_err};
use crate::optimize::TuneResult;
use crate::policy::PolicySpec;
use crate::workload::Distribution;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Bars in the density histogram.
const BINS: usize = 120;
/// Most check times listed per policy (a tick every pixel is already solid).
const MAX_CHECKS: usize = 20_000;

/// One deterministic policy's check times within the plotted range.
#[derive(Clone, Debug, PartialEq)]
pub struct Checks {
    pub policy: String,
    /// Palette slot: give a policy the same one in every plot.
    pub color: usize,
    pub times: Vec<f64>,
}

/// Everything `schedule.png` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRows {
    /// The image's title: says whether these are the config's or the tuned policies.
    pub title: String,
    /// Time axis, seconds since submission; log when durations span decades.
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
    /// Density histogram: `(from_s, to_s, % of jobs finishing in between)`.
    pub bins: Vec<(f64, f64, f64)>,
    pub checks: Vec<Checks>,
    /// Policies whose check times differ from job to job, so not drawn.
    pub omitted: Vec<String>,
}

/// The `p`-quantile of `dist`: the smallest `t` with `P(D <= t) >= p`, by
/// bisection on the survival (which every distribution offers exactly).
fn quantile(dist: &Distribution, p: f64) -> f64 {
    let mut hi = dist.upper(1e-12).max(1e-9);
    while dist.survival(hi) > 1.0 - p && hi < 1e15 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if dist.survival(mid) > 1.0 - p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

impl ScheduleRows {
    /// The density of `dist` over the range where 99.8 % of jobs end, and the
    /// check times there of every deterministic policy (color = its index).
    pub fn new(dist: &Distribution, policies: &[PolicySpec]) -> Self {
        let colored: Vec<(&PolicySpec, usize)> = policies.iter().zip(0..).collect();
        Self::colored(
            dist,
            &colored,
            "Where the checks fall: job durations and each policy's check times",
        )
    }

    /// After tuning: each family's tuned policy, best first, in its grid's color,
    /// and the optimal schedule in ink last.
    pub fn tuned(dist: &Distribution, result: &TuneResult) -> Self {
        let mut colored: Vec<(&PolicySpec, usize)> =
            result.best.iter().map(|b| (&b.spec, b.grid)).collect();
        colored.push((&result.optimal_spec, style::OPTIMAL_SLOT));
        Self::colored(
            dist,
            &colored,
            "Tuned policies: job durations and each tuned policy's check times",
        )
    }

    /// Rows for `policies`, each with its palette slot.
    pub fn colored(dist: &Distribution, policies: &[(&PolicySpec, usize)], title: &str) -> Self {
        let first = quantile(dist, 0.001);
        let last = quantile(dist, 0.999);
        let (lo, hi, log) = if style::wants_log(first, last, 20.0) {
            (first / 1.5, last * 1.1, true)
        } else {
            (0.0, if last > 0.0 { last * 1.05 } else { 1.0 }, false)
        };
        // Linear bins are a round number of seconds wide, so the axis reads
        // "per 5 s"; log bins are evenly spaced in log time.
        let step = style::nice_step((hi - lo) / BINS as f64);
        let count = if log {
            BINS
        } else {
            ((hi - lo) / step).ceil() as usize
        };
        let edge = |i: usize| {
            if log {
                lo * (hi / lo).powf(i as f64 / BINS as f64)
            } else {
                (lo + step * i as f64).min(hi)
            }
        };
        let bins = (0..count)
            .map(|i| {
                let (a, b) = (edge(i), edge(i + 1));
                (a, b, 100.0 * (dist.survival(a) - dist.survival(b)).max(0.0))
            })
            .collect();
        let mut checks = Vec::new();
        let mut omitted = Vec::new();
        for &(spec, color) in policies {
            match spec.check_times(hi, MAX_CHECKS) {
                Some(c) => checks.push(Checks {
                    policy: spec.name().to_string(),
                    color,
                    times: c.times.into_iter().filter(|t| *t <= hi).collect(),
                }),
                None => omitted.push(spec.name().to_string()),
            }
        }
        Self {
            title: title.to_string(),
            lo,
            hi,
            log,
            bins,
            checks,
            omitted,
        }
    }

    fn axis(&self) -> XAxis {
        if self.log {
            XAxis::log(self.lo, self.hi)
        } else {
            XAxis::linear(self.lo, self.hi)
        }
    }
}

/// Width of the density chart's y label area (numbers and the axis title).
const DENSITY_LABELS: u32 = 100;

/// Height of one policy's tick row, in pixels.
const ROW: u32 = 44;

pub fn schedule_png(rows: &ScheduleRows) -> Result<Vec<u8>, PlotError> {
    let valid = rows.hi > rows.lo && rows.lo.is_finite() && rows.hi.is_finite();
    if !valid || !rows.bins.iter().any(|b| b.2 > 0.0) {
        return Err(PlotError::NoData(
            "the duration distribution has no mass to draw".into(),
        ));
    }
    let n = rows.checks.len() as u32;
    let ticks_height = if n == 0 { 0 } else { n * ROW + 110 };
    let note_chars = ((style::WIDTH - 40) as f64 / (f64::from(style::NOTE_SIZE) * 0.6)) as usize;
    let note = if rows.omitted.is_empty() {
        Vec::new()
    } else {
        style::wrap(
            &format!(
                "Not drawn, their check times vary from job to job (jitter, learning or per-job hints): {}",
                rows.omitted.join(", ")
            ),
            note_chars,
        )
    };
    let note_height = if note.is_empty() {
        0
    } else {
        20 + 30 * note.len() as u32
    };
    // The density takes whatever height the tick rows leave, at least 440 px.
    let title_height = 80;
    let density_height =
        440.max(style::HEIGHT.saturating_sub(title_height + ticks_height + note_height));
    let height = title_height + density_height + ticks_height + note_height;
    let names = rows
        .checks
        .iter()
        .map(|c| style::text_width(&c.policy, style::LABEL_SIZE));
    let label_width = names.max().unwrap_or(0).max(60) + 40;
    canvas::render((style::WIDTH, height), |root| {
        let body = canvas::titled(root, &rows.title)?;
        let (density, rest) = body.split_vertically(density_height);
        let (ticks, note_area) = rest.split_vertically(ticks_height);
        let axis = rows.axis();
        axis.draw_with(Density {
            area: &density,
            rows,
            label_width,
            x_desc: n == 0,
        })?;
        if n > 0 {
            axis.draw_with(Ticks {
                area: &ticks,
                rows,
                label_width,
            })?;
        }
        for (i, line) in note.iter().enumerate() {
            note_area
                .draw(&Text::new(
                    line.clone(),
                    (20, 10 + 30 * i as i32),
                    style::muted(style::NOTE_SIZE),
                ))
                .map_err(draw_err)?;
        }
        Ok(())
    })
}

struct Density<'a, 'b> {
    area: &'a Area<'b>,
    rows: &'a ScheduleRows,
    label_width: u32,
    /// Describe the x axis here (when no tick rows follow underneath).
    x_desc: bool,
}

impl XBody for Density<'_, '_> {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let peak = self.rows.bins.iter().map(|b| b.2).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(self.area)
            .margin(20)
            .margin_right(40)
            // The tick rows below need a wide label area for policy names; this
            // chart keeps its axis title near its numbers and makes up the width
            // in margin, so both plot areas start at the same pixel.
            .margin_left(20 + self.label_width.saturating_sub(DENSITY_LABELS))
            .x_label_area_size(if self.x_desc { 70 } else { 40 })
            .y_label_area_size(self.label_width.min(DENSITY_LABELS))
            .build_cartesian_2d(x, 0.0..peak * 1.1)
            .map_err(draw_err)?;
        let bin_desc = if axis.log {
            "jobs finishing per log-spaced bin (%)".to_string()
        } else {
            let width = self.rows.bins.first().map_or(0.0, |b| b.1 - b.0);
            format!("jobs finishing per {} s (%)", style::tick(width))
        };
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(bin_desc)
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .house_style()
            .max_light_lines(1);
        if self.x_desc {
            mesh.x_desc(format!("time since submission (s){}", axis.note()));
        }
        mesh.draw().map_err(draw_err)?;
        let fill = RGBColor(0x9D, 0xB9, 0xD3);
        chart
            .draw_series(
                self.rows
                    .bins
                    .iter()
                    .filter(|b| b.2 > 0.0)
                    .map(|(a, b, share)| Rectangle::new([(*a, 0.0), (*b, *share)], fill.filled())),
            )
            .map_err(draw_err)?;
        Ok(())
    }
}

struct Ticks<'a, 'b> {
    area: &'a Area<'b>,
    rows: &'a ScheduleRows,
    label_width: u32,
}

impl XBody for Ticks<'_, '_> {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let n = self.rows.checks.len();
        let mut chart = ChartBuilder::on(self.area)
            .margin(20)
            .margin_right(40)
            .margin_top(0)
            .x_label_area_size(70)
            .y_label_area_size(self.label_width)
            .build_cartesian_2d(x, 0.0..n as f64)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(format!("time since submission (s){}", axis.note()))
            .x_label_formatter(&|v| style::tick(*v))
            .axis_desc_style(style::text(style::AXIS_DESC_SIZE))
            .label_style(style::text(style::LABEL_SIZE))
            // Light lines would read as faint checks between the real ticks.
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .draw()
            .map_err(draw_err)?;
        // Row i from the top, so the first policy sits right under the density.
        let center = |i: usize| (n - i) as f64 - 0.5;
        let band = RGBColor(0xF3, 0xF3, 0xF3);
        chart
            .draw_series((0..n).step_by(2).map(|i| {
                let y = center(i);
                Rectangle::new([(axis.lo, y - 0.5), (axis.hi, y + 0.5)], band.filled())
            }))
            .map_err(draw_err)?;
        let base = self.area.get_base_pixel();
        for (i, row) in self.rows.checks.iter().enumerate() {
            let y = center(i);
            let color = style::color(row.color).stroke_width(2);
            chart
                .draw_series(
                    row.times
                        .iter()
                        .filter(|t| **t >= axis.lo)
                        .map(|t| PathElement::new(vec![(*t, y - 0.34), (*t, y + 0.34)], color)),
                )
                .map_err(draw_err)?;
            // Names sit left of the plot, in the label area plotters leaves empty.
            let (px, py) = chart.backend_coord(&(axis.lo, y));
            let style = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
            self.area
                .draw(&Text::new(
                    row.policy.clone(),
                    (px - base.0 - 12, py - base.1),
                    style,
                ))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Fixed, Uniform};

    fn policy(text: &str) -> PolicySpec {
        PolicySpec::from_toml(text).unwrap()
    }

    #[test]
    fn quantiles_by_bisection_match_the_uniform() {
        let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
        assert!((quantile(&dist, 0.5) - 300.0).abs() < 1e-6);
        assert!((quantile(&dist, 0.999) - 419.76).abs() < 1e-6);
    }

    #[test]
    fn rows_hold_the_density_and_deterministic_checks_only() {
        let dist = Distribution::Uniform(Uniform::new(10.0, 5.0).unwrap());
        let policies = [
            policy("name = 'c'\nkind = 'constant'\ninterval = 4.0"),
            policy("name = 'j'\nkind = 'exponential'\njitter = 'full'"),
        ];
        let rows = ScheduleRows::new(&dist, &policies);
        assert!(!rows.log);
        let total: f64 = rows.bins.iter().map(|b| b.2).sum();
        assert!((total - 100.0).abs() < 0.2, "{total}");
        assert_eq!(rows.checks.len(), 1);
        assert_eq!(rows.checks[0].times, vec![4.0, 8.0, 12.0]);
        assert_eq!(rows.omitted, vec!["j".to_string()]);
    }

    #[test]
    fn durations_spanning_decades_get_a_log_axis() {
        let dist = Distribution::Mixture(
            crate::workload::Mixture::new(vec![
                (0.5, Distribution::Fixed(Fixed::new(2.0).unwrap())),
                (0.5, Distribution::Fixed(Fixed::new(900.0).unwrap())),
            ])
            .unwrap(),
        );
        let rows = ScheduleRows::new(&dist, &[]);
        assert!(rows.log);
        assert!(rows.lo < 2.0 && rows.hi > 900.0);
    }
}
