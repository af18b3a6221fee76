//! `validation.png`: what the real client measured against what the simulator
//! predicted, job by job.
//!
//! Left: detection time (seconds from submission to the check that saw the
//! final state), measured against predicted; points on the diagonal agree, and
//! points above it were seen later on the wire (request latency, timer lag).
//! Right: per policy, the jobs whose number of calls differs from the
//! prediction. Agreement is usually 99.5 % or more, so bars of agreement on a
//! 0–100 % axis would all look full; the disagreements, on an axis that ends
//! just past the largest of them, show which policies differ and by how many
//! jobs, with the count written beside each bar. Disagreements that lateness
//! explains (a check that landed just after the job's end) are pale, the rest
//! solid: those are the ones `validate` fails on.

use super::PlotError;
use super::axis::XAxis;
use super::canvas::{self, Area};
use super::style::HouseMesh;
use super::style::{self, draw_err};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One policy's jobs: `(predicted, measured)` detection times, and how many of
/// its jobs made a different number of calls than predicted.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationRows {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`](super::Palette).
    pub color: usize,
    /// `(predicted, measured)` detection times of jobs both saw end, job seconds.
    pub seen: Vec<(f64, f64)>,
    /// Jobs compared.
    pub jobs: usize,
    /// Jobs whose number of calls differs from the prediction.
    pub disagree: usize,
    /// Of those, the ones lateness does not explain.
    pub unexplained: usize,
}

impl ValidationRows {
    /// Share of the jobs that disagree, in percent.
    fn disagree_pct(&self) -> f64 {
        if self.jobs == 0 {
            0.0
        } else {
            100.0 * self.disagree.min(self.jobs) as f64 / self.jobs as f64
        }
    }
}

/// Most policies the bar panel lists; the rest are left to the legend.
const MAX_BARS: usize = 24;

/// `validation.png`: predicted against measured detection times, and disagreements per policy.
pub fn validation_png(rows: &[ValidationRows]) -> Result<Vec<u8>, PlotError> {
    let finite = |(p, m): &(f64, f64)| p.is_finite() && m.is_finite();
    let points = rows
        .iter()
        .flat_map(|r| r.seen.iter().filter(|p| finite(p)));
    let hi = points
        .map(|(p, m)| p.max(*m))
        .fold(f64::NEG_INFINITY, f64::max);
    if !hi.is_finite() {
        return Err(PlotError::NoData(
            "no job was seen in both the simulation and the run".into(),
        ));
    }
    let lo = rows
        .iter()
        .flat_map(|r| r.seen.iter().filter(|p| finite(p)))
        .map(|(p, m)| p.min(*m))
        .fold(0.0, f64::min);
    let axis = XAxis::linear(lo, hi + 0.03 * (hi - lo).max(hi.abs()));
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(
            root,
            "Validation: the real client against the simulator, job by job",
        )?;
        let (plots, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        let (left, right) = plots.split_horizontally((style::WIDTH - style::LEGEND_WIDTH) * 3 / 5);
        let entries: Vec<(String, RGBColor)> = rows
            .iter()
            .map(|r| (r.policy.clone(), style::color(r.color)))
            .collect();
        style::draw_legend(&legend, "policy", &entries)?;
        draw_scatter(&left, rows, axis)?;
        draw_disagreements(&right, &rows[..rows.len().min(MAX_BARS)])
    })
}

