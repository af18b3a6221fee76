//! The frame `load.png` and `learning.png` share: one line per policy in its
//! color over linear axes, with the house mesh. A plot draws its own extras
//! (the optimum's dashes) on the chart this returns.

use super::PlotError;
use super::axis::XAxis;
use super::canvas::Area;
use super::style::HouseMesh;
use super::style::{self, draw_err};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// A chart over linear `f64` axes on a bitmap.
pub(super) type LineChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the mesh with its two axis titles and each `(palette slot, points)`
/// line (non-finite points left out) on `plot`.
pub(super) fn line_chart<'a, 'b>(
    plot: &'a Area<'b>,
    (x, y): (&XAxis, &XAxis),
    (x_desc, y_desc): (&str, &str),
    lines: &[(usize, &[(f64, f64)])],
) -> Result<LineChart<'a, 'b>, PlotError> {
    let mut chart = ChartBuilder::on(plot)
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(90)
        .build_cartesian_2d(x.range(), y.range())
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| style::tick(*v))
        .y_label_formatter(&|v| style::tick(*v))
        .house_style()
        .max_light_lines(1)
        .draw()
        .map_err(draw_err)?;
    for (color, points) in lines {
        let line = style::color(*color).stroke_width(2);
        let points = points.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
        chart
            .draw_series(LineSeries::new(
                points.map(|p| (x.place(p.0), y.place(p.1))),
                line,
            ))
            .map_err(draw_err)?;
    }
    Ok(chart)
}
