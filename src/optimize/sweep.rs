//! The sweep: every grid point evaluated on the same common random numbers,
//! in parallel, with results in grid order whatever the thread count.
//!
//! A row keeps only numbers (about 140 bytes) so that the largest grid the
//! config accepts, `grid::MAX_POINTS`, fits in memory: a point's parameters,
//! policy and the reason it is invalid are recomputed from its grid index
//! when an exporter asks for them.

use super::TuneSettings;
use super::evaluate::{Evaluator, Point};
use rayon::prelude::*;
use toml::Value;

/// One evaluated grid point.
#[derive(Clone, Debug)]
pub struct SweepRow {
    /// Index into `TuneSettings::grids`.
    pub grid: usize,
    /// The point's index in its grid (see `Grid::indices`).
    pub index: u64,
    /// `None` when this combination is not a valid policy (e.g. floor above start).
    pub point: Option<Point>,
    /// The value minimized (NaN for an invalid point).
    pub objective: f64,
    /// Whether the point meets every constraint.
    pub feasible: bool,
}

impl SweepRow {
    /// The point's parameter values, in axis order.
    pub fn params(&self, settings: &TuneSettings) -> Vec<(String, Value)> {
        let grid = &settings.grids[self.grid];
        grid.axes
            .iter()
            .zip(grid.indices(self.index))
            .map(|(a, i)| (a.name.clone(), a.values[i].clone()))
            .collect()
    }

    /// Why the point is not a valid policy, or `None` when it is one.
    pub fn invalid_because(&self, settings: &TuneSettings) -> Option<String> {
        if self.point.is_some() {
            return None;
        }
        let grid = &settings.grids[self.grid];
        grid.spec_at(&grid.indices(self.index))
            .err()
            .map(|e| e.to_string())
    }
}

/// Evaluates every grid point, in grid order (results do not depend on threads).
/// `progress` is told of each point evaluated, from any thread.
pub fn sweep(
    settings: &TuneSettings,
    evaluator: &Evaluator,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SweepRow> {
    sweep_range(settings, evaluator, 0..total_points(settings), progress)
}

/// Grid points of every grid together.
pub fn total_points(settings: &TuneSettings) -> u64 {
    settings.grids.iter().map(|g| g.points()).sum()
}

/// [`sweep`] over the global points `points` only (grid after grid, in
/// order): a shard's share. Each point's row does not depend on the others,
/// so the shares' rows, concatenated, are the whole sweep's.
pub fn sweep_range(
    settings: &TuneSettings,
    evaluator: &Evaluator,
    points: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SweepRow> {
    // Global point k belongs to the grid whose range of starts holds it; no
    // list of (grid, index) pairs is built, which at the maximum grid would
    // itself take 160 MB.
    let starts: Vec<u64> = settings
        .grids
        .iter()
        .scan(0, |next, g| {
            let start = *next;
            *next += g.points();
            Some(start)
        })
        .collect();
    // A usize range: rayon's u64 ranges are not indexed, and collecting an
    // unindexed iterator goes through a list of pieces, twice the memory.
    let usize_of = |k: u64| usize::try_from(k).expect("the grid cap fits in usize");
    (usize_of(points.start)..usize_of(points.end))
        .into_par_iter()
        .map(|k| {
            let k = k as u64;
            let g = starts.partition_point(|&s| s <= k) - 1;
            let index = k - starts[g];
            let grid = &settings.grids[g];
            let row = match grid.spec_at(&grid.indices(index)) {
                Ok(spec) => {
                    let point = evaluator.evaluate(&spec);
                    SweepRow {
                        grid: g,
                        index,
                        objective: evaluator.objective_of(&point),
                        feasible: evaluator.feasible(&point),
                        point: Some(point),
                    }
                }
                Err(_) => SweepRow {
                    grid: g,
                    index,
                    point: None,
                    objective: f64::NAN,
                    feasible: false,
                },
            };
            progress(1);
            row
        })
        .collect()
}
