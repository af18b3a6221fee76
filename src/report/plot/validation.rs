//! `validation.png`: what the real client measured against what the simulator
//! predicted, job by job.
//!
//! Left: detection time (seconds from submission to the check that saw the
//! final state), measured against predicted; points on the diagonal agree, and
//! points above it were seen later on the wire (request latency, timer lag).
//! Right: per policy, the share of jobs whose number of calls agreed exactly.

use super::PlotError;
use super::canvas;
use super::style::HouseMesh;
use super::style::{self, draw_err};
use plotters::prelude::*;

/// One policy's jobs: `(predicted, measured)` detection times, and the share of
/// jobs with the same number of calls.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationRows {
    pub policy: String,
    pub color: usize,
    pub seen: Vec<(f64, f64)>,
    pub calls_agreement: f64,
}

pub fn validation_png(rows: &[ValidationRows]) -> Result<Vec<u8>, PlotError> {
    let points: Vec<(f64, f64)> = rows
        .iter()
        .flat_map(|r| r.seen.iter().copied())
        .filter(|(p, m)| p.is_finite() && m.is_finite())
        .collect();
    if points.is_empty() {
        return Err(PlotError::NoData(
            "no job was seen in both the simulation and the run".into(),
        ));
    }
    let hi = points.iter().map(|(p, m)| p.max(*m)).fold(0.0, f64::max) * 1.03;
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

        let mut chart = ChartBuilder::on(&left)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..hi, 0.0..hi)
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
                [(0.0, 0.0), (hi, hi)],
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
                        .map(|&(p, m)| Circle::new((p, m), 4, color.filled())),
                )
                .map_err(draw_err)?;
        }

        let n = rows.len().max(1);
        let mut bars = ChartBuilder::on(&right)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..n as f64, 0.0..100.0)
            .map_err(draw_err)?;
        bars.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("policies (legend order)")
            .y_desc("jobs with the predicted number of calls (%)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .house_style()
            .draw()
            .map_err(draw_err)?;
        bars.draw_series(rows.iter().enumerate().map(|(i, r)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.15, 0.0), (x + 0.85, 100.0 * r.calls_agreement)],
                style::color(r.color).filled(),
            )
        }))
        .map_err(draw_err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_panels_with_policy_colors() {
        let rows = vec![
            ValidationRows {
                policy: "a".into(),
                color: 0,
                seen: (1..50)
                    .map(|i| (f64::from(i), f64::from(i) + 0.1))
                    .collect(),
                calls_agreement: 0.99,
            },
            ValidationRows {
                policy: "b".into(),
                color: 1,
                seen: (1..50)
                    .map(|i| (f64::from(i) * 2.0, f64::from(i) * 2.0))
                    .collect(),
                calls_agreement: 0.5,
            },
        ];
        let png = validation_png(&rows).unwrap();
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
}
