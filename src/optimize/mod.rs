//! The strategy optimizer: sweeps each family's parameter grid on common random
//! numbers, finds the Pareto frontier of calls against delay, refines each
//! family's best point, and measures every family against the cost-optimal
//! schedule that bounds what any policy can reach.

mod edges;
pub mod evaluate;
pub mod grid;
pub mod optimal;
pub mod pareto;
pub mod recommend;
pub mod refine;
mod sweep;

pub use edges::GridEdge;
pub use evaluate::{Constraints, Evaluator, Method, Objective, Point};
pub use grid::{Grid, GridError};
pub use optimal::{OPTIMAL_NAME, OptimalSchedule, optimal_schedule};
pub use recommend::{Candidate, Origin, Recommendation, policy_block, recommend};
pub use sweep::{SweepRow, sweep, sweep_range, total_points};

use crate::policy::PolicySpec;
use rayon::prelude::*;
use toml::Value;

/// Settings of `[tune]`.
#[derive(Clone, Debug)]
pub struct TuneSettings {
    /// What is minimized. Default cost.
    pub objective: Objective,
    /// How candidates are evaluated. Default exact.
    pub method: Method,
    /// Jobs in the sampled set (default: the config's jobs, at most 20,000).
    pub jobs: Option<u64>,
    /// Whether each grid's winner is refined between its grid neighbours.
    pub refine: bool,
    /// Filters applied before ranking.
    pub constraints: Constraints,
    /// Grid steps of the optimal-schedule DP.
    pub optimal_points: usize,
    /// The grids to sweep, in config order.
    pub grids: Vec<Grid>,
}

/// Most jobs in the sampled set when `jobs` is not given.
pub const DEFAULT_TUNE_JOBS: u64 = 20_000;
/// Default `optimal_points`.
pub const DEFAULT_OPTIMAL_POINTS: usize = 100_000;

