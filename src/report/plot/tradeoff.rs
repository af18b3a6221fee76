//! `tradeoff.png`: mean calls against mean detection delay for every point of
//! the tuning sweep, colored by family, with the Pareto frontier, each family's
//! best point and the optimal schedule marked.
//!
//! This is the picture behind the tuning: every polling policy buys shorter
//! waits with more calls, and the frontier is the best exchange rate on offer.
//! Tuned families often land almost on one spot, so marks carry short labels
//! (the family's rank) placed by [`labels::place`] to stay clear of each other,
//! and the legend spells out each rank with its numbers. Calls routinely span
//! 1 to several hundred per job, so both axes go logarithmic when the data do.

use super::PlotError;
use super::axis::{XAxis, XYBody, draw_xy};
use super::canvas::{self, Area};
use super::labels::{self, Rect};
use super::palette::Palette;
use super::style::HouseMesh;
use super::style::{self, LegendEntry, Swatch, draw_err};
use crate::metrics::Scoring;
use crate::optimize::{TuneResult, TuneSettings};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Calls, delay and cost of one marked policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marked {
    /// Mean calls per job.
    pub calls: f64,
    /// Mean detection delay, seconds.
    pub delay: f64,
    /// Expected cost per job.
    pub cost: f64,
}

/// One tuned family (one `[tune.<name>]` grid).
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffFamily {
    /// The grid's name.
    pub name: String,
    /// Palette slot of the grid's name, from the run's [`Palette`].
    pub color: usize,
    /// Rank among the families (1 = lowest objective) and its best point; `None`
    /// when no point of the grid met the constraints.
    pub best: Option<(usize, Marked)>,
}

/// One evaluated sweep point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TradeoffPoint {
    /// Index into [`TradeoffRows::families`].
    pub family: usize,
    /// Mean calls per job.
    pub calls: f64,
    /// Mean detection delay, seconds.
    pub delay: f64,
    /// Meets `[tune.constraints]`; others are drawn as rings.
    pub feasible: bool,
}

/// Everything `tradeoff.png` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffRows {
    /// Families by rank, unranked ones last: the legend's order.
    pub families: Vec<TradeoffFamily>,
    /// Every valid sweep point.
    pub points: Vec<TradeoffPoint>,
    /// `(calls, delay)` of the Pareto frontier, by calls.
    pub frontier: Vec<(f64, f64)>,
    /// The optimal schedule, when it was computed.
    pub optimal: Option<Marked>,
    /// `(call price, delay price)`: draws the curve of equal cost through the
    /// optimal schedule, the line no uninformed policy can get below.
    pub prices: Option<(f64, f64)>,
}

impl TradeoffRows {
    /// The rows of a finished tuning run, each family in its color; `scoring`
    /// gives the prices of the equal-cost curve.
    pub fn from_tune(
        settings: &TuneSettings,
        result: &TuneResult,
        scoring: &Scoring,
        palette: &Palette,
    ) -> Self {
        let mut families: Vec<(usize, TradeoffFamily)> = settings
            .grids
            .iter()
            .enumerate()
            .map(|(g, grid)| {
                let family = TradeoffFamily {
                    name: grid.name.clone(),
                    color: palette.slot(&grid.name),
                    best: result.best.iter().find(|b| b.grid == g).map(|b| {
                        let p = &b.point;
                        let (calls, delay, cost) = (p.calls, p.delay, p.cost);
                        (b.rank, Marked { calls, delay, cost })
                    }),
                };
                (g, family)
            })
            .collect();
        families.sort_by_key(|(g, f)| (f.best.map_or(usize::MAX, |b| b.0), *g));
        // Sweep rows name their grid; points name their family's legend position.
        let mut slot_of = vec![0; settings.grids.len()];
        for (i, (g, _)) in families.iter().enumerate() {
            slot_of[*g] = i;
        }
        let families: Vec<TradeoffFamily> = families.into_iter().map(|(_, f)| f).collect();
        let points = result
            .rows
            .iter()
            .filter_map(|r| {
                let p = r.point.as_ref()?;
                (p.calls.is_finite() && p.delay.is_finite()).then_some(TradeoffPoint {
                    family: *slot_of.get(r.grid)?,
                    calls: p.calls,
                    delay: p.delay,
                    feasible: r.feasible,
                })
            })
            .collect();
        let frontier = result
            .pareto
            .iter()
            .filter_map(|&i| result.rows[i].point.as_ref())
            .map(|p| (p.calls, p.delay))
            .collect();
        let o = &result.optimal;
        let optimal = (o.calls.is_finite() && o.delay.is_finite()).then_some(Marked {
            calls: o.calls,
            delay: o.delay,
            cost: o.cost,
        });
        Self {
            families,
            points,
            frontier,
            optimal,
            prices: Some((scoring.call_price, scoring.delay_price)),
        }
    }

