//! Exporters of the optimizer's results: sweep.csv, pareto.csv, best.csv, tuned.toml.

use crate::optimize::{FamilyBest, SweepRow, TuneResult, TuneSettings, grid::describe};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct SweepCsvRow<'a> {
    grid: &'a str,
    kind: &'a str,
    point: u64,
    params: String,
    evaluation: &'a str,
    valid: bool,
    feasible: bool,
    calls: Option<f64>,
    delay_s: Option<f64>,
    give_up: Option<f64>,
    p95_delay_s: Option<f64>,
    hit_rate: Option<f64>,
    efficiency_ratio: Option<f64>,
    cost: Option<f64>,
    score: Option<f64>,
    objective: Option<f64>,
    note: String,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn sweep_row<'a>(settings: &'a TuneSettings, row: &'a SweepRow) -> SweepCsvRow<'a> {
    let grid = &settings.grids[row.grid];
    let point = row.point.as_ref();
    let note = row.invalid_because(settings).unwrap_or_default();
    let get = |f: fn(&crate::optimize::Point) -> f64| point.and_then(|p| finite(f(p)));
    SweepCsvRow {
        grid: &grid.name,
        kind: &grid.kind,
        point: row.index,
        params: describe(&row.params(settings)),
        evaluation: point.map_or("", |p| p.method),
        valid: point.is_some(),
        feasible: row.feasible,
        calls: get(|p| p.calls),
        delay_s: get(|p| p.delay),
        give_up: get(|p| p.give_up),
        p95_delay_s: get(|p| p.p95_delay),
        hit_rate: get(|p| p.hit_rate),
        efficiency_ratio: get(|p| p.efficiency_ratio),
        cost: get(|p| p.cost),
        score: get(|p| p.score),
        objective: finite(row.objective),
        note,
    }
}

fn write_rows<'a, W: Write>(w: W, rows: impl Iterator<Item = SweepCsvRow<'a>>) -> csv::Result<W> {
    let mut w = csv::Writer::from_writer(w);
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Every grid point, in grid order, streamed to `w`: at the largest grid the
/// file is gigabytes, which must not be built in memory first.
pub fn write_sweep_csv<W: Write>(
    settings: &TuneSettings,
    result: &TuneResult,
    w: W,
) -> csv::Result<W> {
    write_rows(w, result.rows.iter().map(|r| sweep_row(settings, r)))
}

/// Every grid point, in grid order.
pub fn sweep_csv(settings: &TuneSettings, result: &TuneResult) -> Vec<u8> {
    write_sweep_csv(settings, result, Vec::new()).expect("writing to memory cannot fail")
}

/// The Pareto frontier, by calls, streamed to `w` (on a one-parameter grid
/// nearly every point is on it).
pub fn write_pareto_csv<W: Write>(
    settings: &TuneSettings,
    result: &TuneResult,
    w: W,
) -> csv::Result<W> {
    let rows = result
        .pareto
        .iter()
        .map(|&i| sweep_row(settings, &result.rows[i]));
    write_rows(w, rows)
}

/// The Pareto frontier, by calls.
pub fn pareto_csv(settings: &TuneSettings, result: &TuneResult) -> Vec<u8> {
    write_pareto_csv(settings, result, Vec::new()).expect("writing to memory cannot fail")
}

#[derive(Serialize)]
struct BestRow<'a> {
    /// Empty for the optimal schedule: it is the bound, not a contender.
    rank: Option<usize>,
    policy: &'a str,
    kind: &'a str,
    params: String,
    evaluation: &'a str,
    calls: f64,
    delay_s: f64,
    give_up: f64,
    cost: f64,
    objective: Option<f64>,
    grid_objective: Option<f64>,
    refine_gain: f64,
    regret_pct: f64,
    /// Parameters on an end of their grid, `factor:upper;min:lower`: widen the
    /// grid there, the optimum may lie beyond.
    grid_edge: String,
}

/// Each family's best point (after refinement) and the optimal schedule, by rank.
pub fn best_csv(settings: &TuneSettings, result: &TuneResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for b in &result.best {
        let grid = &settings.grids[b.grid];
        w.serialize(BestRow {
            rank: Some(b.rank),
            policy: b.spec.name(),
            kind: &grid.kind,
            params: describe(&b.params),
            evaluation: b.point.method,
            calls: b.point.calls,
            delay_s: b.point.delay,
            give_up: b.point.give_up,
            cost: b.point.cost,
            objective: finite(b.objective),
            grid_objective: finite(b.grid_objective),
            refine_gain: b.grid_objective - b.objective,
            regret_pct: b.regret_pct,
            grid_edge: b
                .edges
                .iter()
                .map(|e| format!("{}:{}", e.param, if e.lower { "lower" } else { "upper" }))
                .collect::<Vec<_>>()
                .join(";"),
        })
        .expect("writing to memory cannot fail");
    }
    let o = &result.optimal;
    // Its objective is its cost when tuning minimizes cost; it has no score.
    let cost_objective = matches!(settings.objective, crate::optimize::Objective::Cost);
    w.serialize(BestRow {
        rank: None,
        policy: result.optimal_spec.name(),
        kind: "schedule",
        params: format!("checks={}", o.times.len()),
        evaluation: "exact",
        calls: o.calls,
        delay_s: o.delay,
        give_up: 0.0,
        cost: o.cost,
        objective: cost_objective.then_some(o.cost),
        grid_objective: cost_objective.then_some(o.grid_cost),
        refine_gain: o.grid_cost - o.cost,
        regret_pct: 0.0,
        grid_edge: String::new(),
    })
    .expect("writing to memory cannot fail");
    w.into_inner().expect("writing to memory cannot fail")
}

#[derive(Serialize)]
struct TunedFile<'a> {
    winner: &'a str,
    policies: Vec<crate::policy::RawPolicy>,
}

/// The winners in the config's policy syntax: loadable by `simulate --policies`
/// and the HTTP client as they are.
pub fn tuned_toml(result: &TuneResult, header: &str) -> String {
    let winner = result
        .best
        .first()
        .map_or(result.optimal_spec.name(), |b: &FamilyBest| b.spec.name());
    let mut policies: Vec<_> = result.best.iter().map(|b| b.spec.to_raw()).collect();
    policies.push(result.optimal_spec.to_raw());
    let body = toml::to_string(&TunedFile { winner, policies }).expect("policies serialize");
    let comments: String = header.lines().map(|l| format!("# {l}\n")).collect();
    format!("{comments}{body}")
}
