//! The real client's circuit breaker and adaptive throttle on the wire,
//! against the bundled server: the breaker keeps checks back while it is
//! open and lets one probe through after `open_s`; the throttle rejects the
//! checks the simulator's clients reject, with the same draws.

use super::support::{config_from_text, runtime, silent_for_ever, validate_on_wire, workload};
use pollsim::http::client::CheckResult;
use pollsim::http::server::{ServerConfig, spawn};
use pollsim::http::validate::ValidationSettings;
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions, JobEnd};
use pollsim::policy::PolicySpec;
use pollsim::sim::ServerModel;

const SCALE: f64 = 0.25;

/// A server that never answers (an outage over the whole test, silence);
/// the client gives a check up after 0.5 job s. A job polled every second
/// whose breaker opens after 2 failures within 10 s, for 5 s, and which
/// gives up after 4 checks. By hand, in job seconds since the job's
/// creation (d: the wire's lag, which only moves the times after a timeout):
///
/// - checks at 1 and 2 time out at 1.5 and 2.5 + d: two failures, the
///   breaker opens until 7.5 + d;
/// - the check due at 3 is rejected locally; the next is due when the
///   breaker lets its probe through, 7.5 + d (later than 3 + 1);
/// - the probe times out at 8 + d: the breaker opens again, until 13 + d;
///   the check due 1 s after the probe, 8.5 + d, is rejected, the next due
///   at 13 + d;
/// - the probe at 13 + d is the fourth check: when it times out the job is
///   given up.
///
/// Four checks reach the server, two are rejected locally. Each measured
/// time may be late by the wire's lag; less than half the interval (0.5 job
/// s, 125 ms at this time scale) keeps every check in its slot.
#[test]
fn an_open_breaker_sends_nothing_and_probes_once_after_open_s() {
    runtime().block_on(async {
        let mut config = ServerConfig::new(workload(300.0, 10.0, 0.0), 1);
        config.time_scale = SCALE;
        config.model = ServerModel {
            capacity: Some(silent_for_ever(0.5)),
            ..ServerModel::default()
        };
        let server = spawn(config).await.unwrap();
        let options = ClientOptions {
            time_scale: SCALE,
            check_timeout: Some(0.5),
            ..ClientOptions::default()
        };
        let client = Client::with_options(&server.url(), options).unwrap();
        let job = client
            .create_job(&NewJob {
                duration_s: Some(100.0),
                ..NewJob::default()
            })
            .await
            .unwrap();
        let spec = PolicySpec::from_toml(
            "name = 'b'\nkind = 'constant'\ninterval = 1.0\nmax_attempts = 4\n\
             max_transport_failures = 100\n\
             circuit_breaker = { failures = 2, window = 10.0, open_s = 5.0 }",
        )
        .unwrap();
        let report = client.wait(&job, &mut spec.client()).await;
        assert_eq!(report.end, JobEnd::GaveUp, "{:?}", report.errors);
        assert_eq!((report.calls, report.rejected()), (4, 2));
        let sent = CheckResult::Transient;
        let local = CheckResult::RejectedLocally;
        let expected = [
            (1.0, sent),
            (2.0, sent),
            (3.0, local),
            (7.5, sent),
            (8.5, local),
            (13.0, sent),
        ];
        let got: Vec<(f64, CheckResult)> = report.checks.iter().map(|c| (c.at, c.result)).collect();
        assert_eq!(got.len(), expected.len(), "{got:?}");
        // The lags add up over the two openings: at most two half-intervals.
        for (k, (&(at, result), &(want, kind))) in got.iter().zip(&expected).enumerate() {
            assert_eq!(result, kind, "check {k}: {got:?}");
            assert!((want..want + 1.0).contains(&at), "check {k}: {got:?}");
        }
        // The first three are due on the interval, untouched by lag.
        assert_eq!((got[0].0, got[1].0, got[2].0), (1.0, 2.0, 3.0));
        // The probes go out when the breaker's open time is over, counted
        // from the failure that opened it (its timeout: sent + 0.5 + lag).
        let failed_at = |k: usize| report.checks[k].received;
        for (probe, opened_by) in [(3, 1), (5, 3)] {
            let gap = got[probe].0 - failed_at(opened_by);
            assert!((5.0 - 1e-9..5.5).contains(&gap), "probe {probe}: {got:?}");
        }
        // The rejected checks never reached the server: it saw four, each
        // left unanswered until the client's timeout.
        let stats = server.state.overload().unwrap();
        assert_eq!(stats.timeouts, 4);
    });
}

/// One job per client, polled every second through an 8 s outage without
/// answers (a check given up after 0.5 s), behind SRE's throttle over a 5 s
/// window. Every consult falls on a whole second of the job (a timeout
/// answers half a second before the next is due, a rejection waits the
/// interval), so the wire's throttle sees the simulator's counts at the
/// simulator's times and takes the same draws (seed, policy, job, consult):
/// it rejects the same checks.
const THROTTLED: &str = r#"
seed = 1
jobs = 2

[workload]
clients = 2

[workload.distribution]
kind = "uniform"
base = 20.0
spread = 0.0

[arrivals]
kind = "batch"

[server]
request_timeout = 0.5
outages = [[4.5, 12.5]]
outage_answer = "none"

[[policies]]
name = "throttle"
kind = "constant"
interval = 1.0
max_transport_failures = 1000
adaptive_throttle = { k = 2.0, window = 5 }
"#;

#[test]
fn the_throttle_rejects_on_the_wire_what_it_rejects_in_the_simulator() {
    let (_dir, config) = config_from_text(THROTTLED);
    let run = validate_on_wire(
        &config,
        ValidationSettings {
            jobs: 2,
            time_scale: SCALE,
            ..ValidationSettings::default()
        },
    );
    let policy = &run.policies[0];
    let (predicted, measured) = policy.rejected;
    // The outage's failures make the throttle reject some checks.
    assert!(predicted > 0, "{:?}", policy.rejected);
    assert_eq!(measured, predicted);
    // Each job consults once a second, from 1 s to the check that sees it
    // done, at 20 s or, if the throttle still holds checks back then (its
    // window is full of the outage's requests), at the first whole second
    // after 20 it lets one through: sent plus rejected is that second.
    let mut consults = 0.0;
    for job in &policy.jobs {
        assert_eq!(job.predicted_calls, job.measured_calls, "{job:?}");
        let seen = job.measured_seen_at.expect("seen done");
        assert!(seen >= 20.0 && seen.fract() == 0.0, "{job:?}");
        assert_eq!(job.predicted_seen_at, Some(seen), "{job:?}");
        consults += seen;
    }
    let calls: u64 = policy
        .jobs
        .iter()
        .map(|j| u64::from(j.measured_calls))
        .sum();
    assert_eq!((calls + measured) as f64, consults);
    assert!(policy.failures(&Default::default()).is_empty());
}
