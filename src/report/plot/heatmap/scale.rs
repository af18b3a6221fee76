//! The heatmap's color scale: how objective values map to viridis colors, and
//! the color bar beside the chart that maps them back.

use super::{HeatmapRows, short};
use crate::report::plot::PlotError;
use crate::report::plot::canvas::Area;
use crate::report::plot::style::{self, LegendEntry, Swatch, draw_err};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How objective values map to the color scale's 0..1.
#[derive(Clone, Copy, Debug)]
pub(super) struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Scale {
    pub(super) fn new(lo: f64, hi: f64) -> Self {
        // Costs of a sweep easily span 5 to 300: on a linear scale every cell
        // but the worst would be one color.
        Self {
            lo,
            hi,
            log: style::wants_log(lo, hi, 10.0),
        }
    }

    pub(super) fn unit(&self, v: f64) -> f64 {
        if self.hi <= self.lo {
            return 0.5;
        }
        let t = if self.log {
            (v / self.lo).ln() / (self.hi / self.lo).ln()
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        t.clamp(0.0, 1.0)
    }

    /// Round values for the color bar's labels.
    fn ticks(&self) -> Vec<f64> {
        let ticks: Vec<f64> = if self.log {
            let (a, b) = (
                self.lo.log10().floor() as i32,
                self.hi.log10().ceil() as i32,
            );
            (a..=b)
                .flat_map(|e| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(e)))
                .filter(|v| *v >= self.lo && *v <= self.hi)
                .collect()
        } else {
            let step = style::nice_step((self.hi - self.lo) / 6.0);
            let first = (self.lo / step).ceil();
            // Seven or so by construction; bounded for spans f64 cannot step through.
            (0..12)
                .map(|k| (first + f64::from(k)) * step)
                .take_while(|v| *v <= self.hi)
                .collect()
        };
        if ticks.len() >= 2 {
            ticks
        } else {
            vec![self.lo, self.hi]
        }
    }
}

/// Viridis (matplotlib's default map, perceptually uniform and readable in grey):
/// dark blue-purple for the lowest objective, yellow for the highest.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5F, 0x8D),
    (0x2A, 0x78, 0x8E),
    (0x21, 0x91, 0x8C),
    (0x22, 0xA8, 0x84),
    (0x44, 0xBF, 0x70),
    (0x7A, 0xD1, 0x51),
    (0xBD, 0xDF, 0x26),
    (0xFD, 0xE7, 0x25),
];

pub(super) fn viridis(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + f * (f64::from(q) - f64::from(p))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Outline of the best cell: red is absent from viridis, so it stands out.
pub(super) const BEST: RGBColor = RGBColor(0xE0, 0x1B, 0x24);
/// Cells that are not valid policies or fail a constraint.
pub(super) const MISSING: RGBColor = RGBColor(0xD9, 0xD9, 0xD9);

/// The color bar (objective values against colors) and what the marks mean.
pub(super) fn draw_scale(area: &Area, rows: &HeatmapRows, scale: Scale) -> Result<(), PlotError> {
    let heading = format!(
        "{}{}",
        rows.objective,
        if scale.log { " (log scale)" } else { "" }
    );
    area.draw(&Text::new(
        heading,
        (10, 30),
        style::text(style::LABEL_SIZE),
    ))
    .map_err(draw_err)?;
    let (top, height, x0, x1) = (70, 420, 20, 60);
    // Low values at the bottom, as on the chart's own y axis.
    for i in 0..height {
        let t = 1.0 - f64::from(i) / f64::from(height - 1);
        area.draw(&PathElement::new(
            vec![(x0, top + i), (x1, top + i)],
            viridis(t).stroke_width(1),
        ))
        .map_err(draw_err)?;
    }
    area.draw(&Rectangle::new(
        [(x0, top), (x1, top + height)],
        style::MUTED.stroke_width(1),
    ))
    .map_err(draw_err)?;
    for v in scale.ticks() {
        let y = top + ((1.0 - scale.unit(v)) * f64::from(height - 1)).round() as i32;
        area.draw(&PathElement::new(
            vec![(x1, y), (x1 + 8, y)],
            style::INK.stroke_width(1),
        ))
        .map_err(draw_err)?;
        let at = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(style::tick(v), (x1 + 14, y), at))
            .map_err(draw_err)?;
    }
    let (bx, by) = rows.best;
    let best_value = rows.cells[by * rows.x.values.len() + bx];
    let label = match best_value {
        Some(v) => format!("best grid point: {}", short(v)),
        None => "best grid point".into(),
    };
    let mut entries = vec![LegendEntry::new(label, BEST, Swatch::Line).detail(format!(
        "{} = {}, {} = {}",
        rows.x.name,
        style::tick(rows.x.values[bx]),
        rows.y.name,
        style::tick(rows.y.values[by]),
    ))];
    if rows.cells.iter().any(Option::is_none) {
        entries.push(
            LegendEntry::new("no value", MISSING, Swatch::Line)
                .detail("invalid, or fails a constraint"),
        );
    }
    let y = style::draw_legend_entries(area, top + height + 30, "", &entries)?;
    let note = "Darker is lower, i.e. better. The tuned policy may lie between grid values: refinement moves off the grid.";
    for (i, line) in style::wrap(note, 32).iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (10, y + 14 + 26 * i as i32),
            style::muted(style::LABEL_SIZE - 2),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_goes_log_for_wide_ranges_and_maps_ends_to_ends() {
        let s = Scale::new(4.0, 300.0);
        assert!(s.log);
        assert_eq!(s.unit(4.0), 0.0);
        assert!((s.unit(300.0) - 1.0).abs() < 1e-12);
        assert!(s.ticks().contains(&10.0) && s.ticks().contains(&100.0));
        let s = Scale::new(4.0, 9.0);
        assert!(!s.log);
        assert!((s.unit(6.5) - 0.5).abs() < 1e-12);
        assert_eq!(s.ticks(), vec![4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(Scale::new(5.0, 5.0).unit(5.0), 0.5);
    }

    #[test]
    fn viridis_runs_dark_to_light() {
        let lum = |c: RGBColor| 0.3 * f64::from(c.0) + 0.6 * f64::from(c.1) + 0.1 * f64::from(c.2);
        let steps: Vec<f64> = (0..=10)
            .map(|i| lum(viridis(f64::from(i) / 10.0)))
            .collect();
        assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xFD, 0xE7, 0x25));
    }
}
