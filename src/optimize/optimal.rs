//! The cost-optimal checking schedule for a known duration distribution
//! (the optimal checking problem of Barlow, Hunter and Proschan).
//!
//! A check costs `c_call` and a second of detection delay `c_delay`; a check only
//! reveals "not done yet". For check times `t_1 < … < t_n` the expected cost is
//! `Σ_k [c_call·S(t_{k−1}) + c_delay·(t_k·(S(t_{k−1}) − S(t_k)) − (T(t_{k−1}) − T(t_k)))]`.
//! No policy, adaptive or not, does better: a non-final answer carries no other
//! information, so every policy is some schedule.
//!
//! **Dynamic programming.** On a grid `g_0 < … < g_N` (from the last time every
//! job is still running to the end of the support, with the distribution's
//! breakpoints on the grid), the cost-to-go after a check at `g_i` is
//! `f(i) = c_call·S_i − c_delay·T_i + min_{j>i} [c_delay·g_j·S_i + c_delay·(T_j − g_j·S_j) + f(j)]`,
//! `f(N) = 0`. The minimum is over lines in `S_i` (slope `c_delay·g_j`), so a Li
//! Chao tree answers each step in O(log N): O(N log N) in all instead of O(N²).
//!
//! **Polish.** The grid schedule's times are then moved off the grid, one at a
//! time, by golden-section search on the exact local cost (only the two terms
//! that contain `t_k` change), until no move gains. The cost difference between
//! the grid optimum and the polished schedule is the grid-step error.

use crate::metrics::Scoring;
use crate::policy::{Family, Limits, PolicySpec, Schedule, ScheduleEnd};
use crate::sim::exact::evaluate_times;
use crate::workload::Distribution;

/// Tail mass beyond which an unbounded distribution is cut for the DP.
const TAIL: f64 = 1e-9;

/// The cost-optimal checking schedule and how close the grid came to it.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimalSchedule {
    /// Polished check times.
    pub times: Vec<f64>,
    /// Expected cost per job of the polished schedule.
    pub cost: f64,
    /// The grid optimum before polishing, and its cost.
    pub grid_times: Vec<f64>,
    /// Expected cost per job of the grid optimum.
    pub grid_cost: f64,
    /// Grid step (seconds) and number of grid points.
    pub grid_step: f64,
    /// Number of grid points.
    pub grid_points: usize,
    /// Expected calls per job, as deployed (repeating the last interval).
    pub calls: f64,
    /// Expected delay of detected jobs, seconds, as deployed.
    pub delay: f64,
}

/// Name of the optimal schedule as a policy (in tuned.toml, plots and reports).
pub const OPTIMAL_NAME: &str = "optimal-schedule";

/// The optimal schedule as the policy that deploys it: its check times, then
/// the last interval repeated.
pub fn deployed(times: &[f64]) -> PolicySpec {
    PolicySpec::new(
        OPTIMAL_NAME,
        Family::Schedule(
            Schedule::new(times.to_vec(), ScheduleEnd::Repeat).expect("optimal times increase"),
        ),
        Limits::default(),
    )
    .expect("a valid schedule")
}

/// Expected cost per job of `times` (the policy never gives up).
pub fn schedule_cost(times: &[f64], dist: &Distribution, scoring: &Scoring) -> f64 {
    let e = evaluate_times(times, false, dist);
    scoring.call_price * e.calls + scoring.delay_price * e.delay
}

/// The last time at which every job is surely still running.
fn lower_support(dist: &Distribution) -> f64 {
    let mut lo = 0.0;
    let mut hi = dist.upper(TAIL);
    if dist.survival(0.0) < 1.0 {
        return 0.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if dist.survival(mid) >= 1.0 {
            lo = mid
        } else {
            hi = mid
        }
    }
    lo
}

/// The dynamic programme's optimum on a grid of about `points` steps (the
/// distribution's breakpoints added), unpolished: O(N log N) in the grid's
/// N points. Returns the check times, the grid step and the number of points.
/// The learned policy calls it at every refit; [`optimal_schedule`] polishes it.
pub fn grid_optimum(
    dist: &Distribution,
    scoring: &Scoring,
    points: usize,
) -> (Vec<f64>, f64, usize) {
    let start = lower_support(dist);
    let end = dist.upper(TAIL);
    let points = points.max(2);
    let step = (end - start) / points as f64;
    let mut grid: Vec<f64> = (0..=points).map(|i| start + i as f64 * step).collect();
    grid.extend(
        dist.breakpoints()
            .into_iter()
            .filter(|b| *b > start && *b < end),
    );
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    (solve_on_grid(&grid, dist, scoring), step, grid.len())
}

