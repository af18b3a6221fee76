//! `schedule.png`: the job-duration density with each policy's check times
//! drawn beneath it as a row of ticks, on one time axis.
//!
//! The reader sees where each policy spends its calls relative to when jobs
//! actually finish: ticks packed where no job ends yet are wasted calls, gaps
//! where many jobs end are detection delay. Only deterministic policies have one
//! set of check times for every job; the others (jitter, learning, per-job
//! hints) are left out and named in a note on the image. Each row is labeled
//! with the number of checks it draws, which is the number a job can make (see
//! [`rows`]).

mod rows;

use rows::CUT;
pub use rows::{Checks, ScheduleRows};

use super::PlotError;
use super::axis::{XAxis, XBody};
use super::canvas::{self, Area};
use super::style::HouseMesh;
use super::style::{self, draw_err};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

impl ScheduleRows {
    fn axis(&self) -> XAxis {
        if self.log {
            XAxis::log(self.lo, self.hi)
        } else {
            XAxis::linear(self.lo, self.hi)
        }
    }

    /// The x axis description: the unit, log or not, and where checks stop.
    fn x_desc(&self, axis: &XAxis) -> String {
        let mut desc = format!("time since submission (s){}", axis.note());
        if let Some(cut) = self.cut {
            desc.push_str(&format!(
                "; checks drawn to the {}th percentile of durations, {} s",
                style::tick(100.0 * CUT),
                style::tick(cut)
            ));
        }
        desc
    }
}

/// Width of the density chart's y label area (numbers and the axis title).
const DENSITY_LABELS: u32 = 100;

/// Height of one policy's tick row, in pixels.
const ROW: u32 = 44;

/// Most tick rows drawn; further policies are named in the note instead (a
/// canvas a row per policy tall would otherwise grow without bound).
const MAX_ROWS: usize = 40;

/// `schedule.png`: each deterministic policy's check times over the duration density.
pub fn schedule_png(rows: &ScheduleRows) -> Result<Vec<u8>, PlotError> {
    let valid = rows.hi > rows.lo && rows.lo.is_finite() && rows.hi.is_finite();
    if !valid || !rows.bins.iter().any(|b| b.2 > 0.0 && b.2.is_finite()) {
        return Err(PlotError::NoData(format!(
            "no job ends on the time axis ({} to {} s; a time axis reaches {} s at most)",
            style::tick(rows.lo),
            style::tick(rows.hi),
            style::tick(super::axis::LIMIT)
        )));
    }
    let axis = rows.axis();
    let drawn = &rows.checks[..rows.checks.len().min(MAX_ROWS)];
    let n = drawn.len() as u32;
    let ticks_height = if n == 0 { 0 } else { n * ROW + 110 };
    let mut notes = Vec::new();
    if !rows.omitted.is_empty() {
        notes.push(format!(
            "Not drawn, their check times vary from job to job (jitter, learning or per-job hints): {}",
            rows.omitted.join(", ")
        ));
    }
    if rows.checks.len() > drawn.len() {
        let rest: Vec<&str> = rows.checks[drawn.len()..]
            .iter()
            .map(|c| c.policy.as_str())
            .collect();
        notes.push(format!("Not drawn, for room: {}", rest.join(", ")));
    }
    let note_chars = ((style::WIDTH - 40) as f64 / (f64::from(style::NOTE_SIZE) * 0.6)) as usize;
    // A few lines at most: a list of thousands of names is cut, not drawn.
    let mut note: Vec<String> = notes
        .iter()
        .flat_map(|n| style::wrap(n, note_chars))
        .collect();
    if note.len() > 6 {
        note.truncate(6);
        note[5] = style::ellipsize(&format!("{} …", note[5]), note_chars);
    }
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
    // Names and counts left of the tick rows, in at most two fifths of the width.
    let max_label = style::WIDTH * 2 / 5;
    let labels: Vec<(String, String)> = drawn
        .iter()
        .map(|c| {
            (
                style::fit(&c.policy, style::LABEL_SIZE, max_label - 40),
                c.count_label(),
            )
        })
        .collect();
    let label_width = labels
        .iter()
        .map(|(name, count)| {
            style::text_width(name, style::LABEL_SIZE)
                .max(style::text_width(count, style::LABEL_SIZE - 4))
        })
        .max()
        .unwrap_or(0)
        .clamp(60, max_label - 40)
        + 40;
    canvas::render((style::WIDTH, height), |root| {
        let body = canvas::titled(root, &rows.title)?;
        let (density, rest) = body.split_vertically(density_height);
        let (ticks, note_area) = rest.split_vertically(ticks_height);
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
                checks: drawn,
                labels: &labels,
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
        let bins = || {
            self.rows
                .bins
                .iter()
                .filter(|b| b.2 > 0.0 && b.2.is_finite() && b.0.is_finite() && b.1.is_finite())
        };
        let peak = bins().map(|b| b.2).fold(0.0, f64::max);
        let y = XAxis::linear(0.0, peak * 1.1);
        let mut chart = ChartBuilder::on(self.area)
            .margin(20)
            .margin_right(40)
            // The tick rows below need a wide label area for policy names; this
            // chart keeps its axis title near its numbers and makes up the width
            // in margin, so both plot areas start at the same pixel.
            .margin_left(20 + self.label_width.saturating_sub(DENSITY_LABELS))
            .x_label_area_size(if self.x_desc { 70 } else { 40 })
            .y_label_area_size(self.label_width.min(DENSITY_LABELS))
            .build_cartesian_2d(x, y.range())
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
            mesh.x_desc(self.rows.x_desc(&axis));
        }
        mesh.draw().map_err(draw_err)?;
        let fill = RGBColor(0x9D, 0xB9, 0xD3);
        chart
            .draw_series(bins().map(|(a, b, share)| {
                Rectangle::new(
                    [(axis.place(*a), 0.0), (axis.place(*b), *share)],
                    fill.filled(),
                )
            }))
            .map_err(draw_err)?;
        Ok(())
    }
}