fn draw_scatter(area: &Area, rows: &[ValidationRows], axis: XAxis) -> Result<(), PlotError> {
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(90)
        .build_cartesian_2d(axis.range(), axis.range())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc("predicted detection time (job s)")
        .y_desc("measured detection time (job s)")
        .x_label_formatter(&|v| style::tick(*v))
        .y_label_formatter(&|v| style::tick(*v))
        .house_style()
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series(LineSeries::new(
            [(axis.lo, axis.lo), (axis.hi, axis.hi)],
            style::MUTED.stroke_width(2),
        ))
        .map_err(draw_err)?;
    for r in rows {
        let color = style::color(r.color);
        chart
            .draw_series(
                r.seen
                    .iter()
                    .filter(|(p, m)| p.is_finite() && m.is_finite())
                    .map(|&(p, m)| Circle::new((axis.place(p), axis.place(m)), 4, color.filled())),
            )
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Horizontal bars, one per policy, of the share of its jobs that disagree.
fn draw_disagreements(area: &Area, rows: &[ValidationRows]) -> Result<(), PlotError> {
    let worst = rows.iter().map(|r| r.disagree_pct()).fold(0.0, f64::max);
    // Room right of the longest bar for its count; at least 1 % so that no
    // disagreement at all reads as an empty axis, not a broken one.
    let top = style::nice_step((worst * 1.45).max(1.0)).min(100.0);
    let n = rows.len().max(1);
    let names: Vec<String> = rows
        .iter()
        .map(|r| style::fit(&r.policy, style::LABEL_SIZE - 2, 150))
        .collect();
    let name_width = names
        .iter()
        .map(|s| style::text_width(s, style::LABEL_SIZE - 2))
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .margin_left(10)
        .x_label_area_size(70)
        .y_label_area_size(name_width + 16)
        .build_cartesian_2d(0.0..top, 0.0..n as f64)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(5)
        .x_desc(format!(
            "jobs whose calls differ from the prediction (%, axis to {})",
            style::tick(top)
        ))
        .x_label_formatter(&|v| style::tick(*v))
        .axis_desc_style(style::text(style::AXIS_DESC_SIZE - 6))
        .label_style(style::text(style::LABEL_SIZE - 2))
        .light_line_style(style::GRID.mix(0.5))
        .bold_line_style(style::GRID)
        .draw()
        .map_err(draw_err)?;
    let base = area.get_base_pixel();
    for (i, (r, name)) in rows.iter().zip(&names).enumerate() {
        // The first policy on top, as in the legend.
        let y = (n - 1 - i) as f64;
        let color = style::color(r.color);
        let share = r.disagree_pct();
        let solid = if r.jobs == 0 {
            0.0
        } else {
            100.0 * r.unexplained.min(r.disagree).min(r.jobs) as f64 / r.jobs as f64
        };
        let (b0, b1) = (y + 0.2, y + 0.8);
        chart
            .draw_series([
                Rectangle::new([(0.0, b0), (share, b1)], style::tint(color, 0.6).filled()),
                Rectangle::new([(0.0, b0), (solid, b1)], color.filled()),
            ])
            .map_err(draw_err)?;
        let (px, py) = chart.backend_coord(&(share.min(top), y + 0.5));
        let (px, py) = (px - base.0, py - base.1);
        let count = format!("{} of {}", r.disagree.min(r.jobs), r.jobs);
        let size = style::LABEL_SIZE - 4;
        // Beside the bar, or inside its end when the bar reaches the frame.
        let right_edge = chart.backend_coord(&(top, y)).0 - base.0;
        let (x, anchor) = if px + 6 + style::text_width(&count, size) as i32 > right_edge {
            (px - 6, HPos::Right)
        } else {
            (px + 6, HPos::Left)
        };
        area.draw(&Text::new(
            count,
            (x, py),
            style::text(size).pos(Pos::new(anchor, VPos::Center)),
        ))
        .map_err(draw_err)?;
        let (lx, _) = chart.backend_coord(&(0.0, y));
        area.draw(&Text::new(
            name.clone(),
            (lx - base.0 - 8, py),
            style::text(style::LABEL_SIZE - 2).pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(draw_err)?;
    }
    let key = "solid: not explained by lateness; pale: explained";
    area.draw(&Text::new(
        key,
        (20, 8),
        style::muted(style::LABEL_SIZE - 4),
    ))
    .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<ValidationRows> {
        vec![
            ValidationRows {
                policy: "a".into(),
                color: 0,
                seen: (1..50)
                    .map(|i| (f64::from(i), f64::from(i) + 0.1))
                    .collect(),
                jobs: 200,
                disagree: 1,
                unexplained: 0,
            },
            ValidationRows {
                policy: "b".into(),
                color: 1,
                seen: (1..50)
                    .map(|i| (f64::from(i) * 2.0, f64::from(i) * 2.0))
                    .collect(),
                jobs: 200,
                disagree: 0,
                unexplained: 0,
            },
        ]
    }

    #[test]
    fn renders_both_panels_with_policy_colors() {
        let png = validation_png(&rows()).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (style::WIDTH, style::HEIGHT));
        let pixels = &buf[..info.buffer_size()];
        for slot in [0, 1] {
            let c = style::color(slot);
            let count = pixels
                .chunks_exact(3)
                .filter(|p| p == &[c.0, c.1, c.2])
                .count();
            assert!(count > 500, "color {slot}: {count} pixels");
        }
        assert!(validation_png(&[]).is_err());
    }

    #[test]
    fn one_disagreement_in_two_hundred_is_a_visible_bar() {
        // 0.5 % of the jobs: on a 0–100 % axis that is 2 pixels of ~400; the
        // axis ends at 1 %, so the pale bar spans about half the panel.
        let png = validation_png(&rows()).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let pale = style::tint(style::color(0), 0.6);
        let width = info.width as usize;
        let longest_run = buf[..info.buffer_size()]
            .chunks_exact(3 * width)
            .map(|line| {
                let mut best = 0;
                let mut run = 0;
                for p in line.chunks_exact(3) {
                    run = if p == [pale.0, pale.1, pale.2] {
                        run + 1
                    } else {
                        0
                    };
                    best = best.max(run);
                }
                best
            })
            .max()
            .unwrap();
        assert!(longest_run > 120, "the bar is {longest_run} px long");
    }
}
