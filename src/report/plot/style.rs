//! The look shared by every plot: the bundled font, canvas size, text sizes,
//! the policy palette, text measured with the font, and (in `legend`,
//! re-exported here) the legend drawn beside, never over, the data.
//!
//! Text is rasterized by plotters' `ab_glyph` backend from DejaVu Sans, which is
//! compiled into the binary, so plots look the same on every machine and need no
//! system font library (fontconfig, freetype).

use super::PlotError;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

pub use super::legend::{LegendEntry, Swatch, diamond, draw_legend, draw_legend_entries};

/// DejaVu Sans (Bitstream Vera license, see `assets/fonts/DejaVuSans.LICENSE`).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// The family name plotters asks for; registering the bundled font under it
/// makes `("sans-serif", size)` resolve without any font lookup on the system.
pub const FAMILY: &str = "sans-serif";

/// Default canvas: large enough for ten legend entries and readable labels.
pub const WIDTH: u32 = 1600;
/// Default canvas height.
pub const HEIGHT: u32 = 1000;

/// Font size of a chart's title, pixels.
pub const TITLE_SIZE: u32 = 34;
/// Font size of axis descriptions, pixels.
pub const AXIS_DESC_SIZE: u32 = 24;
/// Font size of tick labels and legend entries, pixels.
pub const LABEL_SIZE: u32 = 20;
/// Font size of notes, pixels.
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

/// Colors in the palette before it repeats in darker shades.
pub const BASE_COLORS: usize = 10;

/// Tableau 10, with its yellow darkened so thin lines stay visible on white and
/// its grey made charcoal so it is not mistaken for the brown.
const PALETTE: [RGBColor; BASE_COLORS] = [
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
/// Color of the optimal schedule and of reference lines.
pub const INK: RGBColor = RGBColor(0x10, 0x10, 0x10);

/// The color of palette slot `i`. Slots come from the run's
/// [`Palette`](super::palette::Palette), so a policy keeps its color across
/// files. Past ten slots the palette repeats in darker shades.
pub fn color(i: usize) -> RGBColor {
    if i == OPTIMAL_SLOT {
        return INK;
    }
    let base = PALETTE[i % PALETTE.len()];
    let shade = 1.0 - 0.3 * ((i / PALETTE.len()) % 3) as f64;
    let dim = |c: u8| (f64::from(c) * shade) as u8;
    RGBColor(dim(base.0), dim(base.1), dim(base.2))
}

/// Color of text.
pub const TEXT: RGBColor = RGBColor(0x20, 0x20, 0x20);
/// Color of secondary text.
pub const MUTED: RGBColor = RGBColor(0x60, 0x60, 0x60);
/// Color of grid lines.
pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

/// The bundled font at `size` pixels, in [`TEXT`].
pub fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&TEXT)
}

/// The bundled font at `size` pixels, in [`MUTED`].
pub fn muted(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&MUTED)
}

/// Converts any plotters drawing error into ours.
pub fn draw_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// `color` mixed with white: `amount` 0 keeps it, 1 is white. For marks that
/// must read as "the same policy, but not its data" (a prediction behind a
/// measurement, an overflow bin).
pub fn tint(color: RGBColor, amount: f64) -> RGBColor {
    let a = amount.clamp(0.0, 1.0);
    let mix = |c: u8| (f64::from(c) + a * (255.0 - f64::from(c))).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// The width in pixels of `s` drawn at `size` in the bundled font, as the
/// rasterizer lays it out; a rough estimate (0.6 em per character) if the font
/// cannot be measured.
pub fn text_width(s: &str, size: u32) -> u32 {
    let rough = (s.chars().count() as f64 * f64::from(size) * 0.6).ceil() as u32;
    if ensure_font().is_err() {
        return rough;
    }
    (FAMILY, size)
        .into_font()
        .box_size(s)
        .map_or(rough, |(w, _)| w)
}

/// `s`, shortened with an ellipsis until it is at most `width` pixels wide at
/// `size` (measured, so wide letters are not cut short of the edge).
pub fn fit(s: &str, size: u32, width: u32) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    // Longest prefix that fits with its ellipsis, by bisection on its length.
    let (mut lo, mut hi) = (0usize, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().chain(['…'].iter()).collect();
        if text_width(&candidate, size) <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().chain(['…'].iter()).collect()
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

/// Formats an axis value compactly: no trailing zeros, thousands as plain
/// digits, a million and more (and the tiniest values) in e-notation.
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if a >= 1e6 && a.is_finite() {
        // "2.5e7", not a 309-digit number for the largest durations.
        let s = format!("{v:.2e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
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
    /// Applies the house style.
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
        assert_eq!(tick(2.5e7), "2.5e7");
        assert_eq!(tick(1e308), "1e308");
        assert_eq!(tick(-3.0e6), "-3e6");
    }

    #[test]
    fn text_is_measured_with_the_font_and_fitted_with_an_ellipsis() {
        // "W" is wider than "i" in DejaVu Sans: a character count cannot tell.
        assert!(text_width("WWWW", 20) > 2 * text_width("iiii", 20));
        let long = "exponential-full-jitter: mean 15.6, p50 15, p99 24";
        let cut = fit(long, 20, 300);
        assert!(cut.ends_with('…') && text_width(&cut, 20) <= 300, "{cut}");
        assert!(
            text_width(&cut, 20) > 250,
            "{cut} is cut shorter than needed"
        );
        assert_eq!(fit("short", 20, 300), "short");
    }

    #[test]
    fn tints_run_from_the_color_to_white() {
        let c = RGBColor(0x4E, 0x79, 0xA7);
        assert_eq!(tint(c, 0.0), c);
        assert_eq!(tint(c, 1.0), RGBColor(255, 255, 255));
        let half = tint(c, 0.5);
        assert!(half.0 > c.0 && half.2 > c.2 && half.2 < 255);
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
