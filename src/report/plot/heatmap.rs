//! `heatmap.png`: the tuning objective over two parameters of the best family,
//! the other parameters held at the best point, with the best cell outlined.
//!
//! The frontier says what the best family can reach; the heatmap says how
//! forgiving it is: a wide dark valley means the parameters need no precision,
//! a narrow one that a hand-set value is likely far off. Cells are one per grid
//! value (equal size whatever the spacing, so geometric ranges read evenly), and
//! a color scale beside the chart maps colors back to objective values.

use super::PlotError;
use super::canvas::{self, Area};
use super::style::{self, LegendEntry, Swatch, draw_err};
use crate::optimize::{Objective, TuneResult, TuneSettings};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use toml::Value;

/// One parameter of the map: its name and grid values, in grid order.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatAxis {
    /// The parameter's name.
    pub name: String,
    /// What the parameter measures, from its family's table (`s`, `ratio`).
    pub unit: Option<&'static str>,
    /// Its grid values, in grid order.
    pub values: Vec<f64>,
}

/// Everything `heatmap.png` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapRows {
    /// The family's grid name and rank among the families.
    pub family: String,
    /// The family's rank (1 = lowest objective).
    pub rank: usize,
    /// What the colors measure, e.g. "cost per job".
    pub objective: String,
    /// The horizontal parameter.
    pub x: HeatAxis,
    /// The vertical parameter.
    pub y: HeatAxis,
    /// Objective per cell, `cells[iy * x.values.len() + ix]`; `None` where the
    /// point is not a valid policy or fails a constraint.
    pub cells: Vec<Option<f64>>,
    /// `(ix, iy)` of the family's best grid point.
    pub best: (usize, usize),
    /// The other parameters, at the best point's values: `(name, value)`.
    pub fixed: Vec<(String, String)>,
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

impl HeatmapRows {
    /// The map of the best-ranked family whose grid has two numeric parameters
    /// with at least two values each (the two with the most values), or why
    /// there is none.
    pub fn from_tune(settings: &TuneSettings, result: &TuneResult) -> Result<Self, PlotError> {
        let (best, axes) = result
            .best
            .iter()
            .find_map(|b| {
                let grid = &settings.grids[b.grid];
                let mut candidates: Vec<usize> = (0..grid.axes.len())
                    .filter(|&a| grid.axes[a].numeric && grid.axes[a].values.len() >= 2)
                    .collect();
                // Most values first, ties in the grid's order (a stable sort).
                candidates.sort_by_key(|&a| std::cmp::Reverse(grid.axes[a].values.len()));
                (candidates.len() >= 2).then(|| (b, (candidates[0], candidates[1])))
            })
            .ok_or_else(|| {
                PlotError::NoData(
                    "no tuned family has two numeric parameters with several values each \
                     (a heatmap needs a grid over two numbers, e.g. an exponential's factor and cap)"
                        .into(),
                )
            })?;
        let grid = &settings.grids[best.grid];
        let base = grid.indices(result.rows[best.row].index);
        let axis = |a: usize| HeatAxis {
            name: grid.axes[a].name.clone(),
            unit: crate::policy::param(&grid.kind, &grid.axes[a].name).and_then(|p| p.unit.label()),
            values: grid.axes[a].values.iter().filter_map(number).collect(),
        };
        let (ax, ay) = axes;
        let (x, y) = (axis(ax), axis(ay));
        let nx = x.values.len();
        let mut cells = vec![None; nx * y.values.len()];
        for row in result.rows.iter().filter(|r| r.grid == best.grid) {
            let at = grid.indices(row.index);
            let same_elsewhere = (0..at.len()).all(|a| a == ax || a == ay || at[a] == base[a]);
            if same_elsewhere && row.feasible && row.objective.is_finite() {
                cells[at[ay] * nx + at[ax]] = Some(row.objective);
            }
        }
        let fixed = (0..grid.axes.len())
            .filter(|&a| a != ax && a != ay)
            .map(|a| {
                let v = &grid.axes[a].values[base[a]];
                let shown = match v {
                    Value::String(s) => s.clone(),
                    other => number(other).map_or_else(|| other.to_string(), style::tick),
                };
                (grid.axes[a].name.clone(), shown)
            })
            .collect();
        let objective = match settings.objective {
            Objective::Cost => "cost per job",
            Objective::Score => "−score (lower is better)",
        };
        Ok(Self {
            family: grid.name.clone(),
            rank: best.rank,
            objective: objective.into(),
            x,
            y,
            cells,
            best: (base[ax], base[ay]),
            fixed,
        })
    }

