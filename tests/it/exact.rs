//! Simulated and exact figures against values derived by hand from the uniform
//! density, independently of the code's survival / partial-expectation sums.

use super::support::policy;
use pollsim::metrics::Exact;
use pollsim::policy::{JobOutcome, PolicySpec};
use pollsim::rng::JobRng;
use pollsim::sim::engine::drive;
use pollsim::sim::exact::evaluate_times;
use pollsim::sim::{JobRecord, Run, RunOptions, evaluate, simulate};
use pollsim::workload::{Distribution, Fixed, Job, JobSource, Uniform, Workload};

/// For D uniform on [a, b] and checks t1 < t2 < …, the job is seen at the first
/// t_k >= D: on (t_{k−1}, t_k] ∩ [a, b] it makes k calls and waits t_k − D.
/// Integrating the uniform density piece by piece:
///   E[calls] = Σ_k k · len_k / (b − a)
///   E[delay] = Σ_k ∫ (t_k − x) dx / (b − a) = Σ_k len_k (t_k − mid_k) / (b − a).
fn uniform_by_pieces(times: &[f64], a: f64, b: f64) -> (f64, f64) {
    let mut previous: f64 = 0.0;
    let (mut calls, mut delay) = (0.0, 0.0);
    for (i, &t) in times.iter().enumerate() {
        let lo = previous.max(a);
        let hi = t.min(b);
        if hi > lo {
            let len = hi - lo;
            calls += (i + 1) as f64 * len;
            delay += len * (t - 0.5 * (lo + hi));
        }
        previous = t;
    }
    (calls / (b - a), delay / (b - a))
}

fn uniform(a: f64, b: f64) -> Distribution {
    Distribution::Uniform(Uniform::between(a, b).unwrap())
}

#[test]
fn constant_interval_on_uniform_has_the_closed_form() {
    // [7, 23] with checks every 5 s: 3 s of mass sees 2 calls, 5 s sees 3, 5 s sees 4,
    // 3 s sees 5: E[calls] = (6 + 15 + 20 + 15) / 16 = 3.5; E[delay] = 5·3.5 − 15 = 2.5.
    let every5 = policy("name = 'c'\nkind = 'constant'\ninterval = 5.0");
    let exact = evaluate(&every5, &uniform(7.0, 23.0)).unwrap();
    assert!((exact.calls - 3.5).abs() < 1e-12, "{exact:?}");
    assert!((exact.delay - 2.5).abs() < 1e-12, "{exact:?}");
    // BENCH-1's sanity values: uniform [180, 420], every 5 s: 60.5 calls, 2.5 s delay.
    let exact = evaluate(&every5, &uniform(180.0, 420.0)).unwrap();
    assert!((exact.calls - 60.5).abs() < 1e-9 && (exact.delay - 2.5).abs() < 1e-9);
    // Any interval I on [a, b]: compare with the piecewise integral.
    for (interval, a, b) in [(7.0, 180.0, 420.0), (0.3, 5.0, 15.0), (100.0, 1.0, 50.0)] {
        let spec = policy(&format!(
            "name = 'c'\nkind = 'constant'\ninterval = {interval}"
        ));
        let exact = evaluate(&spec, &uniform(a, b)).unwrap();
        let times: Vec<f64> = (1..=((b / interval).ceil() as usize))
            .map(|k| k as f64 * interval)
            .collect();
        let (calls, delay) = uniform_by_pieces(&times, a, b);
        assert!(
            (exact.calls - calls).abs() < 1e-9,
            "I={interval}: {} vs {calls}",
            exact.calls
        );
        assert!(
            (exact.delay - delay).abs() < 1e-9,
            "I={interval}: {} vs {delay}",
            exact.delay
        );
    }
}

#[test]
fn exponential_and_fibonacci_schedules_match_the_piecewise_integral() {
    let specs = [
        policy("name = 'e'\nkind = 'exponential'\ninitial = 1.0\nfactor = 2.0\ncap = 60.0"),
        policy(
            "name = 'e2'\nkind = 'exponential'\ninitial = 0.7\nfactor = 1.7\ncap = 45.0\ninitial_delay = 100.0",
        ),
        policy("name = 'f'\nkind = 'fibonacci'\nunit = 1.0\ncap = 16.0"),
        policy("name = 'f2'\nkind = 'fibonacci'\nunit = 2.5\ncap = 100.0"),
    ];
    for (a, b) in [(180.0, 420.0), (5.0, 15.0), (0.0, 1000.0)] {
        for spec in &specs {
            let checks = spec.check_times(b, 1_000_000).unwrap();
            let (calls, delay) = uniform_by_pieces(&checks.times, a, b);
            let exact = evaluate(spec, &uniform(a, b)).unwrap();
            assert!(
                (exact.calls - calls).abs() < 1e-9,
                "{} on [{a}, {b}]: {} vs {calls}",
                spec.name(),
                exact.calls
            );
            assert!(
                (exact.delay - delay).abs() < 1e-9,
                "{} on [{a}, {b}]: {} vs {delay}",
                spec.name(),
                exact.delay
            );
        }
    }
}

