//! The thundering herd: 1,000 jobs submitted at t = 0, durations uniform on
//! [20, 40] s, capped exponential backoff without jitter against full jitter.
//!
//! Without jitter every job makes its k-th check at the same instant
//! `t_k = initial · (factor^k − 1) / (factor − 1)`; every job is still running
//! at the checks before 20 s, so those seconds see all N = 1,000 checks: the
//! peak is exactly N requests per second.
//!
//! With full jitter the k-th wait is `v_k · U_k`, U_k uniform on [0, 1), and the
//! k-th check time `T_k = Σ_{i≤k} v_i U_i`. A sum of independent variables has a
//! density no higher than any of its terms', so `f_{T_k} ≤ 1 / v_k`. The
//! expected number of checks in any one-second window is therefore at most
//! `N · Σ_k 1 / v_k`, and while the nominal grows geometrically (no cap before
//! the last job ends) `Σ_k 1 / v_k = 1 / (v_1 · (1 − 1/factor))`. The peak
//! falls by at least `v_1 · (1 − 1/factor)`.
//!
//! The comparison holds the mean wait fixed: the jittered policy's nominal
//! intervals are twice the plain one's (the mean of `v · U` is `v / 2`), so both
//! poll at the same mean rhythm and spend about as many calls. With plain
//! intervals 4, 8, 16, 32 s the jittered nominals are 8, 16, 32, 64 s:
//! predicted reduction ≥ 8 · (1 − 1/2) = 4.

use super::support::policy;
use pollsim::metrics::LoadStats;
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate_contention};
use pollsim::workload::{Distribution, JobSource, Uniform, Workload};

const JOBS: u64 = 1_000;

fn source() -> JobSource {
    let dist = Distribution::Uniform(Uniform::new(30.0, 10.0).unwrap());
    JobSource::new(Workload::new(dist, 0.0, None).unwrap(), 5)
}

fn herd() -> Vec<(LoadStats, u64, u64)> {
    let source = source();
    let policies = [
        policy("name = 'plain'\nkind = 'exponential'\ninitial = 4.0\nfactor = 2.0\ncap = 1000.0"),
        policy(
            "name = 'full'\nkind = 'exponential'\ninitial = 8.0\nfactor = 2.0\ncap = 1000.0\njitter = 'full'",
        ),
    ];
    let setup = Contention {
        source: &source,
        arrivals: &Arrivals::Batch,
        server: &ServerModel::default(),
        jobs: JOBS,
        seed: 5,
        options: RunOptions {
            clients: JOBS,
            ..RunOptions::default()
        },
    };
    simulate_contention(&setup, &policies)
        .iter()
        .map(|r| {
            let a = &r.run.accumulator;
            (r.load.stats(), a.calls().sum() as u64, a.given_up)
        })
        .collect()
}

#[test]
fn full_jitter_lowers_the_peak_by_the_predicted_factor_at_equal_calls() {
    let runs = herd();
    let (plain, plain_calls, plain_lost) = runs[0];
    let (full, full_calls, full_lost) = runs[1];
    eprintln!("plain: {plain:?}, {plain_calls} calls; full jitter: {full:?}, {full_calls} calls");
    // Exact: every job checks at 4 s (and 12 s) together.
    assert_eq!(plain.peak_rps, JOBS as f64);
    let v1 = 8.0;
    let factor = 2.0;
    let predicted = v1 * (1.0 - 1.0 / factor);
    assert!(
        plain.peak_rps / full.peak_rps >= predicted,
        "peak {} → {}: reduction {:.2} below the predicted {predicted}",
        plain.peak_rps,
        full.peak_rps,
        plain.peak_rps / full.peak_rps
    );
    // Exact for the plain schedule (checks at 4, 12, 28, 60 s): 3 calls when
    // D ≤ 28, else 4.
    let long = (0..JOBS)
        .filter(|&i| source().job(i).duration > 28.0)
        .count() as u64;
    assert_eq!(plain_calls, 3 * JOBS + long);
    let ratio = full_calls as f64 / plain_calls as f64;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "calls {plain_calls} vs {full_calls}"
    );
    assert_eq!((plain_lost, full_lost), (0, 0));
}