    /// Every plotted `(calls, delay)`: points, frontier and marks.
    fn all(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let marks = self.families.iter().filter_map(|f| f.best.map(|b| b.1));
        self.points
            .iter()
            .map(|p| (p.calls, p.delay))
            .chain(self.frontier.iter().copied())
            .chain(marks.chain(self.optimal).map(|m| (m.calls, m.delay)))
    }
}

/// `tradeoff.png`: calls against delay for every sweep point, with the frontier.
pub fn tradeoff_png(rows: &TradeoffRows) -> Result<Vec<u8>, PlotError> {
    if rows.points.is_empty() {
        return Err(PlotError::NoData(
            "no grid point of the sweep was a valid policy".into(),
        ));
    }
    // Calls start at 1 per job, delays near 0: a log axis once the data span
    // more than a factor of 20, so the cheap end is not squeezed into a corner.
    let x = XAxis::fit(rows.all().map(|p| p.0), 20.0, true);
    let y = XAxis::fit(rows.all().map(|p| p.1), 20.0, true);
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(
            root,
            "Trade-off: calls against detection delay at every sweep point",
        )?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        draw_legend(&legend, rows)?;
        draw_xy(x, y, Chart { area: &plot, rows })
    })
}

fn detail(m: &Marked) -> String {
    let calls = style::tick(m.calls);
    let unit = if calls == "1" { "call" } else { "calls" };
    format!(
        "cost {:.2}: {calls} {unit}, {} s",
        m.cost,
        style::tick(m.delay)
    )
}

