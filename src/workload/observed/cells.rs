//! The interval-censored estimate on fixed cells: a histogram density by the
//! Turnbull self-consistency algorithm, shrunk toward each job spread over
//! its own bracket.
//!
//! With the density uniform on each cell `(e_c, e_{c+1}]` of mass `p_c`, a
//! job seen in `(L, R]` has probability `P = Σ_c p_c·w_c`, `w_c` the share
//! of cell `c` inside the bracket. Turnbull's step with the innermost
//! intervals replaced by the cells, `p_c ← p_c · (1/n) Σ_i w_ic / P_i`,
//! raises the likelihood `Π_i P_i`. Its maximum can be degenerate: three
//! brackets `(0, 10.5]` among many `(0, 15]` and none starting at 10.5 give
//! `(10.5, 15]` no mass at all, and a schedule fitted to that skips 15. So
//! each step adds `shrink·n` pseudo-jobs spread like the data themselves
//! (each job uniformly over its bracket, `u_c`):
//! `p_c ← (p_c Σ_i w_ic / P_i + shrink·n·u_c) / (n + shrink·n)`, the
//! maximum of the likelihood times `Π_c p_c^(shrink·n·u_c)` (a Dirichlet
//! prior centred on `u`). A bracket covers a run of cells, whole but for its
//! two end cells, so a step costs O(brackets + cells) with prefix sums.

use super::read::Bracket;

/// The iteration stops once no mass moves by more than this in one step…
pub const TOLERANCE: f64 = 1e-9;
/// …or after this many steps (then it has not converged).
pub const MAX_ITERATIONS: usize = 2_000;

/// One distinct bracket: its jobs, its end cells and the shares of them inside it.
struct Group {
    count: f64,
    first: usize,
    last: usize,
    first_share: f64,
    last_share: f64,
}

impl Group {
    /// `Σ_c w_c·x_c` over the bracket's cells, from prefix sums of `x`.
    fn sum(&self, x: &[f64], prefix: &[f64]) -> f64 {
        let mut p = self.first_share * x[self.first];
        if self.last > self.first {
            p += prefix[self.last] - prefix[self.first + 1] + self.last_share * x[self.last];
        }
        p
    }
}

/// The estimate's cell masses, EM steps taken and whether it converged.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Mass of each cell between consecutive ends, summing to 1.
    pub masses: Vec<f64>,
    /// Steps taken.
    pub iterations: usize,
    /// Whether no mass moved by more than [`TOLERANCE`] at the last step.
    pub converged: bool,
}

/// The estimate on the cells between `ends` (increasing, covering every
/// bracket; a censored bracket runs to the last end), `shrink` ≥ 0.
pub fn histogram(brackets: &[Bracket], ends: &[f64], shrink: f64) -> Histogram {
    let m = ends.len() - 1;
    let top = ends[m];
    let width: Vec<f64> = ends.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted: Vec<(f64, f64)> = brackets
        .iter()
        .map(|b| (b.low.max(ends[0]), b.high.min(top)))
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut groups: Vec<Group> = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for (low, high) in sorted {
        if previous == Some((low, high)) {
            groups.last_mut().expect("a group").count += 1.0;
            continue;
        }
        previous = Some((low, high));
        // The cell whose interior holds `low`, and the one `high` closes or is inside.
        let first = ends[1..].partition_point(|&e| e <= low).min(m - 1);
        let last = ends[1..]
            .partition_point(|&e| e < high)
            .min(m - 1)
            .max(first);
        let (first_share, last_share) = if first == last {
            ((high - low) / width[first], 0.0)
        } else {
            (
                (ends[first + 1] - low) / width[first],
                (high - ends[last]) / width[last],
            )
        };
        groups.push(Group {
            count: 1.0,
            first,
            last,
            first_share: first_share.clamp(0.0, 1.0),
            last_share: last_share.clamp(0.0, 1.0),
        });
    }
    let n = brackets.len() as f64;
    let mut prefix = vec![0.0; m + 1];
    // u: each job spread uniformly over its own bracket (the first guess too).
    for c in 0..m {
        prefix[c + 1] = prefix[c] + width[c];
    }
    let mut spread = vec![0.0; m];
    let mut runs = vec![0.0; m + 1];
    for g in &groups {
        let length = g.sum(&width, &prefix);
        if length > 0.0 {
            add(g, g.count / (n * length), &width, &mut spread, &mut runs);
        }
    }
    finish(&mut spread, &mut runs, &width);
    let ones = vec![1.0; m];
    let pseudo = shrink * n;
    let mut mass = spread.clone();
    let (mut iterations, mut converged) = (0, false);
    let mut weight = vec![0.0; m];
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        for c in 0..m {
            prefix[c + 1] = prefix[c] + mass[c];
        }
        weight.iter_mut().for_each(|w| *w = 0.0);
        runs.iter_mut().for_each(|w| *w = 0.0);
        for g in &groups {
            let p = g.sum(&mass, &prefix);
            if p > 0.0 {
                add(g, g.count / p, &ones, &mut weight, &mut runs);
            }
        }
        finish(&mut weight, &mut runs, &ones);
        let mut moved = 0.0_f64;
        for c in 0..m {
            let next = (mass[c] * weight[c] + pseudo * spread[c]) / (n + pseudo);
            moved = moved.max((next - mass[c]).abs());
            mass[c] = next;
        }
        if moved <= TOLERANCE {
            converged = true;
            break;
        }
    }
    let total: f64 = mass.iter().sum();
    Histogram {
        masses: mass.into_iter().map(|p| p / total).collect(),
        iterations,
        converged,
    }
}

