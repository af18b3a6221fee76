//! `validate` on configs with `[server]` and `[arrivals]`: the discrete-event
//! simulator's prediction against the bundled server with the same settings,
//! polled by the real client. The herd's load and calls agree in aggregate
//! under a rate limit; without one, faults drawn by (job, attempt) make every
//! job's calls agree one by one.

use super::support::{config_from_text, validate_on_wire};
use pollsim::http::validate::{Criteria, ValidationSettings};

/// 200 jobs at t = 0, each its own client, against a global limit of 80 checks
/// per second: the plain backoff's first checks all land in one second (the
/// herd), the jittered one's spread out.
const HERD: &str = r#"
seed = 3
jobs = 200
[workload]
clients = 200
[workload.distribution]
kind = "uniform"
base = 3.0
spread = 2.0
[arrivals]
kind = "batch"
[server]
latency_ms = [20.0, 80.0]
global_rate_limit = 80.0
max_wait_s = 0.0
[[policies]]
name = "exponential"
kind = "exponential"
initial = 2.0
factor = 2.0
cap = 100.0
[[policies]]
name = "exponential-full-jitter"
kind = "exponential"
initial = 4.0
factor = 2.0
cap = 100.0
jitter = "full"
"#;

#[test]
fn a_rate_limited_herd_has_the_predicted_peak_and_calls_per_job() {
    let (_dir, config) = config_from_text(HERD);
    let run = validate_on_wire(
        &config,
        ValidationSettings {
            jobs: 200,
            time_scale: 0.3,
            ..ValidationSettings::default()
        },
    );
    assert!(
        run.sequential,
        "a config with [server] runs policies one at a time"
    );
    let herd = &run.policies[0];
    // Every first check is sent at 2 s and reaches the server 20–80 ms later:
    // all 200 in second 2, of which the bucket (80, refilling 80/s) admits at
    // most 80 + 80·0.08.
    let (predicted_peak, measured_peak) = herd.load.peaks();
    assert_eq!(predicted_peak, 200.0);
    let second_2 = herd.load.predicted.seconds().nth(2).unwrap().1;
    assert_eq!(second_2[0] + second_2[2], 200);
    assert!((80..=86).contains(&second_2[0]), "{second_2:?}");
    let jittered = &run.policies[1];
    assert!(jittered.load.peaks().0 < predicted_peak / 2.0);
    let criteria = Criteria::default();
    for p in &run.policies {
        let (peak_p, peak_m) = p.load.peaks();
        let (calls_p, calls_m) = p.mean_calls();
        eprintln!(
            "{}: peak {peak_p} → {peak_m} rps, calls/job {calls_p:.3} → {calls_m:.3}, smear {:.3} job s",
            p.policy,
            run.burst_smear()
        );
        assert!(p.order_dependent);
        assert!(
            p.load.peak_error() <= criteria.max_peak_error,
            "{}: peak {peak_p} predicted, {peak_m} measured",
            p.policy
        );
        assert!(
            p.calls_error() <= criteria.max_calls_error,
            "{}: {calls_p} calls per job predicted, {calls_m} measured",
            p.policy
        );
        assert!(p.passes(&criteria), "{:?}", p.failures(&criteria));
        // The server saw what the clients sent: no check lost or counted twice.
        let sent: u32 = p.jobs.iter().map(|j| j.measured_calls).sum();
        assert_eq!(p.load.measured.total(), u64::from(sent), "{}", p.policy);
    }
    assert!(measured_peak >= 170.0);
}

/// A flaky server without rate limits: 20% 500s, 10% random 429s, latency,
/// noisy ETA and Retry-After hints, long polling. Jobs arrive as a Poisson
/// stream, so that no check waits for another.
const FAULTS: &str = r#"
seed = 21
jobs = 120
[workload]
clients = 4
[workload.distribution]
kind = "uniform"
base = 12.0
spread = 6.0
[arrivals]
kind = "poisson"
rate = 10.0
[server]
latency_ms = [10.0, 300.0]
fail_rate = 0.2
throttle_rate = 0.1
eta_hints = true
retry_after_hints = true
eta_noise = 0.3
max_wait_s = 4.0
[[policies]]
name = "constant"
kind = "constant"
interval = 1.5
[[policies]]
name = "eta-hint"
kind = "eta_hint"
lead = 0.9
interval = 1.5
factor = 1.5
cap = 6.0
[[policies]]
name = "long-poll"
kind = "long_poll"
max_wait = 10.0
interval = 1.0
"#;

#[test]
fn faults_drawn_by_job_and_attempt_make_each_jobs_calls_agree() {
    let (_dir, config) = config_from_text(FAULTS);
    let run = validate_on_wire(
        &config,
        ValidationSettings {
            jobs: 120,
            time_scale: 0.1,
            ..ValidationSettings::default()
        },
    );
    let criteria = Criteria::default();
    for p in &run.policies {
        assert!(!p.order_dependent);
        let stats = (p.load.predicted.stats(), p.load.measured.stats());
        eprintln!(
            "{}: calls agree on {:.1}%, 500s {} → {}, 429s {} → {}, unexplained {}",
            p.policy,
            100.0 * p.agreement(),
            stats.0.failed,
            stats.1.failed,
            stats.0.throttled,
            stats.1.throttled,
            p.unexplained()
        );
        // Independent draws per request would give a fifth of the checks a
        // different fate and most jobs a different number of calls.
        assert!(p.agreement() >= 0.95, "{}: {:.3}", p.policy, p.agreement());
        // A late check reads a smaller estimate (ETA, or the Retry-After every
        // policy here honours, rounded up to whole seconds), and the policy
        // moves its next check by it: a few jobs may differ in ways seeing one
        // check early does not cover (validate then judges agreement alone).
        assert!(p.hints);
        assert!(p.unexplained() <= 3, "{}: {}", p.policy, p.unexplained());
        assert!(stats.0.failed > 0 && stats.0.throttled > 0);
        let close = |a: u64, b: u64| a.abs_diff(b) as f64 <= 0.05 * a as f64 + 2.0;
        assert!(close(stats.0.failed, stats.1.failed), "{}", p.policy);
        assert!(close(stats.0.throttled, stats.1.throttled), "{}", p.policy);
        assert!(p.passes(&criteria), "{:?}", p.failures(&criteria));
    }
}