fn draw_legend(area: &Area, rows: &TradeoffRows) -> Result<(), PlotError> {
    let families: Vec<LegendEntry> = rows
        .families
        .iter()
        .map(|f| {
            let color = style::color(f.color);
            match &f.best {
                Some((rank, m)) => {
                    LegendEntry::new(format!("{rank}  {}", f.name), color, Swatch::Dot)
                        .detail(detail(m))
                }
                None => LegendEntry::new(f.name.clone(), color, Swatch::Dot)
                    .detail("no point met the constraints"),
            }
        })
        .collect();
    let mut y = style::draw_legend_entries(area, 10, "rank, family: its tuned best", &families)?;
    let mut marks = Vec::new();
    if let Some(m) = &rows.optimal {
        marks.push(
            LegendEntry::new("optimal schedule", style::INK, Swatch::Diamond).detail(detail(m)),
        );
        if rows.prices.is_some_and(|(_, d)| d > 0.0) {
            marks.push(LegendEntry::new(
                "same cost as optimal",
                style::MUTED,
                Swatch::Dashed,
            ));
        }
    }
    if !rows.frontier.is_empty() {
        marks.push(LegendEntry::new(
            "Pareto frontier",
            style::INK,
            Swatch::Line,
        ));
    }
    if rows.points.iter().any(|p| !p.feasible) {
        marks.push(LegendEntry::new(
            "fails a constraint",
            style::MUTED,
            Swatch::Ring,
        ));
    }
    y = style::draw_legend_entries(area, y + 16, "", &marks)?;
    let note = "Lower left is better: fewer calls and shorter waits.";
    for (i, line) in style::wrap(note, 30).iter().enumerate() {
        area.draw(&Text::new(
            line.clone(),
            (10, y + 10 + 26 * i as i32),
            style::muted(style::LABEL_SIZE - 2),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

struct Chart<'a, 'b> {
    area: &'a Area<'b>,
    rows: &'a TradeoffRows,
}

impl XYBody for Chart<'_, '_> {
    fn draw<X, Y>(self, x: X, y: Y, (xa, ya): (XAxis, XAxis)) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let rows = self.rows;
        let mut chart = ChartBuilder::on(self.area)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(x, y)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("mean calls per job{}", xa.note()))
            .y_desc(format!("mean detection delay (s){}", ya.note()))
            .x_label_formatter(&|v| style::tick(*v))
            .y_label_formatter(&|v| style::tick(*v))
            .house_style()
            .max_light_lines(1)
            .draw()
            .map_err(draw_err)?;
        let at = |calls: f64, delay: f64| (xa.place(calls), ya.place(delay));

        // The largest grids first, so small ones are not buried under them.
        let mut order: Vec<usize> = (0..rows.families.len()).collect();
        let size = |f: usize| rows.points.iter().filter(|p| p.family == f).count();
        order.sort_by_key(|&f| std::cmp::Reverse(size(f)));
        for f in order {
            let color = style::color(rows.families[f].color);
            chart
                .draw_series(rows.points.iter().filter(|p| p.family == f).map(|p| {
                    let style = if p.feasible {
                        color.filled()
                    } else {
                        color.stroke_width(1)
                    };
                    Circle::new(at(p.calls, p.delay), 3, style)
                }))
                .map_err(draw_err)?;
        }

        // No let-chains: the crate's rust-version (1.85) predates them.
        if let (Some(o), Some((call, delay))) = (rows.optimal, rows.prices.filter(|p| p.1 > 0.0)) {
            // calls·c + delay·d = optimal cost, sampled evenly across the x axis.
            let curve: Vec<(f64, f64)> = (0..=400)
                .map(|i| {
                    let f = f64::from(i) / 400.0;
                    let c = if xa.log {
                        xa.lo * (xa.hi / xa.lo).powf(f)
                    } else {
                        xa.lo + f * (xa.hi - xa.lo)
                    };
                    (c, (o.cost - call * c) / delay)
                })
                .filter(|(_, d)| *d >= ya.lo && *d <= ya.hi)
                .collect();
            chart
                .draw_series(DashedLineSeries::new(
                    curve,
                    10,
                    7,
                    style::MUTED.stroke_width(2),
                ))
                .map_err(draw_err)?;
        }
        let frontier: Vec<(f64, f64)> = rows.frontier.iter().map(|p| at(p.0, p.1)).collect();
        chart
            .draw_series(LineSeries::new(frontier, style::INK.stroke_width(2)))
            .map_err(draw_err)?;

        // Marks and their labels, in pixels of this area.
        let base = self.area.get_base_pixel();
        let pixel = |calls: f64, delay: f64| {
            let (px, py) = chart.backend_coord(&at(calls, delay));
            (px - base.0, py - base.1)
        };
        let mut marks: Vec<((i32, i32), String, RGBColor)> = rows
            .families
            .iter()
            .filter_map(|f| {
                let (rank, m) = f.best?;
                let color = style::color(f.color);
                Some((pixel(m.calls, m.delay), rank.to_string(), color))
            })
            .collect();
        if let Some(o) = rows.optimal {
            marks.push((pixel(o.calls, o.delay), "optimal".into(), style::INK));
        }
        for (p, label, color) in &marks {
            if label == "optimal" {
                self.area
                    .draw(&style::diamond(*p, 11, *color))
                    .map_err(draw_err)?;
            } else {
                self.area
                    .draw(&Circle::new(*p, 8, color.filled()))
                    .map_err(draw_err)?;
                self.area
                    .draw(&Circle::new(*p, 8, style::INK.stroke_width(2)))
                    .map_err(draw_err)?;
            }
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let bounds = Rect {
            x0: xr.start - base.0 + 4,
            y0: yr.start - base.1 + 4,
            x1: xr.end - base.0 - 4,
            y1: yr.end - base.1 - 4,
        };
        let anchors: Vec<(i32, i32)> = marks.iter().map(|m| m.0).collect();
        let sizes: Vec<(u32, u32)> = marks
            .iter()
            .map(|m| {
                let w = style::text_width(&m.1, style::LABEL_SIZE) + 14;
                (w.max(30), style::LABEL_SIZE + 10)
            })
            .collect();
        let boxes = labels::place(&anchors, &sizes, bounds);
        for ((p, _, color), b) in marks.iter().zip(&boxes) {
            self.area
                .draw(&PathElement::new(
                    vec![*p, b.nearest(*p)],
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?;
        }
        for ((_, label, color), b) in marks.iter().zip(&boxes) {
            let corners = [(b.x0, b.y0), (b.x1, b.y1)];
            self.area
                .draw(&Rectangle::new(corners, WHITE.filled()))
                .map_err(draw_err)?;
            self.area
                .draw(&Rectangle::new(corners, color.stroke_width(2)))
                .map_err(draw_err)?;
            let centered = style::text(style::LABEL_SIZE).pos(Pos::new(HPos::Center, VPos::Center));
            self.area
                .draw(&Text::new(label.clone(), b.center(), centered))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}
