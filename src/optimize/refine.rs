//! Local refinement below the grid's resolution: coordinate search.
//!
//! Starting from a family's best grid point, each numeric parameter is moved by
//! a step (first half the local grid spacing) up and down; improvements are
//! kept, and the step halves when neither direction helps. Bounded by the axis's
//! range and by an evaluation budget. Common random numbers keep the comparison
//! of neighbouring candidates free of sampling noise.

use super::grid::{Axis, Grid, spec_from_table};
use toml::Value;

/// Evaluations one refinement may spend.
pub const BUDGET: usize = 300;

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Integer(i) => *i as f64,
        _ => f64::NAN,
    }
}

fn integral(axis: &Axis) -> bool {
    axis.values.iter().all(|v| matches!(v, Value::Integer(_)))
}

/// The refined axis values and their objective, if better than `start_objective`.
pub fn refine(
    grid: &Grid,
    start: &[usize],
    start_objective: f64,
    mut objective: impl FnMut(&crate::policy::PolicySpec) -> Option<f64>,
) -> Option<(Vec<(String, Value)>, f64)> {
    let mut values: Vec<(String, Value)> = grid
        .axes
        .iter()
        .zip(start)
        .map(|(a, &i)| (a.name.clone(), a.values[i].clone()))
        .collect();
    let numeric: Vec<usize> = (0..grid.axes.len())
        .filter(|&i| grid.axes[i].numeric && grid.axes[i].values.len() > 1)
        .collect();
    if numeric.is_empty() {
        return None;
    }
    let bounds: Vec<(f64, f64)> = grid
        .axes
        .iter()
        .map(|a| {
            let xs: Vec<f64> = a.values.iter().map(as_f64).collect();
            (
                xs.iter().copied().fold(f64::INFINITY, f64::min),
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            )
        })
        .collect();
    let mut steps: Vec<f64> = grid
        .axes
        .iter()
        .zip(start)
        .map(|(a, &i)| {
            let x = as_f64(&a.values[i]);
            let neighbours = [i.checked_sub(1), Some(i + 1)];
            let gap = neighbours
                .iter()
                .flatten()
                .filter_map(|&j| a.values.get(j))
                .map(|v| (as_f64(v) - x).abs())
                .fold(f64::INFINITY, f64::min);
            if gap.is_finite() { gap / 2.0 } else { 0.0 }
        })
        .collect();
    let mut best = start_objective;
    let mut improved = false;
    let mut spent = 0;
    while spent < BUDGET {
        let mut moved = false;
        for &i in &numeric {
            for direction in [1.0, -1.0] {
                let x = as_f64(&values[i].1);
                let mut candidate = (x + direction * steps[i]).clamp(bounds[i].0, bounds[i].1);
                let value = if integral(&grid.axes[i]) {
                    candidate = candidate.round();
                    Value::Integer(candidate as i64)
                } else {
                    Value::Float(candidate)
                };
                if candidate == x {
                    continue;
                }
                let mut trial = values.clone();
                trial[i].1 = value;
                spent += 1;
                let Ok(spec) = spec_from_table(grid.table_with(&trial)) else {
                    continue;
                };
                if let Some(score) = objective(&spec).filter(|s| *s < best) {
                    best = score;
                    values = trial;
                    moved = true;
                    improved = true;
                    break;
                }
            }
        }
        if !moved {
            let mut any = false;
            for &i in &numeric {
                steps[i] /= 2.0;
                let scale = as_f64(&values[i].1).abs().max(1e-9);
                any |= steps[i] > 1e-6 * scale && !(integral(&grid.axes[i]) && steps[i] < 0.5);
            }
            if !any {
                break;
            }
        }
    }
    improved.then_some((values, best))
}
