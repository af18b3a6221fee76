//! `heatmap.png`: the tuning objective over two parameters of the best family,
//! the other parameters held at the best point, with the best cell outlined.
//!
//! The frontier says what the best family can reach; the heatmap says how
//! forgiving it is: a wide dark valley means the parameters need no precision,
//! a narrow one that a hand-set value is likely far off. Cells are one per grid
//! value (equal size whatever the spacing, so geometric ranges read evenly), and
//! a color scale beside the chart maps colors back to objective values.

mod scale;

use super::PlotError;
use super::canvas::{self, Area};
use super::style::{self, draw_err};
use crate::optimize::{Objective, TuneResult, TuneSettings};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use scale::{BEST, MISSING, Scale, draw_scale, viridis};
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