fn bad(field: &str, problem: impl Into<String>) -> GridError {
    GridError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

impl TuneSettings {
    /// Parses the raw `[tune]` table.
    /// The settings of an empty `[tune]`: no grids yet (see [`Self::with_default_grid`]).
    pub fn defaults() -> Self {
        TuneSettings {
            objective: Objective::Cost,
            method: Method::Exact,
            jobs: None,
            refine: true,
            constraints: Constraints::default(),
            optimal_points: DEFAULT_OPTIMAL_POINTS,
            grids: Vec::new(),
        }
    }

    /// Without any `[tune.<family>]` grid, tunes a constant interval over a
    /// geometric grid spanning the distribution (from a thousandth of its
    /// 99.9 % point to that point, 40 values) beside the optimal schedule,
    /// which needs no grid. Returns the grid's description when it added one.
    pub fn with_default_grid(&mut self, dist: &crate::workload::Distribution) -> Option<String> {
        if !self.grids.is_empty() {
            return None;
        }
        let hi = dist.upper(1e-3).max(1e-3);
        let lo = (hi / 1000.0).max(1e-3);
        let mut table = toml::Table::new();
        let mut interval = toml::Table::new();
        interval.insert(
            "geometric".into(),
            Value::Array(vec![Value::Float(lo), Value::Float(hi), Value::Integer(40)]),
        );
        table.insert("interval".into(), Value::Table(interval));
        let grid = Grid::parse("constant", &table).expect("the default grid is valid");
        self.grids.push(grid);
        Some(format!(
            "[tune.constant] interval = {{ geometric = [{lo:.4}, {hi:.4}, 40] }}"
        ))
    }

    /// Parses the raw `[tune]` table.
    pub fn parse(table: &toml::Table) -> Result<Self, GridError> {
        let mut settings = Self::defaults();
        for (key, value) in table {
            let field = format!("tune.{key}");
            match key.as_str() {
                "objective" => {
                    settings.objective = match value.as_str() {
                        Some("cost") => Objective::Cost,
                        Some("score") => Objective::Score,
                        _ => {
                            return Err(bad(
                                &field,
                                format!("{value} is not an objective: use \"cost\" or \"score\""),
                            ));
                        }
                    }
                }
                "evaluation" => {
                    settings.method = match value.as_str() {
                        Some("exact") => Method::Exact,
                        Some("sampled") => Method::Sampled,
                        _ => {
                            return Err(bad(
                                &field,
                                format!("{value}: use \"exact\" (where available) or \"sampled\""),
                            ));
                        }
                    }
                }
                "jobs" => match value.as_integer() {
                    Some(n) if n > 0 => settings.jobs = Some(n as u64),
                    _ => {
                        return Err(bad(
                            &field,
                            format!("{value} is not a positive number of jobs"),
                        ));
                    }
                },
                "refine" => {
                    settings.refine = value
                        .as_bool()
                        .ok_or_else(|| bad(&field, "must be true or false"))?
                }
                "optimal_points" => match value.as_integer() {
                    Some(n) if (10..=10_000_000).contains(&n) => {
                        settings.optimal_points = n as usize
                    }
                    _ => {
                        return Err(bad(
                            &field,
                            format!("{value}: use 10 to 10,000,000 grid steps"),
                        ));
                    }
                },
                "constraints" => settings.constraints = constraints(value)?,
                _ => {
                    let grid_table = value.as_table().ok_or_else(|| {
                        bad(
                            &field,
                            "is not a setting; a grid is a table [tune.<family>]",
                        )
                    })?;
                    settings.grids.push(Grid::parse(key, grid_table)?);
                }
            }
        }
        // Every row stays in memory until the sweep ends (about 140 bytes each,
        // so 1.4 GB at the cap): the cap holds for all grids together.
        let total: u64 = settings.grids.iter().map(Grid::points).sum();
        if total > grid::MAX_POINTS {
            return Err(bad(
                "tune",
                format!(
                    "{total} grid points in all: at most {} together; use fewer values on some axes",
                    grid::MAX_POINTS
                ),
            ));
        }
        Ok(settings)
    }
}

fn constraints(value: &Value) -> Result<Constraints, GridError> {
    let table = value
        .as_table()
        .ok_or_else(|| bad("tune.constraints", "must be a table"))?;
    let mut c = Constraints::default();
    for (key, v) in table {
        let field = format!("tune.constraints.{key}");
        let x = match v {
            Value::Float(f) if *f >= 0.0 => *f,
            Value::Integer(i) if *i >= 0 => *i as f64,
            _ => return Err(bad(&field, format!("{v} is not a non-negative number"))),
        };
        match key.as_str() {
            "max_p95_delay" => c.max_p95_delay = Some(x),
            "max_mean_calls" => c.max_mean_calls = Some(x),
            "max_give_up_rate" => c.max_give_up_rate = Some(x),
            _ => {
                return Err(bad(
                    &field,
                    "unknown constraint: use max_p95_delay, max_mean_calls or max_give_up_rate",
                ));
            }
        }
    }
    Ok(c)
}

/// Each grid's winner after refinement.
#[derive(Clone, Debug)]
pub struct FamilyBest {
    /// Index into `TuneSettings::grids`.
    pub grid: usize,
    /// Row of the best grid point.
    pub row: usize,
    /// The refined winner as a policy.
    pub spec: PolicySpec,
    /// Its parameter values, in axis order.
    pub params: Vec<(String, Value)>,
    /// Its figures.
    pub point: Point,
    /// Its objective (lower is better).
    pub objective: f64,
    /// Objective of the best grid point before refinement.
    pub grid_objective: f64,
    /// Cost above the optimal schedule's, percent.
    pub regret_pct: f64,
    /// 1 = best family.
    pub rank: usize,
    /// Parameters whose best value sits on an end of their grid axis: the
    /// optimum may lie beyond it, so the grid should be widened there.
    pub edges: Vec<GridEdge>,
}

/// Everything a tuning run found.
#[derive(Debug)]
pub struct TuneResult {
    /// Every grid point, in grid order.
    pub rows: Vec<SweepRow>,
    /// Rows on the Pareto frontier (feasible points only), by calls.
    pub pareto: Vec<usize>,
    /// Families sorted by rank.
    pub best: Vec<FamilyBest>,
    /// The cost-optimal checking schedule.
    pub optimal: OptimalSchedule,
    /// The optimal schedule as a deployable `schedule` policy.
    pub optimal_spec: PolicySpec,
    /// Wall time of the sweep, seconds.
    pub sweep_seconds: f64,
}

/// Runs the sweep, the refinement and the optimal schedule. `progress` is told
/// how many points were evaluated (it may be called from several threads).
pub fn tune(
    settings: &TuneSettings,
    evaluator: &Evaluator,
    progress: &(dyn Fn(u64) + Sync),
) -> TuneResult {
    let started = std::time::Instant::now();
    let rows = sweep(settings, evaluator, progress);
    let sweep_seconds = started.elapsed().as_secs_f64();
    finish(settings, evaluator, rows, sweep_seconds)
}

/// The rest of [`tune`] after the sweep: the optimal schedule, each family's
/// best (refined) and the Pareto frontier, from every grid point's row in
/// grid order (as [`sweep`] returns them, or a sharded sweep's rows merged).
pub fn finish(
    settings: &TuneSettings,
    evaluator: &Evaluator,
    rows: Vec<SweepRow>,
    sweep_seconds: f64,
) -> TuneResult {
    // Each family's refinement depends on its own rows only, and the optimal
    // schedule on none (it enters only the regrets): all run side by side,
    // collected in grid order, so the result does not depend on threads.
    let (optimal, mut best) = rayon::join(
        || {
            optimal_schedule(
                &evaluator.distribution,
                &evaluator.scoring,
                settings.optimal_points,
            )
        },
        || {
            (0..settings.grids.len())
                .into_par_iter()
                .filter_map(|g| family_best(settings, evaluator, &rows, g))
                .collect::<Vec<FamilyBest>>()
        },
    );
    let optimal_spec = optimal::deployed(&optimal.times);
    for b in &mut best {
        b.regret_pct = 100.0 * (b.point.cost - optimal.cost) / optimal.cost;
    }
    best.sort_by(|a, b| {
        a.objective
            .total_cmp(&b.objective)
            .then(a.grid.cmp(&b.grid))
    });
    for (rank, b) in best.iter_mut().enumerate() {
        b.rank = rank + 1;
    }

    let feasible: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].feasible).collect();
    let coords: Vec<(f64, f64)> = feasible
        .iter()
        .map(|&i| {
            rows[i]
                .point
                .as_ref()
                .map(|p| (p.calls, p.delay))
                .expect("feasible rows are valid")
        })
        .collect();
    let pareto = pareto::frontier(&coords)
        .into_iter()
        .map(|k| feasible[k])
        .collect();
    TuneResult {
        rows,
        pareto,
        best,
        optimal,
        optimal_spec,
        sweep_seconds,
    }
}