/// Computes the optimal schedule on a grid of about `points` steps, then polishes it.
pub fn optimal_schedule(dist: &Distribution, scoring: &Scoring, points: usize) -> OptimalSchedule {
    let (grid_times, step, grid_points) = grid_optimum(dist, scoring, points);
    let grid_cost = schedule_cost(&grid_times, dist, scoring);
    let times = polish(grid_times.clone(), dist, scoring);
    // Costed as it is deployed (tuned.toml's `then = "repeat"`): for an
    // unbounded distribution the checks go on past the DP's cut, and the tail
    // beyond it is paid for, exactly as `simulate` costs the same policy.
    let exact = crate::sim::evaluate(&deployed(&times), dist)
        .unwrap_or_else(|| evaluate_times(&times, false, dist));
    OptimalSchedule {
        cost: scoring.call_price * exact.calls + scoring.delay_price * exact.delay,
        calls: exact.calls,
        delay: exact.delay,
        times,
        grid_times,
        grid_cost,
        grid_step: step,
        grid_points,
    }
}

/// Exact DP over the grid; returns the optimal check times (all after `grid[0]`).
fn solve_on_grid(grid: &[f64], dist: &Distribution, scoring: &Scoring) -> Vec<f64> {
    let n = grid.len() - 1;
    let s: Vec<f64> = grid.iter().map(|&t| dist.survival(t)).collect();
    let tt: Vec<f64> = grid.iter().map(|&t| dist.partial_expectation(t)).collect();
    let (cc, cd) = (scoring.call_price, scoring.delay_price);
    // Query points S_i, ascending, for the Li Chao tree.
    let mut xs: Vec<f64> = s[..n].to_vec();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut tree = LiChao::new(xs);
    let mut f = vec![0.0; n + 1];
    let mut next = vec![n; n + 1];
    let line = |j: usize, f_j: f64| Line {
        slope: cd * grid[j],
        intercept: cd * (tt[j] - grid[j] * s[j]) + f_j,
        id: j,
    };
    tree.insert(line(n, 0.0));
    for i in (0..n).rev() {
        let (value, j) = tree.query(s[i]);
        f[i] = cc * s[i] - cd * tt[i] + value;
        next[i] = j;
        tree.insert(line(i, f[i]));
    }
    let mut times = Vec::new();
    let mut i = 0;
    while i < n {
        i = next[i];
        times.push(grid[i]);
    }
    times
}

#[derive(Clone, Copy, Debug)]
struct Line {
    slope: f64,
    intercept: f64,
    id: usize,
}

impl Line {
    fn at(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }
}

/// Minimum of lines at known query points, O(log N) per insert and query.
struct LiChao {
    xs: Vec<f64>,
    nodes: Vec<Option<Line>>,
}

impl LiChao {
    fn new(xs: Vec<f64>) -> Self {
        let size = 4 * xs.len().max(1);
        Self {
            xs,
            nodes: vec![None; size],
        }
    }

    fn insert(&mut self, line: Line) {
        let (mut node, mut lo, mut hi) = (1, 0, self.xs.len() - 1);
        let mut new = line;
        loop {
            let Some(mut cur) = self.nodes[node] else {
                self.nodes[node] = Some(new);
                return;
            };
            let mid = (lo + hi) / 2;
            let (xl, xm) = (self.xs[lo], self.xs[mid]);
            // Keep the line that is lower at mid in this node.
            if new.at(xm) < cur.at(xm) {
                std::mem::swap(&mut cur, &mut new);
                self.nodes[node] = Some(cur);
            }
            if lo == hi {
                return;
            }
            if new.at(xl) < cur.at(xl) {
                node *= 2;
                hi = mid;
            } else if new.at(self.xs[hi]) < cur.at(self.xs[hi]) {
                node = 2 * node + 1;
                lo = mid + 1;
            } else {
                return;
            }
        }
    }

    fn query(&self, x: f64) -> (f64, usize) {
        let pos = self.xs.partition_point(|&v| v < x).min(self.xs.len() - 1);
        let (mut node, mut lo, mut hi) = (1, 0, self.xs.len() - 1);
        let mut best = (f64::INFINITY, usize::MAX);
        while let Some(line) = self.nodes.get(node).copied().flatten() {
            let y = line.at(x);
            if y < best.0 || (y == best.0 && line.id < best.1) {
                best = (y, line.id);
            }
            if lo == hi {
                break;
            }
            let mid = (lo + hi) / 2;
            if pos <= mid {
                node *= 2;
                hi = mid;
            } else {
                node = 2 * node + 1;
                lo = mid + 1;
            }
        }
        best
    }
}

