//! The Turnbull estimate: the non-parametric maximum-likelihood distribution of
//! interval-censored durations, by the self-consistency (EM) algorithm.
//!
//! Each job says only `D ∈ (L, R]`. The likelihood `Π_i P(D ∈ (L_i, R_i])`
//! depends on a distribution only through the masses it gives the *Turnbull
//! intervals*, the innermost intervals `(q, p]` with `q` some `L`, `p` some `R`
//! and no endpoint strictly between (Turnbull 1976); at most one of them is
//! `(q, ∞)`. Brackets are disjoint from or contain each Turnbull interval, and
//! the ones a bracket contains are a contiguous run, so one EM step
//! `s_j ← s_j · (1/n) Σ_{i ∋ j} 1/P_i` costs O(brackets + intervals) with
//! prefix sums. Identical brackets (every job of a fixed check grid falls in
//! one of a few cells) are merged with a count first.

use super::read::Bracket;

/// The EM stops once no mass moves by more than this in one step…
pub const TOLERANCE: f64 = 1e-10;
/// …or after this many steps (then `converged` is false).
pub const MAX_ITERATIONS: usize = 10_000;

/// The estimate: masses on the Turnbull intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct Npmle {
    /// `(q, p, mass)`, in time order; `p = ∞` for the censored tail.
    pub intervals: Vec<(f64, f64, f64)>,
    /// EM steps taken.
    pub iterations: usize,
    /// Whether the EM met [`TOLERANCE`] within [`MAX_ITERATIONS`].
    pub converged: bool,
}

/// One distinct bracket, the jobs that share it, and the run of Turnbull
/// intervals `[first, end)` inside it.
struct Group {
    count: f64,
    first: usize,
    end: usize,
}

/// The Turnbull intervals of `brackets`, in time order.
fn innermost(brackets: &[Bracket]) -> Vec<(f64, f64)> {
    // (value, is_left): at a tie a right end sorts first, because (a, x] and
    // (x, b] do not overlap.
    let mut ends: Vec<(f64, bool)> = brackets
        .iter()
        .flat_map(|b| {
            let right = b.high.is_finite().then_some((b.high, false));
            std::iter::once((b.low, true)).chain(right)
        })
        .collect();
    ends.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = Vec::new();
    for pair in ends.windows(2) {
        if pair[0].1 && !pair[1].1 {
            out.push((pair[0].0, pair[1].0));
        }
    }
    // Only a censored bracket can leave a left end last: its interval runs to ∞.
    if let Some(&(q, true)) = ends.last() {
        out.push((q, f64::INFINITY));
    }
    out
}

/// The Turnbull estimate of `brackets` (at least one, not all censored).
pub fn estimate(brackets: &[Bracket]) -> Npmle {
    let intervals = innermost(brackets);
    let mut distinct: Vec<(f64, f64)> = brackets.iter().map(|b| (b.low, b.high)).collect();
    distinct.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut groups: Vec<Group> = Vec::new();
    let mut last: Option<(f64, f64)> = None;
    for (low, high) in distinct {
        if last == Some((low, high)) {
            groups.last_mut().expect("a group").count += 1.0;
            continue;
        }
        last = Some((low, high));
        let first = intervals.partition_point(|&(q, _)| q < low);
        let end = intervals.partition_point(|&(_, p)| p <= high);
        debug_assert!(first < end, "every bracket holds a Turnbull interval");
        groups.push(Group {
            count: 1.0,
            first,
            end: end.max(first + 1),
        });
    }
    let n = brackets.len() as f64;
    let m = intervals.len();
    // Start from each bracket's jobs spread evenly over its own intervals.
    let mut mass = vec![0.0; m];
    for g in &groups {
        let share = g.count / (n * (g.end - g.first) as f64);
        for s in &mut mass[g.first..g.end] {
            *s += share;
        }
    }
    let mut prefix = vec![0.0; m + 1];
    let mut weight = vec![0.0; m + 1];
    let (mut iterations, mut converged) = (0, false);
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        for j in 0..m {
            prefix[j + 1] = prefix[j] + mass[j];
        }
        // weight[j] = Σ over groups holding j of count / P(group), by a
        // difference array.
        weight.iter_mut().for_each(|w| *w = 0.0);
        for g in &groups {
            let p = prefix[g.end] - prefix[g.first];
            if p > 0.0 {
                weight[g.first] += g.count / p;
                weight[g.end] -= g.count / p;
            }
        }
        let (mut running, mut moved) = (0.0, 0.0_f64);
        for j in 0..m {
            running += weight[j];
            let next = mass[j] * running / n;
            moved = moved.max((next - mass[j]).abs());
            mass[j] = next;
        }
        if moved <= TOLERANCE {
            converged = true;
            break;
        }
    }
    Npmle {
        intervals: intervals
            .into_iter()
            .zip(mass)
            .map(|((q, p), s)| (q, p, s))
            .collect(),
        iterations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(low: f64, high: f64) -> Bracket {
        Bracket { low, high }
    }

    #[test]
    fn innermost_intervals_follow_turnbull() {
        // (0,10], (5,20], (15,∞): innermost (5,10] and (15,20]; no (q,∞) since 20 > 15.
        let got = innermost(&[b(0.0, 10.0), b(5.0, 20.0), b(15.0, f64::INFINITY)]);
        assert_eq!(got, vec![(5.0, 10.0), (15.0, 20.0)]);
        // Touching brackets stay apart; a censored one beyond all gives (q, ∞).
        let got = innermost(&[b(0.0, 10.0), b(10.0, 20.0), b(30.0, f64::INFINITY)]);
        assert_eq!(got, vec![(0.0, 10.0), (10.0, 20.0), (30.0, f64::INFINITY)]);
    }

    #[test]
    fn disjoint_brackets_get_their_share_of_jobs_at_once() {
        let e = estimate(&[
            b(0.0, 10.0),
            b(0.0, 10.0),
            b(10.0, 20.0),
            b(30.0, f64::INFINITY),
        ]);
        assert!(e.converged && e.iterations == 1, "{e:?}");
        let masses: Vec<f64> = e.intervals.iter().map(|i| i.2).collect();
        assert_eq!(masses, vec![0.5, 0.25, 0.25]);
    }

    #[test]
    fn overlapping_brackets_reach_the_closed_form_maximum() {
        // Jobs (0,2], (1,3], (1,3]: Turnbull intervals (1,2] only, so all mass there.
        let e = estimate(&[b(0.0, 2.0), b(1.0, 3.0), b(1.0, 3.0)]);
        assert_eq!(e.intervals.len(), 1);
        assert!((e.intervals[0].2 - 1.0).abs() < 1e-12);
        // (0,2], (1,3], (2,4]: intervals (1,2] and (2,3]; the likelihood
        // s1 · 1 · s2 with s1 + s2 = 1 is largest at s1 = s2 = 1/2.
        let e = estimate(&[b(0.0, 2.0), b(1.0, 3.0), b(2.0, 4.0)]);
        assert!(e.converged);
        let masses: Vec<f64> = e.intervals.iter().map(|i| i.2).collect();
        assert!(masses.iter().all(|s| (s - 0.5).abs() < 1e-6), "{masses:?}");
        // (0,3], (0,1], (2,3], (2,3]: intervals (0,1] and (2,3]; the likelihood
        // s1 · (1 − s1)² is largest at s1 = 1/3.
        let e = estimate(&[b(0.0, 3.0), b(0.0, 1.0), b(2.0, 3.0), b(2.0, 3.0)]);
        assert!((e.intervals[0].2 - 1.0 / 3.0).abs() < 1e-6, "{e:?}");
    }
}