struct Ticks<'a, 'b> {
    area: &'a Area<'b>,
    rows: &'a ScheduleRows,
    checks: &'a [Checks],
    /// Each row's (name, count of checks), fitted to the label area.
    labels: &'a [(String, String)],
    label_width: u32,
}

impl XBody for Ticks<'_, '_> {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let n = self.checks.len();
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
            .x_desc(self.rows.x_desc(&axis))
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
        for (i, (row, (name, count))) in self.checks.iter().zip(self.labels).enumerate() {
            let y = center(i);
            let color = style::color(row.color).stroke_width(2);
            // One tick per pixel column: twenty thousand checks in one pixel
            // draw as one line, not twenty thousand.
            let mut columns: Vec<i32> = Vec::new();
            let ticks: Vec<f64> = row
                .times
                .iter()
                .copied()
                .filter(|t| *t >= axis.lo && *t <= axis.hi)
                .filter(|t| {
                    let px = chart.backend_coord(&(*t, y)).0;
                    let fresh = columns.last() != Some(&px);
                    if fresh {
                        columns.push(px);
                    }
                    fresh
                })
                .collect();
            chart
                .draw_series(
                    ticks
                        .iter()
                        .map(|t| PathElement::new(vec![(*t, y - 0.34), (*t, y + 0.34)], color)),
                )
                .map_err(draw_err)?;
            // Names and counts sit left of the plot, in the label area plotters
            // leaves empty.
            let (px, py) = chart.backend_coord(&(axis.lo, y));
            let (px, py) = (px - base.0 - 12, py - base.1);
            let right = |v: VPos| Pos::new(HPos::Right, v);
            self.area
                .draw(&Text::new(
                    name.clone(),
                    (px, py + 2),
                    style::text(style::LABEL_SIZE).pos(right(VPos::Bottom)),
                ))
                .map_err(draw_err)?;
            self.area
                .draw(&Text::new(
                    count.clone(),
                    (px, py + 4),
                    style::muted(style::LABEL_SIZE - 4).pos(right(VPos::Top)),
                ))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}
