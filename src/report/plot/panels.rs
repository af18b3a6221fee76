//! Small multiples: one panel per policy in a grid under a title and a few
//! lines of notes, each panel headed by the policy's name and its numbers.
//! `calls.png` and `validation_load.png` are drawn this way.
//!
//! The canvas grows with the number of panels, so it is capped at
//! [`MAX_PANELS`]; policies beyond are named in a note instead of drawn.

use super::PlotError;
use super::axis::{Ticked, XAxis};
use super::canvas::{self, Area};
use super::style::{self, draw_err};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Most panels drawn.
pub(super) const MAX_PANELS: usize = 30;
/// Height of a panel's two title lines.
const HEADING: u32 = 58;

/// Panel grid: one column for up to three policies, two up to eight, then three.
pub(super) fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    (n.div_ceil(cols), cols)
}

/// A grid of panels to draw.
pub(super) struct Panels<'a> {
    pub title: &'a str,
    /// Lines under the title (a note naming the undrawn policies is added).
    pub notes: Vec<String>,
    /// The policies, in drawing order; past [`MAX_PANELS`] only named.
    pub names: Vec<&'a str>,
}

impl Panels<'_> {
    /// Renders the grid: `draw_notes` fills the band of notes, `draw_panel`
    /// panel `i` (told whether it sits in the bottom row and the left column).
    pub(super) fn render(
        mut self,
        draw_notes: impl FnOnce(&Area, &[String]) -> Result<(), PlotError>,
        mut draw_panel: impl FnMut(usize, &Area, bool, bool) -> Result<(), PlotError>,
    ) -> Result<Vec<u8>, PlotError> {
        let shown = self.names.len().min(MAX_PANELS);
        if self.names.len() > shown {
            self.notes.push(style::ellipsize(
                &format!("Not drawn, for room: {}", self.names[shown..].join(", ")),
                130,
            ));
        }
        let (rows, cols) = grid(shown);
        let note_height = 16 + 28 * self.notes.len() as u32;
        let height = style::HEIGHT.max(80 + note_height + 250 * rows as u32);
        canvas::render((style::WIDTH, height), |root| {
            let body = canvas::titled(root, self.title)?;
            let (note_area, panels_area) = body.split_vertically(note_height);
            draw_notes(&note_area, &self.notes)?;
            let areas = panels_area.split_evenly((rows, cols));
            for (i, area) in areas.iter().enumerate().take(shown) {
                draw_panel(i, area, i + cols >= shown, i % cols == 0)?;
            }
            Ok(())
        })
    }
}

/// Draws the notes in muted text, one a line.
pub(super) fn draw_notes(area: &Area, notes: &[String]) -> Result<(), PlotError> {
    for (i, note) in notes.iter().enumerate() {
        area.draw(&Text::new(
            note.clone(),
            (20, 4 + 28 * i as i32),
            style::muted(style::NOTE_SIZE),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Heads a panel with the policy's name and, muted under it, its numbers, each
/// measured with the font and fitted to the panel, so a long name never cuts
/// the numbers off. Returns the area below, for the chart.
pub(super) fn heading<'a>(
    area: &Area<'a>,
    name: &str,
    numbers: &str,
) -> Result<Area<'a>, PlotError> {
    let (width, _) = area.dim_in_pixel();
    let (name, numbers) = fitted(name, numbers, width);
    let at = Pos::new(HPos::Center, VPos::Top);
    let centered = |y| (width as i32 / 2, y);
    area.draw(&Text::new(
        name,
        centered(8),
        style::text(style::LABEL_SIZE).pos(at),
    ))
    .map_err(draw_err)?;
    area.draw(&Text::new(
        numbers,
        centered(34),
        style::muted(style::LABEL_SIZE - 2).pos(at),
    ))
    .map_err(draw_err)?;
    Ok(area.split_vertically(HEADING).1)
}

/// The two heading lines fitted to a panel `width` pixels wide.
pub(super) fn fitted(name: &str, numbers: &str, width: u32) -> (String, String) {
    let fits = width.saturating_sub(40);
    (
        style::fit(name, style::LABEL_SIZE, fits),
        style::fit(numbers, style::LABEL_SIZE - 2, fits),
    )
}

/// Round tick positions from `lo` to `hi`, a whole number apart (calls,
/// seconds), about six of them.
pub(super) fn round_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let step = style::nice_step((hi - lo) / 6.0).max(1.0);
    let first = (lo / step).ceil();
    (0..12)
        .map(|i| (first + i as f64) * step)
        .take_while(|v| *v <= hi)
        .collect()
}

/// A panel's chart: `x` with [`round_ticks`] over `x_ticks`, `y` from 0; axis
/// descriptions only on the bottom row and the left column, as
/// `(bottom, left)` say.
pub(super) fn chart<'a, 'b>(
    area: &'a Area<'b>,
    (x, x_ticks): (XAxis, (f64, f64)),
    y: XAxis,
    (bottom, left): (bool, bool),
    (x_desc, y_desc): (&str, &str),
) -> Result<ChartContext<'a, BitMapBackend<'b>, Cartesian2d<Ticked, RangedCoordf64>>, PlotError> {
    let ticks = round_ticks(x_ticks.0, x_ticks.1);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_top(0)
        .x_label_area_size(if bottom { 62 } else { 34 })
        .y_label_area_size(if left { 80 } else { 60 })
        .build_cartesian_2d(
            Ticked {
                lo: x.lo,
                hi: x.hi,
                ticks,
            },
            y.range(),
        )
        .map_err(draw_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .y_labels(4)
        .x_label_formatter(&|v| style::tick(v.round()))
        .y_label_formatter(&|v| style::tick(*v))
        .axis_desc_style(style::text(style::AXIS_DESC_SIZE - 4))
        .label_style(style::text(style::LABEL_SIZE - 2))
        .max_light_lines(1)
        .light_line_style(style::GRID.mix(0.5))
        .bold_line_style(style::GRID);
    if bottom {
        mesh.x_desc(x_desc);
    }
    if left {
        mesh.y_desc(y_desc);
    }
    mesh.draw().map_err(draw_err)?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_widen_with_the_number_of_panels() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(6), (3, 2));
        assert_eq!(grid(10), (4, 3));
        assert_eq!(grid(MAX_PANELS), (10, 3));
    }

    #[test]
    fn round_ticks_are_whole_and_inside() {
        assert_eq!(round_ticks(37.0, 84.0), vec![40.0, 50.0, 60.0, 70.0, 80.0]);
        assert_eq!(round_ticks(9.0, 12.0), vec![9.0, 10.0, 11.0, 12.0]);
        assert_eq!(round_ticks(0.0, 75.0), vec![0.0, 20.0, 40.0, 60.0]);
    }

    #[test]
    fn headings_fit_a_third_of_the_canvas_without_losing_a_character() {
        // long.toml's longest name and numbers, cut in a three-column grid
        // before ("exponential-full-jitter: mean 15.6, p50 1…").
        let (name, numbers) = fitted(
            "exponential-full-jitter",
            "mean 15.6, p50 15, p99 23 calls",
            style::WIDTH / 3,
        );
        assert_eq!(name, "exponential-full-jitter");
        assert_eq!(numbers, "mean 15.6, p50 15, p99 23 calls");
        // A name too long for any panel is cut to the panel, measured.
        let (name, _) = fitted(&"w".repeat(80), "", style::WIDTH / 3);
        assert!(name.ends_with('…'));
        assert!(style::text_width(&name, style::LABEL_SIZE) <= style::WIDTH / 3 - 40);
    }
}
