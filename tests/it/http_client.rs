//! The real client against the bundled server on a loopback port: agreement with
//! the simulator job by job, faults, and every way a job can end.

use super::support::{config_from_text, policy, runtime, validate_on_wire, workload};
use pollsim::http::client::CheckResult;
use pollsim::http::server::{ServerConfig, spawn};
use pollsim::http::validate::ValidationSettings;
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions, JobEnd};
use pollsim::sim::ServerModel;
use pollsim::workload::JobSource;
use std::time::Duration;

/// Deterministic policies of every family (plus one with equal jitter, which the
/// client draws exactly as the simulator does), with intervals of at least 1.5 s
/// near the jobs' ends: at time scale 1 a check lands ~2 ms late, so a job ends
/// inside that window with probability ~0.1%.
const AGREEMENT_CONFIG: &str = r#"
seed = 11
jobs = 200
[workload]
error_probability = 0.1
[workload.distribution]
kind = "uniform"
base = 4.0
spread = 2.0
[[policies]]
name = "constant-2s"
kind = "constant"
interval = 2.0
[[policies]]
name = "fibonacci"
kind = "fibonacci"
unit = 1.5
cap = 3.0
[[policies]]
name = "exponential"
kind = "exponential"
initial = 1.5
factor = 2.0
cap = 3.0
[[policies]]
name = "exponential-equal-jitter"
kind = "exponential"
initial = 3.0
factor = 2.0
cap = 6.0
jitter = "equal"
[[policies]]
name = "exponential-decrease"
kind = "exponential_decrease"
start = 4.0
floor = 1.5
factor = 2.0
[[policies]]
name = "oscillating"
kind = "oscillating"
min = 1.5
max = 3.0
factor = 2.0
[[policies]]
name = "duration-aware"
kind = "duration_aware"
expected = 4.0
lead = 0.5
interval = 1.5
factor = 1.5
cap = 3.0
[[policies]]
name = "schedule"
kind = "schedule"
times = [2.5, 4.0, 5.5, 7.0]
[[policies]]
name = "manual"
kind = "manual"
initial_delay = 6.5
"#;

#[test]
fn deterministic_policies_make_the_calls_the_simulator_predicts() {
    let (_dir, config) = config_from_text(AGREEMENT_CONFIG);
    let run = validate_on_wire(
        &config,
        ValidationSettings {
            jobs: 200,
            time_scale: 1.0,
            submit_rate: 1000.0,
            ..ValidationSettings::default()
        },
    );
    assert_eq!(run.policies.len(), 9);
    for p in &run.policies {
        assert_eq!(p.jobs.len(), 200);
        let lateness: Vec<f64> = p.jobs.iter().filter_map(|j| j.lateness()).collect();
        let worst = lateness.iter().cloned().fold(0.0, f64::max);
        assert!(
            p.agreement() >= 0.99,
            "{}: calls agree on {:.1}% of jobs (worst lateness {worst:.4} s)",
            p.policy,
            100.0 * p.agreement()
        );
        assert_eq!(p.unexplained(), 0, "{}", p.policy);
        for j in &p.jobs {
            assert_eq!(
                j.end,
                if j.failed { "error" } else { "completed" },
                "{}",
                p.policy
            );
            // Same schedule: an agreeing job was seen at the very time the simulator predicts.
            if j.agrees() {
                assert_eq!(
                    j.measured_seen_at, j.predicted_seen_at,
                    "{} job {}",
                    p.policy, j.job
                );
            }
        }
        // Lateness is real but small: answers arrive after their scheduled time.
        assert!(lateness.iter().all(|l| *l >= 0.0), "{}", p.policy);
        let d = p.delays();
        assert!(d.measured >= d.predicted - 1.5, "{}: {d:?}", p.policy);
    }
    // The prediction is the simulator's: constant 2 s checks at 2, 4, 6, 8.
    let constant = &run.policies[0];
    for j in &constant.jobs {
        assert_eq!(j.predicted_calls, (j.duration / 2.0).ceil() as u32);
    }
}