    fn range(&self) -> Option<(f64, f64)> {
        let values = self.cells.iter().flatten().copied();
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        lo.is_finite().then_some((lo, hi))
    }
}

/// How objective values map to the color scale's 0..1.
#[derive(Clone, Copy, Debug)]
struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
}

impl Scale {
    fn new(lo: f64, hi: f64) -> Self {
        // Costs of a sweep easily span 5 to 300: on a linear scale every cell
        // but the worst would be one color.
        Self {
            lo,
            hi,
            log: style::wants_log(lo, hi, 10.0),
        }
    }

    fn unit(&self, v: f64) -> f64 {
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

fn viridis(t: f64) -> RGBColor {
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

/// An axis description with its unit.
fn with_unit(axis: &HeatAxis) -> String {
    match axis.unit {
        Some(unit) => format!("{} ({unit})", axis.name),
        None => axis.name.clone(),
    }
}

/// Three significant digits: cell labels must stay short.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        style::tick(v)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `heatmap.png`: the objective over two parameters of one grid.
pub fn heatmap_png(rows: &HeatmapRows) -> Result<Vec<u8>, PlotError> {
    let (nx, ny) = (rows.x.values.len(), rows.y.values.len());
    let Some((lo, hi)) = rows.range() else {
        return Err(PlotError::NoData(format!(
            "no point of {} over {} and {} met the constraints",
            rows.family, rows.x.name, rows.y.name
        )));
    };
    if nx < 2 || ny < 2 || rows.cells.len() != nx.saturating_mul(ny) {
        return Err(PlotError::NoData(
            "a heatmap needs at least two values on each axis".into(),
        ));
    }
    if rows.best.0 >= nx || rows.best.1 >= ny {
        return Err(PlotError::NoData(
            "the best grid point lies outside the grid".into(),
        ));
    }
    let scale = Scale::new(lo, hi);
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let title = format!(
            "{} of {} (rank {}) over {} and {}",
            capitalized(&rows.objective),
            rows.family,
            rows.rank,
            rows.x.name,
            rows.y.name
        );
        let body = canvas::titled(root, &title)?;
        let (note, body) = body.split_vertically(36);
        let fixed = if rows.fixed.is_empty() {
            "The family has no other parameters.".to_string()
        } else {
            let list: Vec<String> = rows
                .fixed
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            format!(
                "Other parameters fixed at the best point: {}",
                list.join(", ")
            )
        };
        note.draw(&Text::new(fixed, (20, 4), style::muted(style::NOTE_SIZE)))
            .map_err(draw_err)?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        draw_scale(&legend, rows, scale)?;
        draw_cells(&plot, rows, scale)
    })
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn draw_cells(area: &Area, rows: &HeatmapRows, scale: Scale) -> Result<(), PlotError> {
    let (nx, ny) = (rows.x.values.len(), rows.y.values.len());
    let y_label_width = rows
        .y
        .values
        .iter()
        .map(|v| style::text_width(&style::tick(*v), style::LABEL_SIZE))
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(80)
        .y_label_area_size(y_label_width + 70)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
        .map_err(draw_err)?;
    // Plotters places ticks at round numbers; a cell's value sits at its centre,
    // so the axes get their descriptions from plotters and their labels below.
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(with_unit(&rows.x))
        .y_desc(with_unit(&rows.y))
        .axis_desc_style(style::text(style::AXIS_DESC_SIZE))
        .draw()
        .map_err(draw_err)?;
    chart
        .draw_series((0..ny).flat_map(|iy| {
            (0..nx).map(move |ix| {
                let color = rows.cells[iy * nx + ix].map_or(MISSING, |v| viridis(scale.unit(v)));
                let (x, y) = (ix as f64, iy as f64);
                Rectangle::new([(x, y), (x + 1.0, y + 1.0)], color.filled())
            })
        }))
        .map_err(draw_err)?;

    let base = area.get_base_pixel();
    let pixel = |x: f64, y: f64| {
        let (px, py) = chart.backend_coord(&(x, y));
        (px - base.0, py - base.1)
    };
    let (cell_w, cell_h) = {
        let (a, b) = (pixel(0.0, 0.0), pixel(1.0, 1.0));
        ((b.0 - a.0).abs(), (a.1 - b.1).abs())
    };
    // Values inside the cells when they fit, so the map can be read without the scale.
    if cell_w >= 64 && cell_h >= 30 {
        let size = if cell_w >= 120 && cell_h >= 60 {
            style::LABEL_SIZE + 2
        } else {
            style::LABEL_SIZE - 2
        };
        for iy in 0..ny {
            for (ix, v) in (0..nx).filter_map(|ix| Some((ix, rows.cells[iy * nx + ix]?))) {
                let ink = if scale.unit(v) < 0.6 {
                    WHITE
                } else {
                    style::INK
                };
                let font = (style::FAMILY, size).into_font().color(&ink);
                let centered = font.pos(Pos::new(HPos::Center, VPos::Center));
                let at = pixel(ix as f64 + 0.5, iy as f64 + 0.5);
                area.draw(&Text::new(short(v), at, centered))
                    .map_err(draw_err)?;
            }
        }
    }
    // Grid values under and beside the cells, thinned out when they would collide.
    let widest = |axis: &HeatAxis| {
        axis.values
            .iter()
            .map(|v| style::text_width(&style::tick(*v), style::LABEL_SIZE) as i32)
            .max()
            .unwrap_or(0)
    };
    let x_every = ((widest(&rows.x) + 12) / cell_w.max(1) + 1) as usize;
    let y_every = ((style::LABEL_SIZE as i32 + 6) / cell_h.max(1) + 1) as usize;
    for ix in (0..nx).step_by(x_every) {
        let (px, py) = pixel(ix as f64 + 0.5, 0.0);
        let at = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(
            style::tick(rows.x.values[ix]),
            (px, py + 10),
            at,
        ))
        .map_err(draw_err)?;
    }
    for iy in (0..ny).step_by(y_every) {
        let (px, py) = pixel(0.0, iy as f64 + 0.5);
        let at = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
        area.draw(&Text::new(
            style::tick(rows.y.values[iy]),
            (px - 10, py),
            at,
        ))
        .map_err(draw_err)?;
    }
    // The best cell: a white inner ring keeps the red visible on dark cells.
    let (bx, by) = (rows.best.0 as f64, rows.best.1 as f64);
    let (a, b) = (pixel(bx, by + 1.0), pixel(bx + 1.0, by));
    area.draw(&Rectangle::new(
        [(a.0 + 3, a.1 + 3), (b.0 - 3, b.1 - 3)],
        WHITE.stroke_width(2),
    ))
    .map_err(draw_err)?;
    area.draw(&Rectangle::new([a, b], BEST.stroke_width(4)))
        .map_err(draw_err)?;
    Ok(())
}

/// The color bar (objective values against colors) and what the marks mean.
fn draw_scale(area: &Area, rows: &HeatmapRows, scale: Scale) -> Result<(), PlotError> {
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