/// Moves each check time (but the last, which stays at the end of the support)
/// to the minimum of its exact local cost, until nothing moves.
fn polish(mut times: Vec<f64>, dist: &Distribution, scoring: &Scoring) -> Vec<f64> {
    let (cc, cd) = (scoring.call_price, scoring.delay_price);
    let s = |t: f64| dist.survival(t);
    let tt = |t: f64| dist.partial_expectation(t);
    let n = times.len();
    // The terms of the total cost that contain t_k.
    let local = |prev: f64, t: f64, next: Option<f64>| -> f64 {
        let mut c = cd * (t * (s(prev) - s(t)) - (tt(prev) - tt(t)));
        if let Some(nx) = next {
            c += cc * s(t) + cd * (nx * (s(t) - s(nx)) - (tt(t) - tt(nx)));
        }
        c
    };
    let start = lower_support(dist);
    for _sweep in 0..100 {
        let mut moved = 0.0f64;
        for k in 0..n.saturating_sub(1) {
            let prev = if k == 0 { start } else { times[k - 1] };
            let next = times[k + 1];
            let (mut a, mut b) = (prev, next);
            let phi = 0.5 * (5f64.sqrt() - 1.0);
            let mut x1 = b - phi * (b - a);
            let mut x2 = a + phi * (b - a);
            let (mut f1, mut f2) = (local(prev, x1, Some(next)), local(prev, x2, Some(next)));
            for _ in 0..80 {
                if f1 <= f2 {
                    b = x2;
                    x2 = x1;
                    f2 = f1;
                    x1 = b - phi * (b - a);
                    f1 = local(prev, x1, Some(next));
                } else {
                    a = x1;
                    x1 = x2;
                    f1 = f2;
                    x2 = a + phi * (b - a);
                    f2 = local(prev, x2, Some(next));
                }
            }
            let candidate = 0.5 * (a + b);
            if local(prev, candidate, Some(next)) < local(prev, times[k], Some(next)) {
                moved = moved.max((candidate - times[k]).abs());
                times[k] = candidate;
            }
        }
        if moved < 1e-9 {
            break;
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Distribution, Uniform};

    fn uniform(a: f64, b: f64) -> Distribution {
        Distribution::Uniform(Uniform::between(a, b).unwrap())
    }

    #[test]
    fn li_chao_finds_the_lowest_line() {
        let xs: Vec<f64> = (0..50).map(|i| f64::from(i) / 49.0).collect();
        let mut tree = LiChao::new(xs.clone());
        let lines: Vec<Line> = (0..30)
            .map(|i| Line {
                slope: (f64::from(i) * 1.7).sin() * 5.0,
                intercept: (f64::from(i) * 0.9).cos(),
                id: i as usize,
            })
            .collect();
        for (count, line) in lines.iter().enumerate() {
            tree.insert(*line);
            for &x in &xs {
                let brute = lines[..=count]
                    .iter()
                    .map(|l| l.at(x))
                    .fold(f64::INFINITY, f64::min);
                assert!((tree.query(x).0 - brute).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn dp_equals_brute_force_on_a_small_grid() {
        let dist = uniform(3.0, 17.0);
        let scoring = Scoring {
            call_price: 1.0,
            delay_price: 0.7,
            ..Scoring::default()
        };
        let grid: Vec<f64> = (0..=40).map(|i| 3.0 + f64::from(i) * 14.0 / 40.0).collect();
        let fast = solve_on_grid(&grid, &dist, &scoring);
        // O(N²) reference.
        let n = grid.len() - 1;
        let s: Vec<f64> = grid.iter().map(|&t| dist.survival(t)).collect();
        let tt: Vec<f64> = grid.iter().map(|&t| dist.partial_expectation(t)).collect();
        let mut f = vec![0.0; n + 1];
        for i in (0..n).rev() {
            f[i] = (i + 1..=n)
                .map(|j| {
                    scoring.call_price * s[i]
                        + scoring.delay_price * (grid[j] * (s[i] - s[j]) - (tt[i] - tt[j]))
                        + f[j]
                })
                .fold(f64::INFINITY, f64::min);
        }
        assert!((schedule_cost(&fast, &dist, &scoring) - f[0]).abs() < 1e-9);
    }
}