/// Adds `value` times each cell's share of `g`, times `scale`, to `point`
/// (end cells) and to the difference array `runs` (whole cells between
/// them, scaled by [`finish`]).
fn add(g: &Group, value: f64, scale: &[f64], point: &mut [f64], runs: &mut [f64]) {
    point[g.first] += value * g.first_share * scale[g.first];
    if g.last > g.first {
        point[g.last] += value * g.last_share * scale[g.last];
        runs[g.first + 1] += value;
        runs[g.last] -= value;
    }
}

/// Folds the difference array `runs` into `point`, scaled by `scale` per cell.
fn finish(point: &mut [f64], runs: &mut [f64], scale: &[f64]) {
    let mut running = 0.0;
    for c in 0..point.len() {
        running += runs[c];
        point[c] += running * scale[c];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(low: f64, high: f64) -> Bracket {
        Bracket { low, high }
    }

    #[test]
    fn brackets_on_the_cells_get_their_share_of_jobs() {
        // Every bracket is one cell: the estimate is the share of jobs in
        // each, shrunk or not (the spread is the same shares).
        let brackets = [b(0.0, 10.0), b(0.0, 10.0), b(10.0, 20.0), b(20.0, 40.0)];
        for shrink in [0.0, 0.5] {
            let h = histogram(&brackets, &[0.0, 10.0, 20.0, 40.0], shrink);
            assert!(h.converged, "{h:?}");
            for (got, want) in h.masses.iter().zip([0.5, 0.25, 0.25]) {
                assert!((got - want).abs() < 1e-9, "{h:?}");
            }
        }
    }

    #[test]
    fn shrinking_keeps_mass_where_only_wide_brackets_reach() {
        // Cells (0, 1], (1, 2]; a = 2 jobs in (0, 1], c = 2 in (0, 2].
        // Unshrunk, the likelihood p_A^a is largest at p_A = 1. Shrunk by λ,
        // with u_A = (a + c/2)/n, the fixed point of the step is
        // p_A = (a(1 + λ) + λc/2) / (n(1 + λ) − c) = 3.5/4 at λ = 1/2.
        let brackets = [b(0.0, 1.0), b(0.0, 1.0), b(0.0, 2.0), b(0.0, 2.0)];
        let ends = [0.0, 1.0, 2.0];
        let unshrunk = histogram(&brackets, &ends, 0.0);
        assert!(unshrunk.masses[1] < 1e-3, "{unshrunk:?}");
        let shrunk = histogram(&brackets, &ends, 0.5);
        assert!(shrunk.converged);
        assert!((shrunk.masses[0] - 0.875).abs() < 1e-7, "{shrunk:?}");
        // A bracket inside one cell counts by its share of that cell:
        // (0, 0.5] and (1, 2] alone give u = (1/2, 1/2), and the
        // likelihood (p_A/2)·p_B is largest at p_A = p_B = 1/2.
        let h = histogram(&[b(0.0, 0.5), b(1.0, 2.0)], &ends, 0.0);
        assert!((h.masses[0] - 0.5).abs() < 1e-9, "{h:?}");
    }
}
