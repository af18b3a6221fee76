//! The look shared by every plot: the bundled font, canvas size, text sizes,
//! the policy palette and the legend drawn beside (never over) the data.
//!
//! Text is rasterized by plotters' `ab_glyph` backend from DejaVu Sans, which is
//! compiled into the binary, so plots look the same on every machine and need no
//! system font library (fontconfig, freetype).

use super::PlotError;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

/// DejaVu Sans (Bitstream Vera license, see `assets/fonts/DejaVuSans.LICENSE`).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// The family name plotters asks for; registering the bundled font under it
/// makes `("sans-serif", size)` resolve without any font lookup on the system.
pub const FAMILY: &str = "sans-serif";

/// Default canvas: large enough for ten legend entries and readable labels.
pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 1000;

pub const TITLE_SIZE: u32 = 34;
pub const AXIS_DESC_SIZE: u32 = 24;
pub const LABEL_SIZE: u32 = 20;
pub const NOTE_SIZE: u32 = 20;

/// Width of the legend column on the right of a chart.
pub const LEGEND_WIDTH: u32 = 400;

/// Registers the bundled font once per process. Plotters keeps fonts in a global
/// table; registering again would only replace the same bytes.
pub fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // InvalidFont has no Debug or Display: say what failed ourselves.
            register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the bundled DejaVu Sans could not be parsed".to_string())
        })
        .clone()
        .map_err(PlotError::Font)
}

/// Tableau 10, with its yellow darkened so thin lines stay visible on white and
/// its grey made charcoal so it is not mistaken for the brown.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xB6, 0x99, 0x2D),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0x3A, 0x3A, 0x3A),
];

/// The slot of the optimal schedule: drawn in ink, never in a family's color,
/// because it is the bound every family is measured against.
pub const OPTIMAL_SLOT: usize = usize::MAX;
pub const INK: RGBColor = RGBColor(0x10, 0x10, 0x10);

/// The color of palette slot `i`. Callers give each policy the same slot in every
/// plot (its position in the config), so a policy keeps its color across files.
/// Past ten slots the palette repeats in darker shades.
pub fn color(i: usize) -> RGBColor {
    if i == OPTIMAL_SLOT {
        return INK;
    }
    let base = PALETTE[i % PALETTE.len()];
    let shade = 1.0 - 0.3 * ((i / PALETTE.len()) % 3) as f64;
    let dim = |c: u8| (f64::from(c) * shade) as u8;
    RGBColor(dim(base.0), dim(base.1), dim(base.2))
}

pub const TEXT: RGBColor = RGBColor(0x20, 0x20, 0x20);
pub const MUTED: RGBColor = RGBColor(0x60, 0x60, 0x60);
pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

pub fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&TEXT)
}

pub fn muted(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&MUTED)
}

/// Converts any plotters drawing error into ours.
pub fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// A rough width in pixels of `s` at `size`, for sizing label areas before
/// drawing (DejaVu Sans averages about 0.6 em per character).
pub fn text_width(s: &str, size: u32) -> u32 {
    (s.chars().count() as f64 * f64::from(size) * 0.6).ceil() as u32
}

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
    pub label: String,
    pub detail: Option<String>,
    pub color: RGBColor,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Self {
        Self {
            label: label.into(),
            detail: None,
            color,
            swatch,
        }
    }

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
    let fits = |size: u32| (width.saturating_sub(70) as f64 / (f64::from(size) * 0.6)) as usize;
    let (max_chars, detail_chars) = (fits(LABEL_SIZE), fits(LABEL_SIZE - 2));
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
            ellipsize(&entry.label, max_chars),
            (x, y - (LABEL_SIZE as i32) / 2),
            text(LABEL_SIZE),
        ))
        .map_err(draw_err)?;
        if let Some(detail) = &entry.detail {
            area.draw(&Text::new(
                ellipsize(detail, detail_chars),
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

/// Shortens `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max || max < 2 {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Breaks `s` into lines of at most `max` characters, at spaces.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The smallest "nice" step (1, 2 or 5 × a power of ten) at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Formats an axis value compactly: no trailing zeros, thousands as plain digits.
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Whether values spanning `lo..hi` (both positive) read better on a log axis:
/// when they cover more than `ratio` (a factor of 50 or so), a linear axis
/// squeezes the small ones into the first few pixels.
pub fn wants_log(lo: f64, hi: f64, ratio: f64) -> bool {
    lo > 0.0 && hi.is_finite() && hi / lo > ratio
}

/// The house style of a chart's mesh — axis text sizes and faint grid lines —
/// so that every plot reads alike. Call it in the `configure_mesh()` chain.
pub trait HouseMesh {
    fn house_style(&mut self) -> &mut Self;
}

impl<X, Y, DB> HouseMesh for plotters::chart::MeshStyle<'_, '_, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    fn house_style(&mut self) -> &mut Self {
        self.axis_desc_style(text(AXIS_DESC_SIZE))
            .label_style(text(LABEL_SIZE))
            .light_line_style(GRID.mix(0.6))
            .bold_line_style(GRID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_compact() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(60.0), "60");
        assert_eq!(tick(420.0), "420");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.001), "1.0e-3");
    }

    #[test]
    fn colors_differ_between_slots_and_repeat_darker() {
        let first: Vec<RGBColor> = (0..10).map(color).collect();
        for (i, a) in first.iter().enumerate() {
            for b in &first[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_ne!(color(0), color(10));
        assert!(color(10).0 < color(0).0);
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        assert_eq!(ellipsize("constant-5s", 20), "constant-5s");
        assert_eq!(ellipsize("exponential-full-jitter", 10), "exponenti…");
    }

    #[test]
    fn notes_wrap_at_spaces_and_steps_are_nice() {
        assert_eq!(wrap("aa bb cc dd", 5), vec!["aa bb", "cc dd"]);
        assert_eq!(wrap("aaaaaaa b", 5), vec!["aaaaaaa", "b"]);
        assert_eq!(nice_step(3.7), 5.0);
        assert_eq!(nice_step(0.131), 0.2);
        assert_eq!(nice_step(10.0), 10.0);
        assert_eq!(nice_step(0.0), 1.0);
    }

    #[test]
    fn log_axes_only_for_wide_ranges() {
        assert!(!wants_log(180.0, 420.0, 50.0));
        assert!(wants_log(0.5, 600.0, 50.0));
        assert!(!wants_log(0.0, 600.0, 50.0));
    }
}
