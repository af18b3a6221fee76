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
//!
//! The likelihood fixes each cell's mass, not its shape inside: [`shaped`]
//! turns the masses into pieces, uniform on short cells and log-linear on
//! long ones, each cell's mass kept exactly.

use super::Piece;
use super::read::Bracket;
use super::smooth::smooth;

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
/// bracket; a censored bracket runs to the last end), `shrink` ≥ 0, each
/// step followed by [`smooth`] at strength `smoothing` in [0, 1] (0: none).
pub fn histogram(brackets: &[Bracket], ends: &[f64], shrink: f64, smoothing: f64) -> Histogram {
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
    let (mut next, mut flux) = (vec![0.0; m], vec![0.0; m]);
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
        for c in 0..m {
            next[c] = (mass[c] * weight[c] + pseudo * spread[c]) / (n + pseudo);
        }
        smooth(ends, &mut next, smoothing, &mut flux);
        let mut moved = 0.0_f64;
        for c in 0..m {
            moved = moved.max((next[c] - mass[c]).abs());
            mass[c] = next[c];
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

/// A cell at least this many times the median cell width gets a shaped density…
pub const LONG: f64 = 10.0;
/// …in this many uniform parts…
pub const PARTS: usize = 4;
/// …its log-density's slope this many times the one toward its neighbour.
pub const STEEPNESS: f64 = 2.0;

/// The most a shaped cell's log-density rises (or falls) across it.
const MAX_RISE: f64 = 40.0;

/// The cells' masses as pieces, each cell's mass kept exactly. A short cell
/// is one uniform piece. A long one (at least [`LONG`] × the median cell
/// width, not the first or the last) gets a log-linear density,
/// `∝ e^(g·x)` over it, in [`PARTS`] uniform parts of its exact masses:
/// uniform over a long cell, the mass of a rising tail (mixed.toml's
/// films between the clips' end at 15 s and the schedule's second check
/// near 300 s) lies at its start, where no job ends, and the schedule
/// fitted to it checks there. `g` is [`STEEPNESS`] × the slope of
/// `ln(mass/width)` from this cell's midpoint to its neighbour's, on the
/// side where that slope is smaller in magnitude (the smoother side: the
/// clips' cell next to the films' tail is not). The steepness is measured:
/// with the true masses on the optimal schedule's cells of mixed.toml's
/// workload, every interior cell shaped in four parts, the schedule fitted
/// costs +4.4 % over the optimum flat, +0.8 % at steepness 1, +0.2 % at 2
/// (the log-normal's left tail rises faster than an exponential).
pub fn shaped(ends: &[f64], masses: &[f64]) -> Vec<Piece> {
    let m = masses.len();
    let width: Vec<f64> = ends.windows(2).map(|w| w[1] - w[0]).collect();
    let mid: Vec<f64> = ends.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    let log_density: Vec<f64> = masses
        .iter()
        .zip(&width)
        .map(|(p, h)| (p / h).ln())
        .collect();
    let mut sorted = width.clone();
    sorted.sort_by(f64::total_cmp);
    let long = LONG * sorted[m / 2];
    let mut pieces = Vec::with_capacity(m);
    for c in 0..m {
        let (lo, hi, h) = (ends[c], ends[c + 1], width[c]);
        let g = if c == 0 || c + 1 == m || h < long || masses[c] <= 0.0 {
            0.0
        } else {
            // A neighbour without mass gives an infinite slope: the other side.
            let left = (log_density[c] - log_density[c - 1]) / (mid[c] - mid[c - 1]);
            let right = (log_density[c + 1] - log_density[c]) / (mid[c + 1] - mid[c]);
            let g = match (left.is_finite(), right.is_finite()) {
                (true, true) if left.abs() < right.abs() => left,
                (true, true) | (false, true) => right,
                (true, false) => left,
                (false, false) => 0.0,
            };
            // Bounded so that e^(gh) stays finite: a density e^40 times as
            // high at one end of a cell as at the other is shape enough, and
            // past about e^709 the shares below would be inf / inf.
            (STEEPNESS * g).clamp(-MAX_RISE / h, MAX_RISE / h)
        };
        if g * h == 0.0 {
            pieces.push(Piece {
                lo,
                hi,
                mass: masses[c],
            });
            continue;
        }
        // The share of the cell's mass before x is (e^(g(x−lo)) − 1) / (e^(gh) − 1).
        let total = (g * h).exp_m1();
        let mut before = 0.0;
        for k in 1..=PARTS {
            let (a, b) = (
                lo + h * (k - 1) as f64 / PARTS as f64,
                if k == PARTS {
                    hi
                } else {
                    lo + h * k as f64 / PARTS as f64
                },
            );
            let upto = if k == PARTS {
                1.0
            } else {
                (g * (b - lo)).exp_m1() / total
            };
            pieces.push(Piece {
                lo: a,
                hi: b,
                mass: masses[c] * (upto - before),
            });
            before = upto;
        }
    }
    pieces
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
            let h = histogram(&brackets, &[0.0, 10.0, 20.0, 40.0], shrink, 0.0);
            assert!(h.converged, "{h:?}");
            for (got, want) in h.masses.iter().zip([0.5, 0.25, 0.25]) {
                assert!((got - want).abs() < 1e-9, "{h:?}");
            }
        }
    }

    #[test]
    fn smoothing_moves_the_shares_toward_a_common_density() {
        // Brackets that are each one cell: a Turnbull step gives each cell
        // its share of jobs whatever the masses were, so the EMS fixed point
        // is one smoothing step of the shares. 3 jobs in (0, 1], 1 in (1, 2]:
        // (3/4, 1/4) less t = ½·1·(3/4 − 1/4)·e^(−(ln 3)²/4) = 0.184 89….
        let brackets = [b(0.0, 1.0), b(0.0, 1.0), b(0.0, 1.0), b(1.0, 2.0)];
        let h = histogram(&brackets, &[0.0, 1.0, 2.0], 0.0, 1.0);
        let t = 0.25 * (-(3.0_f64.ln().powi(2)) / 4.0).exp();
        assert!((t - 0.184_89).abs() < 1e-5);
        assert!(h.converged, "{h:?}");
        assert!((h.masses[0] - (0.75 - t)).abs() < 1e-9, "{h:?}");
        // Shares already of one density (0.025 per second on cells of
        // widths 10, 10, 20) are not moved.
        let even = [b(0.0, 10.0), b(10.0, 20.0), b(20.0, 40.0), b(20.0, 40.0)];
        let h = histogram(&even, &[0.0, 10.0, 20.0, 40.0], 0.5, 1.0);
        for (got, want) in h.masses.iter().zip([0.25, 0.25, 0.5]) {
            assert!((got - want).abs() < 1e-9, "{h:?}");
        }
    }

    #[test]
    fn a_long_cell_gets_a_log_linear_density_and_keeps_its_mass() {
        // Widths 1, 1, 20, 1: the median width is 1, so only (2, 22] is long.
        // Densities 0.3, 0.3, 0.01, 0.2. Toward the left the log-density
        // falls by ln 30 over 10.5 s, toward the right it rises by ln 20 over
        // 10.5 s, the smaller: g = 2·ln 20 / 10.5, and the part (a, b] of
        // the cell holds 0.2·(e^(g(b−2)) − e^(g(a−2))) / (e^(20g) − 1).
        let ends = [0.0, 1.0, 2.0, 22.0, 23.0];
        let masses = [0.3, 0.3, 0.2, 0.2];
        let pieces = shaped(&ends, &masses);
        assert_eq!(pieces.len(), 3 + PARTS);
        let g = 2.0 * 20.0_f64.ln() / 10.5;
        let share = |x: f64| ((g * x).exp() - 1.0) / ((g * 20.0).exp() - 1.0);
        let long = &pieces[2..2 + PARTS];
        for (k, p) in long.iter().enumerate() {
            let (a, b) = (5.0 * k as f64, 5.0 * (k + 1) as f64);
            assert_eq!((p.lo, p.hi), (2.0 + a, 2.0 + b), "{pieces:?}");
            assert!(
                (p.mass - 0.2 * (share(b) - share(a))).abs() < 1e-12,
                "{pieces:?}"
            );
        }
        // Rising, all of the cell's mass, the short cells untouched.
        assert!(long.windows(2).all(|w| w[0].mass < w[1].mass), "{long:?}");
        let kept: f64 = long.iter().map(|p| p.mass).sum();
        assert!((kept - 0.2).abs() < 1e-12);
        assert_eq!((pieces[0].mass, pieces[1].mass), (0.3, 0.3));
        assert_eq!(
            (pieces[6].lo, pieces[6].hi, pieces[6].mass),
            (22.0, 23.0, 0.2)
        );
        // As long a cell between neighbours of its own density stays uniform,
        // as does one at either end.
        let flat = shaped(&ends, &[0.01, 0.01, 0.2, 0.01]);
        assert_eq!(flat.len(), 4);
        let flat = shaped(&[0.0, 1.0, 2.0, 3.0, 23.0], &[0.1, 0.2, 0.3, 0.4]);
        assert_eq!(flat.len(), 4);
    }

    #[test]
    fn a_cell_between_neighbours_of_wildly_different_density_keeps_its_mass() {
        // Neighbours 10^-120 and 10^-130 as dense as the long cell: unbounded,
        // g·h would be about 1,100 and the shares inf / inf. Bounded, the
        // log-density rises by 40 across the cell, every part is finite and
        // the parts hold the cell's mass.
        let ends = [0.0, 1.0, 2.0, 22.0, 23.0];
        let masses = [0.3, 1e-120, 0.4, 1e-130];
        let pieces = shaped(&ends, &masses);
        let long = &pieces[2..2 + PARTS];
        assert!(
            long.iter().all(|p| p.mass.is_finite() && p.mass >= 0.0),
            "{long:?}"
        );
        let kept: f64 = long.iter().map(|p| p.mass).sum();
        assert!((kept - 0.4).abs() < 1e-12, "{long:?}");
        // Rising toward the denser (right, 10^-130 is further) or falling:
        // whichever, the steepest part holds e^40's worth over the first.
        let (first, last) = (long[0].mass, long[PARTS - 1].mass);
        let ratio = first.max(last) / first.min(last).max(f64::MIN_POSITIVE);
        assert!(ratio > 1e10, "{long:?}");
    }

    #[test]
    fn shrinking_keeps_mass_where_only_wide_brackets_reach() {
        // Cells (0, 1], (1, 2]; a = 2 jobs in (0, 1], c = 2 in (0, 2].
        // Unshrunk, the likelihood p_A^a is largest at p_A = 1. Shrunk by λ,
        // with u_A = (a + c/2)/n, the fixed point of the step is
        // p_A = (a(1 + λ) + λc/2) / (n(1 + λ) − c) = 3.5/4 at λ = 1/2.
        let brackets = [b(0.0, 1.0), b(0.0, 1.0), b(0.0, 2.0), b(0.0, 2.0)];
        let ends = [0.0, 1.0, 2.0];
        let unshrunk = histogram(&brackets, &ends, 0.0, 0.0);
        assert!(unshrunk.masses[1] < 1e-3, "{unshrunk:?}");
        let shrunk = histogram(&brackets, &ends, 0.5, 0.0);
        assert!(shrunk.converged);
        assert!((shrunk.masses[0] - 0.875).abs() < 1e-7, "{shrunk:?}");
        // A bracket inside one cell counts by its share of that cell:
        // (0, 0.5] and (1, 2] alone give u = (1/2, 1/2), and the
        // likelihood (p_A/2)·p_B is largest at p_A = p_B = 1/2.
        let h = histogram(&[b(0.0, 0.5), b(1.0, 2.0)], &ends, 0.0, 0.0);
        assert!((h.masses[0] - 0.5).abs() < 1e-9, "{h:?}");
    }
}
