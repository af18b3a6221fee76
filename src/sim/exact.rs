//! Exact expectations of a deterministic schedule over a duration distribution.
//!
//! For check times `t1 < t2 < … < tK` (with `t0 = 0`, not a check), survival `S`
//! and partial expectation `T(t) = E[D; D > t]`, a job is seen at the first
//! `tk >= D`, so
//!
//! * `E[calls] = 1 + Σ_{k=2..K} S(t_{k−1})` (the first check always happens),
//! * `E[delay; detected] = Σ_k [ t_k (S(t_{k−1}) − S(t_k)) − (T(t_{k−1}) − T(t_k)) ]`,
//! * `P(give up) = S(t_K)` when the policy stops after `t_K`.

use crate::metrics::Exact;
use crate::policy::PolicySpec;
use crate::workload::Distribution;

/// Beyond this survival the tail of an unbounded distribution is ignored.
const TAIL: f64 = 1e-14;

/// Most check times an exact evaluation will generate.
pub const MAX_EXACT_CHECKS: usize = 10_000_000;

/// Exact `E[calls]`, `E[delay | detected]` and `P(give up)` of `times` over `dist`.
/// `gives_up`: the policy stops after the last time; otherwise the times must
/// reach the end of the distribution's support.
pub fn evaluate_times(times: &[f64], gives_up: bool, dist: &Distribution) -> Exact {
    let mut calls = 0.0;
    let mut delay = 0.0;
    let mut s_prev = 1.0;
    let mut t_prev = dist.partial_expectation(0.0);
    for &t in times {
        calls += s_prev;
        let s = dist.survival(t);
        let tail = dist.partial_expectation(t);
        delay += t * (s_prev - s) - (t_prev - tail);
        s_prev = s;
        t_prev = tail;
    }
    let give_up = if gives_up { s_prev } else { 0.0 };
    let detected = 1.0 - give_up;
    Exact {
        calls,
        delay: if detected > 0.0 {
            delay / detected
        } else {
            f64::NAN
        },
        give_up,
    }
}

/// Exact figures of a deterministic policy; `None` for jittered or learning ones.
pub fn evaluate(spec: &PolicySpec, dist: &Distribution) -> Option<Exact> {
    let horizon = dist.upper(TAIL);
    let checks = spec.check_times(horizon, MAX_EXACT_CHECKS)?;
    let covers = checks.gives_up || checks.times.last().is_some_and(|t| *t >= horizon);
    if !covers {
        return None;
    }
    Some(evaluate_times(&checks.times, checks.gives_up, dist))
}
