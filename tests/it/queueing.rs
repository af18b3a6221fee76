//! The server's capacity model against queueing theory. Every job is one
//! check (a job of 1 ms checked once, 1 s after a Poisson submission: the
//! checks are a Poisson stream), so the server is an M/G/c queue whose mean
//! time at the server and probability of waiting have closed forms:
//! Erlang C for exponential service on c workers, Pollaczek–Khinchine for a
//! fixed service time on one. Each case runs independent replications (seeds)
//! and asserts the formula within 4 standard errors of their mean.

use pollsim::sim::server::{Capacity, Refusal};
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate_contention};
use pollsim::workload::{Distribution, Exponential, Fixed, JobSource, Workload};

use super::support::policy;

/// Mean time at the server and share of checks that waited, per replication.
fn replications(
    rate: f64,
    workers: u32,
    service_ms: Distribution,
    checks: u64,
    seeds: u64,
) -> Vec<(f64, f64)> {
    let dist = Distribution::Fixed(Fixed::new(0.001).unwrap());
    let server = ServerModel {
        capacity: Some(Capacity {
            workers: Some(workers),
            service_ms: Some(service_ms),
            queue: None,
            queue_full: Refusal::Unavailable,
            outages: Vec::new(),
            outage_answer: Refusal::Unavailable,
            request_timeout: None,
        }),
        ..ServerModel::default()
    };
    let once = policy("name = 'once'\nkind = 'constant'\ninterval = 1.0");
    (1..=seeds)
        .map(|seed| {
            let source = JobSource::new(Workload::new(dist.clone(), 0.0, None).unwrap(), seed);
            let arrivals = Arrivals::poisson(rate, None).unwrap();
            let setup = Contention {
                source: &source,
                arrivals: &arrivals,
                server: &server,
                jobs: checks,
                seed,
                options: RunOptions::default(),
            };
            let run = simulate_contention(&setup, std::slice::from_ref(&once));
            let stats = run[0].overload.as_ref().expect("capacity keys give stats");
            assert_eq!(stats.served, checks, "one check per job");
            (stats.mean_latency(), stats.wait_share())
        })
        .collect()
}

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Erlang C: (probability of waiting, mean time in system) for M/M/c with
/// arrival rate `lambda` and service rate `mu` per worker.
fn erlang_c(lambda: f64, mu: f64, c: u32) -> (f64, f64) {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term / (1.0 - rho);
    let p_wait = top / (sum + top);
    (p_wait, p_wait / (f64::from(c) * mu - lambda) + 1.0 / mu)
}

fn assert_within(what: &str, xs: &[f64], expected: f64) {
    let (mean, se) = mean_se(xs);
    assert!(
        (mean - expected).abs() <= 4.0 * se,
        "{what}: simulated {mean} ± {se} (1 SE), formula {expected}"
    );
    // The test must be able to fail: a standard error well under the effect.
    assert!(
        se < 0.05 * expected,
        "{what}: SE {se} too wide for {expected}"
    );
}

#[test]
fn exponential_service_on_c_workers_matches_erlang_c() {
    // (workers, load ρ): service mean 10 ms, so μ = 100/s per worker.
    for (c, rho) in [(1, 0.5), (2, 0.7), (4, 0.8)] {
        let mu = 100.0;
        let lambda = rho * mu * f64::from(c);
        let service = Distribution::Exponential(Exponential::new(10.0).unwrap());
        let runs = replications(lambda, c, service, 20_000, 12);
        let (p_wait, time) = erlang_c(lambda, mu, c);
        let means: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let waits: Vec<f64> = runs.iter().map(|r| r.1).collect();
        assert_within(&format!("c = {c}, ρ = {rho}: time at server"), &means, time);
        assert_within(&format!("c = {c}, ρ = {rho}: P(wait)"), &waits, p_wait);
    }
}

#[test]
fn fixed_service_on_one_worker_matches_pollaczek_khinchine() {
    for rho in [0.5, 0.8] {
        let d = 0.010;
        let lambda = rho / d;
        let service = Distribution::Fixed(Fixed::new(d * 1e3).unwrap());
        let runs = replications(lambda, 1, service, 20_000, 12);
        // M/D/1: W = ρ D / (2 (1 − ρ)) waiting, plus D in service; P(wait) = ρ.
        let time = rho * d / (2.0 * (1.0 - rho)) + d;
        let means: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let waits: Vec<f64> = runs.iter().map(|r| r.1).collect();
        assert_within(&format!("M/D/1 ρ = {rho}: time at server"), &means, time);
        assert_within(&format!("M/D/1 ρ = {rho}: P(wait)"), &waits, rho);
    }
}
