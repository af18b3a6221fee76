//! Legends: a column beside the chart with a swatch (the line or marker the
//! chart draws) and a label per entry, labels fitted to the column with the
//! font's own widths, and "… and N more" where entries run out of room.

use super::PlotError;
use super::style::{LABEL_SIZE, draw_err, fit, muted, text};
use plotters::prelude::*;

/// How a legend entry shows its color: as the line or the marker the chart uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swatch {
    /// A short thick line (line charts).
    Line,
    /// A short dashed line.
    Dashed,
    /// A filled dot (scatter points).
    Dot,
    /// A hollow dot (points drawn as rings).
    Ring,
    /// A filled diamond (a single highlighted point).
    Diamond,
    /// Nothing: the entry is a plain note.
    None,
}

/// One legend entry: a swatch, a label and, optionally, a muted second line.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// The first line.
    pub label: String,
    /// A muted second line (figures, a note).
    pub detail: Option<String>,
    /// Color of the swatch.
    pub color: RGBColor,
    /// How the swatch is drawn.
    pub swatch: Swatch,
}

impl LegendEntry {
    /// An entry with one line.
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Self {
        Self {
            label: label.into(),
            detail: None,
            color,
            swatch,
        }
    }

    /// Adds a muted second line.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Draws a legend (a short thick line in each entry's color, then its name) into
/// `area`, top-aligned. The legend has its own column, so it never hides data and
/// is never clipped by the plot area.
pub fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    heading: &str,
    entries: &[(String, RGBColor)],
) -> Result<(), PlotError> {
    let entries: Vec<LegendEntry> = entries
        .iter()
        .map(|(name, color)| LegendEntry::new(name.clone(), *color, Swatch::Line))
        .collect();
    draw_legend_entries(area, 10, heading, &entries).map(|_| ())
}

/// Draws a legend section starting `top` pixels down `area`: a heading, then each
/// entry's swatch and label (and its detail line, muted, below). Entries that do
/// not fit are summarized as "… and N more" rather than drawn past the edge.
/// Returns the y just below the section, where the next one may start.
pub fn draw_legend_entries<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    top: i32,
    heading: &str,
    entries: &[LegendEntry],
) -> Result<i32, PlotError> {
    let (width, height) = area.dim_in_pixel();
    let row = (LABEL_SIZE + 12) as i32;
    let detail_row = (LABEL_SIZE + 4) as i32;
    if !heading.is_empty() {
        area.draw(&Text::new(heading.to_string(), (10, top), text(LABEL_SIZE)))
            .map_err(draw_err)?;
    }
    let room = |x: i32| width.saturating_sub(x as u32 + 10);
    let mut y = top
        + if heading.is_empty() {
            row / 2
        } else {
            row + row / 2
        };
    for (i, entry) in entries.iter().enumerate() {
        let needed = row / 2
            + if entry.detail.is_some() {
                detail_row
            } else {
                0
            };
        // Keep room for the "… and N more" line unless this is the last entry.
        let reserve = if i + 1 < entries.len() { row } else { 0 };
        if y + needed + reserve > height as i32 {
            let rest = entries.len() - i;
            area.draw(&Text::new(
                format!("… and {rest} more"),
                (10, y - row / 2),
                muted(LABEL_SIZE),
            ))
            .map_err(draw_err)?;
            return Ok(y + row / 2);
        }
        draw_swatch(area, entry.swatch, entry.color, (30, y))?;
        let x = if entry.swatch == Swatch::None { 10 } else { 60 };
        area.draw(&Text::new(
            fit(&entry.label, LABEL_SIZE, room(x)),
            (x, y - (LABEL_SIZE as i32) / 2),
            text(LABEL_SIZE),
        ))
        .map_err(draw_err)?;
        if let Some(detail) = &entry.detail {
            area.draw(&Text::new(
                fit(detail, LABEL_SIZE - 2, room(x)),
                (x, y + (LABEL_SIZE as i32) / 2 + 2),
                muted(LABEL_SIZE - 2),
            ))
            .map_err(draw_err)?;
            y += detail_row;
        }
        y += row;
    }
    Ok(y - row / 2)
}

/// Draws one swatch centred at `(x, y)`, 40 px wide.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    swatch: Swatch,
    color: RGBColor,
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    match swatch {
        Swatch::Line => area.draw(&PathElement::new(
            vec![(x - 20, y), (x + 20, y)],
            color.stroke_width(5),
        )),
        Swatch::Dashed => area.draw(&plotters::element::DashedPathElement::new(
            vec![(x - 20, y), (x + 20, y)],
            8,
            6,
            color.stroke_width(3),
        )),
        Swatch::Dot => area.draw(&Circle::new((x, y), 7, color.filled())),
        Swatch::Ring => area.draw(&Circle::new((x, y), 6, color.stroke_width(2))),
        Swatch::Diamond => area.draw(&diamond((x, y), 10, color)),
        Swatch::None => Ok(()),
    }
    .map_err(draw_err)
}

/// A filled diamond of half-diagonal `r` pixels centred at `c`.
pub fn diamond(c: (i32, i32), r: i32, color: RGBColor) -> Polygon<(i32, i32)> {
    let (x, y) = c;
    Polygon::new(
        vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
        color.filled(),
    )
}