#[test]
fn under_faults_every_job_ends_and_each_failed_check_costs_at_most_one_call() {
    // Time scale 0.1: jobs of 5–15 job s end after 0.5–1.5 s; checks every 1 job s
    // (100 ms); 20% 500s, 10% 429 with Retry-After: 1 (100 ms), 0–500 job ms
    // (0–50 ms real) of latency.
    let work = workload(10.0, 5.0, 0.2);
    let mut config = ServerConfig::new(work.clone(), 3);
    config.time_scale = 0.1;
    config.model = ServerModel {
        fail_rate: 0.2,
        throttle_rate: 0.1,
        latency_ms: Some((0.0, 500.0)),
        ..ServerModel::default()
    };
    let spec = policy(
        "name = 'c1'\nkind = 'constant'\ninterval = 1.0\nmax_attempts = 200\ntimeout = 300.0",
    );
    let source = JobSource::new(work, 3);
    let jobs: Vec<_> = (0..200).map(|i| source.job(i)).collect();
    let reports = runtime().block_on(async {
        let server = spawn(config).await.unwrap();
        let options = ClientOptions {
            time_scale: 0.1,
            seed: 3,
            ..ClientOptions::default()
        };
        let client = Client::with_options(&server.url(), options).unwrap();
        let mut handles = Vec::new();
        for job in &jobs {
            let new = NewJob {
                hint_s: None,
                ..NewJob::for_job(job)
            };
            handles.push(client.create_job(&new).await.unwrap());
        }
        assert_eq!(handles[199].index, 199);
        client.wait_all(&handles, &spec, 200).await
    });
    // What the policy does against a server without faults.
    let sid = pollsim::rng::stream_id(spec.name());
    let predicted: Vec<_> = jobs
        .iter()
        .map(|job| {
            let mut rng = pollsim::rng::JobRng::for_job(3, sid, job.index);
            pollsim::sim::engine::drive(&mut spec.client(), job, &mut rng)
        })
        .collect();
    let (mut calls, mut failed, mut throttled) = (0u32, 0usize, 0usize);
    for ((job, report), predicted) in jobs.iter().zip(&reports).zip(&predicted) {
        let expected = if job.failed {
            JobEnd::Error
        } else {
            JobEnd::Completed
        };
        assert_eq!(
            report.end, expected,
            "job {}: {:?}",
            job.index, report.errors
        );
        assert!(
            report.calls as usize <= predicted.calls as usize + report.errors.len(),
            "job {}: {} calls, {} predicted, {} failed checks",
            job.index,
            report.calls,
            predicted.calls,
            report.errors.len()
        );
        assert_eq!(report.calls as usize, report.checks.len());
        for pair in report.checks.windows(2) {
            assert!(pair[1].sent >= pair[0].received, "one check at a time");
            if pair[0].result == CheckResult::RateLimited {
                // Retry-After: 1 job second, counted from the answer.
                assert!(pair[1].sent >= pair[0].received + 0.999, "{pair:?}");
            }
        }
        calls += report.calls;
        failed += report
            .checks
            .iter()
            .filter(|c| c.result == CheckResult::Transient)
            .count();
        throttled += report
            .checks
            .iter()
            .filter(|c| c.result == CheckResult::RateLimited)
            .count();
    }
    let predicted_calls: u32 = predicted.iter().map(|p| p.calls).sum();
    eprintln!(
        "faults: 200 jobs, {calls} calls ({predicted_calls} predicted without faults), {failed} 500s, {throttled} 429s"
    );
    let share = |n: usize| n as f64 / f64::from(calls);
    assert!(
        (0.15..0.25).contains(&share(failed)),
        "500s: {failed} of {calls}"
    );
    assert!(
        (0.06..0.14).contains(&share(throttled)),
        "429s: {throttled} of {calls}"
    );
}

#[test]
fn unreachable_server_unknown_jobs_and_deadlines_end_jobs_clearly() {
    runtime().block_on(async {
        // Nothing listens on a port just freed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
        let handle = pollsim::http::JobHandle {
            id: "1".into(),
            index: 0,
            hint: None,
            created: tokio::time::Instant::now(),
            submitted: tokio::time::Instant::now(),
        };
        let spec = policy("name = 'c'\nkind = 'constant'\ninterval = 0.01\nmax_attempts = 3");
        let report = client.wait(&handle, &mut spec.client()).await;
        assert_eq!(report.end, JobEnd::GaveUp);
        assert_eq!(report.calls, 3);
        assert_eq!(report.errors.len(), 3);
        assert!(
            report.errors[0].contains("error sending request"),
            "{:?}",
            report.errors
        );
        // Without max_attempts or timeout, the default max_transport_failures (10) ends it.
        let spec = policy("name = 'c'\nkind = 'constant'\ninterval = 0.01");
        let report = client.wait(&handle, &mut spec.client()).await;
        assert_eq!(report.calls, 10);
        let JobEnd::Unreachable(why) = &report.end else {
            panic!("{}", report.end)
        };
        assert!(
            why.contains(&format!(
                "server http://127.0.0.1:{port} unreachable: 10 checks in a row"
            )) && why.contains("Connection refused"),
            "{why}"
        );
        // Each cause once, not reqwest's repeated chain.
        assert_eq!(why.matches("error sending request").count(), 1, "{why}");

        let server = spawn(ServerConfig::new(workload(10.0, 5.0, 0.0), 1))
            .await
            .unwrap();
        let options = ClientOptions {
            deadline: Some(Duration::from_millis(200)),
            ..ClientOptions::default()
        };
        let client = Client::with_options(&server.url(), options).unwrap();
        let long = client
            .create_job(&NewJob {
                duration_s: Some(100.0),
                ..NewJob::default()
            })
            .await
            .unwrap();
        let spec = policy("name = 'c'\nkind = 'constant'\ninterval = 0.05");
        let report = client.wait(&long, &mut spec.client()).await;
        assert_eq!(report.end, JobEnd::DeadlineExceeded);
        // Checks at 50, 100, 150 and 200 ms; fewer if the machine is slow, never more.
        assert!((1..=4).contains(&report.calls), "{}", report.calls);
        assert!(
            report.elapsed < Duration::from_secs(2),
            "{:?}",
            report.elapsed
        );

        let mut unknown = long.clone();
        unknown.id = format!("{}-999", server.state.run_id());
        unknown.created = tokio::time::Instant::now();
        let report = client.wait(&unknown, &mut spec.client()).await;
        assert!(
            matches!(&report.end, JobEnd::Rejected(why) if why.contains("-999; create jobs")),
            "{}",
            report.end
        );
        assert_eq!(report.calls, 1, "a refused request is not retried");
    });
}

#[test]
fn bad_client_settings_are_refused_by_name() {
    for (url, text) in [
        ("not a url", "base URL 'not a url'"),
        ("ftp://x", "scheme ftp"),
        ("http://x/?q=1", "query"),
    ] {
        let error = Client::new(url).err().unwrap().to_string();
        assert!(error.contains(text), "{error}");
    }
    let options = ClientOptions {
        time_scale: -1.0,
        ..ClientOptions::default()
    };
    let error = Client::with_options("http://127.0.0.1:1", options)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("time_scale"), "{error}");
}