fn family_best(
    settings: &TuneSettings,
    evaluator: &Evaluator,
    rows: &[SweepRow],
    g: usize,
) -> Option<FamilyBest> {
    // Lowest objective, ties to the lowest index.
    let (row, base) = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.grid == g && r.feasible && r.objective.is_finite())
        .min_by(|(i, a), (j, b)| a.objective.total_cmp(&b.objective).then(i.cmp(j)))?;
    let point = base.point?;
    let grid = &settings.grids[g];
    let spec = grid.spec_at(&grid.indices(base.index)).ok()?;
    let mut best = FamilyBest {
        grid: g,
        row,
        spec,
        params: base.params(settings),
        point,
        objective: base.objective,
        grid_objective: base.objective,
        regret_pct: f64::NAN,
        rank: 0,
        edges: Vec::new(),
    };
    if settings.refine {
        let start = grid.indices(base.index);
        let refined = refine::refine(grid, &start, base.objective, |spec| {
            let p = evaluator.evaluate(spec);
            evaluator.feasible(&p).then(|| evaluator.objective_of(&p))
        });
        if let Some((params, _)) = refined {
            let spec =
                grid::spec_from_table(grid.table_with(&params)).expect("refined points are valid");
            let point = evaluator.evaluate(&spec);
            best.objective = evaluator.objective_of(&point);
            best.spec = spec;
            best.params = params;
            best.point = point;
        }
    }
    best.edges = edges::edges(grid, &best.params);
    Some(best)
}