#[test]
fn a_policy_that_gives_up_loses_the_tail_mass() {
    // Checks at 10, 20, 30 then stop, on uniform [0, 40]: P(give up) = 1/4,
    // E[calls] = 1 + 3/4 + 2/4 = 2.25, E[delay | seen] = 5.
    let exact: Exact = evaluate_times(&[10.0, 20.0, 30.0], true, &uniform(0.0, 40.0));
    assert!((exact.give_up - 0.25).abs() < 1e-12);
    assert!((exact.calls - 2.25).abs() < 1e-12);
    assert!((exact.delay - 5.0).abs() < 1e-12);
}

#[test]
fn a_job_ending_exactly_at_a_check_is_seen_by_that_check() {
    let every5 = policy("name = 'c'\nkind = 'constant'\ninterval = 5.0");
    let job = Job {
        index: 0,
        duration: 15.0,
        failed: false,
        hint: None,
    };
    let outcome = drive(&mut every5.client(), &job, &mut JobRng::empty(1, 1));
    assert_eq!(outcome.calls, 3);
    assert_eq!(outcome.seen_at, Some(15.0));
    assert_eq!(outcome.last_pending, 10.0);
    // And through the engine's fast path, on a fixed 15 s workload.
    let fixed = Distribution::Fixed(Fixed::new(15.0).unwrap());
    let source = JobSource::new(Workload::new(fixed.clone(), 0.0, None).unwrap(), 3);
    let run = simulate(
        &source,
        std::slice::from_ref(&every5),
        100,
        3,
        RunOptions {
            per_job: true,
            ..RunOptions::default()
        },
    );
    let records = run.policies[0].records.as_ref().unwrap();
    assert!(
        records
            .iter()
            .all(|r| r.calls == 3 && r.seen_at == Some(15.0))
    );
    let exact = evaluate(&every5, &fixed).unwrap();
    assert_eq!((exact.calls, exact.delay), (3.0, 0.0));
}

#[test]
fn the_fast_path_equals_driving_each_job() {
    let dist = Distribution::Uniform(Uniform::new(60.0, 55.0).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.1, None).unwrap(), 5);
    let specs = [
        policy("name = 'o'\nkind = 'oscillating'\nmin = 1.0\nmax = 20.0"),
        policy(
            "name = 'd'\nkind = 'exponential_decrease'\nstart = 40.0\nfloor = 2.0\ntimeout = 90.0",
        ),
        policy("name = 's'\nkind = 'schedule'\ntimes = [30.0, 50.0, 70.0]\nthen = 'stop'"),
    ];
    let run = simulate_per_job(&source, &specs, 5000, 5);
    for (spec, result) in specs.iter().zip(&run.policies) {
        for record in result.records.as_ref().unwrap() {
            let job = source.job(record.job);
            let outcome = drive(&mut spec.client(), &job, &mut JobRng::empty(5, 0));
            assert_same_outcome(spec, record, &outcome);
        }
    }
}

/// The engine replays a randomized or hint-driven policy a block of jobs at a
/// time (the family chosen once per block, the jitter windows drawn in one
/// copy): each job's outcome is still the one driving the job alone through
/// the policy machine gives, with its own draws. Cap 4 s makes most jobs draw
/// past their window of jitter (the overflow stream); the timeout and the
/// attempt cap take the replay's bounded loop.
#[test]
fn the_blocked_replay_equals_driving_each_job_alone() {
    let dist = Distribution::Uniform(Uniform::new(60.0, 55.0).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.1, Some(0.3)).unwrap(), 9);
    let specs = [
        policy("name = 'full'\nkind = 'exponential'\ninitial = 0.5\ncap = 4.0\njitter = 'full'"),
        policy(
            "name = 'equal'\nkind = 'exponential'\ncap = 30.0\njitter = 'equal'\ntimeout = 80.0",
        ),
        policy("name = 'dec'\nkind = 'exponential'\njitter = 'decorrelated'\nmax_attempts = 6"),
        policy("name = 'aware'\nkind = 'duration_aware'\nlead = 0.9\ninterval = 2.0"),
    ];
    let run = simulate_per_job(&source, &specs, 3000, 9);
    for (spec, result) in specs.iter().zip(&run.policies) {
        let sid = pollsim::rng::stream_id(spec.name());
        let records = result.records.as_ref().unwrap();
        assert_eq!(records.len(), 3000);
        for record in records {
            let job = source.job(record.job);
            let mut rng = JobRng::for_job(9, sid, record.job);
            let outcome = drive(&mut spec.client(), &job, &mut rng);
            assert_same_outcome(spec, record, &outcome);
        }
    }
}

/// Simulates `specs` on `jobs` jobs of `source`, keeping every job's record.
fn simulate_per_job(source: &JobSource, specs: &[PolicySpec], jobs: u64, seed: u64) -> Run {
    let options = RunOptions {
        per_job: true,
        ..RunOptions::default()
    };
    simulate(source, specs, jobs, seed, options)
}

/// `outcome`, driven alone, is what the engine recorded for `record`'s job.
fn assert_same_outcome(spec: &PolicySpec, record: &JobRecord, outcome: &JobOutcome) {
    assert_eq!(
        (outcome.calls, outcome.seen_at),
        (record.calls, record.seen_at),
        "{} job {}",
        spec.name(),
        record.job
    );
}
