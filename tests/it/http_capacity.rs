//! The bundled server's capacity model over HTTP (one worker, a fixed
//! service time, a bounded queue, an outage without answers), and the real
//! client's request timeout and retry budget against it.

use super::support::{runtime, silent_for_ever, workload};
use pollsim::http::client::{Answer, CheckResult};
use pollsim::http::server::{ServerConfig, spawn};
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions, JobEnd};
use pollsim::policy::PolicySpec;
use pollsim::sim::ServerModel;
use pollsim::sim::server::{Capacity, Refusal};
use pollsim::workload::{Distribution, Fixed};

/// Real seconds per job second: 0.2, so that a job second's tolerances
/// leave a loaded machine's timer lag (tens of milliseconds) room.
const SCALE: f64 = 0.2;

fn server(capacity: Capacity) -> ServerConfig {
    let mut config = ServerConfig::new(workload(300.0, 10.0, 0.0), 1);
    config.time_scale = SCALE;
    config.model = ServerModel {
        capacity: Some(capacity),
        ..ServerModel::default()
    };
    config
}

fn client(url: &str, check_timeout: Option<f64>) -> Client {
    let options = ClientOptions {
        time_scale: SCALE,
        check_timeout,
        ..ClientOptions::default()
    };
    Client::with_options(url, options).unwrap()
}

/// A job that stays pending for the whole test (100 job seconds).
async fn long_job(client: &Client) -> pollsim::http::JobHandle {
    client
        .create_job(&NewJob {
            duration_s: Some(100.0),
            ..NewJob::default()
        })
        .await
        .unwrap()
}

/// One worker holding each check for 1 s, a queue of 2: of 5 checks sent at
/// once the first is served at once, two wait (done at 2 s and 3 s after the
/// first's arrival), two are refused with 503 and `Retry-After` = 2 waiting ×
/// 1 s / 1 worker. The time at the server is then at most (1 + 2 + 3) / 3 = 2 s
/// on average, less only by how far apart the checks arrived.
#[test]
fn one_worker_serves_a_burst_in_turn_and_the_full_queue_refuses_the_excess() {
    runtime().block_on(async {
        let server = spawn(server(Capacity {
            workers: Some(1),
            service_ms: Some(Distribution::Fixed(Fixed::new(1000.0).unwrap())),
            queue: Some(2),
            queue_full: Refusal::Unavailable,
            outages: Vec::new(),
            outage_answer: Refusal::Unavailable,
            request_timeout: None,
        }))
        .await
        .unwrap();
        let client = client(&server.url(), None);
        assert_eq!(client.warm_up(5).await, 5);
        let job = long_job(&client).await;
        let checks = (0..5).map(|_| {
            let (client, id) = (client.clone(), job.id.clone());
            tokio::spawn(async move { client.status(&id).await })
        });
        // All five in flight before any is awaited.
        let checks: Vec<_> = checks.collect();
        let mut pending = 0;
        let mut refused = Vec::new();
        for check in checks {
            match check.await.unwrap() {
                Answer::Pending { .. } => pending += 1,
                Answer::Transient { retry_after, .. } => refused.push(retry_after),
                other => panic!("unexpected answer {other:?}"),
            }
        }
        assert_eq!(pending, 3);
        assert_eq!(refused, [Some(2.0), Some(2.0)]);
        let stats = server.state.overload().unwrap();
        assert_eq!((stats.served, stats.waited, stats.good), (3, 2, 3));
        let refused: u64 = stats.seconds.iter().map(|s| s.refused).sum();
        assert_eq!(refused, 2);
        let mean = stats.mean_latency();
        // Arrivals spread over less than 0.3 job s (60 ms of real time).
        assert!(mean <= 2.0 + 1e-9 && mean > 1.9, "{mean}");
        assert!((stats.work_s - 3.0).abs() < 1e-9);
    });
}

/// An outage without answers and a 0.5 s request timeout: every check times
/// out. The first check goes out after the 5 s interval; the retry budget (20
/// tokens, a timeout retry costs 10) grants two retries, each 0.1 s after its
/// timeout (≈ 5.6 s, ≈ 6.2 s); the third failure gets no retry (it would go
/// out at ≈ 6.8 s) but waits the family's interval, which the policy's 7 s
/// timeout cuts to a last check at exactly 7 s. Four checks, all unanswered.
#[test]
fn the_client_times_out_and_retries_within_its_budget() {
    runtime().block_on(async {
        let server = spawn(server(silent_for_ever(0.5))).await.unwrap();
        let client = client(&server.url(), Some(0.5));
        let job = long_job(&client).await;
        let spec = PolicySpec::from_toml(
            "name = 'r'\nkind = 'constant'\ninterval = 5.0\nretry_delay = 0.1\n\
             retry_budget = { initial_capacity = 20 }\nmax_transport_failures = 100\ntimeout = 7.0",
        )
        .unwrap();
        let report = client.wait(&job, &mut spec.client()).await;
        assert_eq!(report.end, JobEnd::GaveUp, "{:?}", report.errors);
        assert_eq!(report.calls, 4);
        assert!(
            report
                .checks
                .iter()
                .all(|c| c.result == CheckResult::Transient)
        );
        let at: Vec<f64> = report.checks.iter().map(|c| c.at).collect();
        // Each retry goes out 0.1 s after the timeout (0.5 s after its send),
        // a little later by the wire's lag.
        assert_eq!(at[0], 5.0);
        for k in 1..3 {
            let gap = at[k] - at[k - 1];
            assert!((0.6..0.9).contains(&gap), "retry {k}: {at:?}");
        }
        assert_eq!(at[3], 7.0, "{at:?}");
        let stats = server.state.overload().unwrap();
        assert_eq!(stats.timeouts, 4);
    });
}

/// Over HTTP/2 (as `validate` speaks to a server with capacity) a client's
/// checks share one connection, and the server takes more streams than
/// hyper's default of 200: 300 checks sent at once all reach the station
/// within one service time (2 job s). Were they held to 200 streams, the
/// last 100 would reach it only when the first answers came back, 2 job s
/// later. A check the client gives up on resets its stream, and the
/// connection serves the next check.
#[test]
fn over_http2_three_hundred_checks_reach_the_station_at_once() {
    runtime().block_on(async {
        let mut config = server(Capacity {
            workers: None,
            service_ms: Some(Distribution::Fixed(Fixed::new(2000.0).unwrap())),
            queue: None,
            queue_full: Refusal::Unavailable,
            outages: Vec::new(),
            outage_answer: Refusal::Unavailable,
            request_timeout: None,
        });
        config.time_scale = 0.5;
        let server = spawn(config).await.unwrap();
        let options = ClientOptions {
            time_scale: 0.5,
            max_in_flight: 1000,
            http2: true,
            ..ClientOptions::default()
        };
        let client = Client::with_options(&server.url(), options).unwrap();
        let job = long_job(&client).await;
        let checks: Vec<_> = (0..300)
            .map(|_| {
                let (client, id) = (client.clone(), job.id.clone());
                tokio::spawn(async move { client.status(&id).await })
            })
            .collect();
        for check in checks {
            let answer = check.await.unwrap();
            assert!(matches!(answer, Answer::Pending { .. }), "{answer:?}");
        }
        let stats = server.state.overload().unwrap();
        let first = stats.seconds.iter().position(|s| s.arrived > 0).unwrap();
        assert_eq!(stats.served, 300);
        assert!(
            stats.last_arrival < first as f64 + 2.0,
            "arrivals from second {first} to {}",
            stats.last_arrival
        );
        // Given up on mid-flight (the stream reset), then the connection
        // serves the next check.
        for _ in 0..3 {
            let gave_up = tokio::time::timeout(
                std::time::Duration::from_millis(100),
                client.status(&job.id),
            );
            assert!(gave_up.await.is_err(), "answered within 0.2 of 2 job s");
        }
        let answer = client.status(&job.id).await;
        assert!(matches!(answer, Answer::Pending { .. }), "{answer:?}");
        assert_eq!(server.state.overload().unwrap().served, 304);
    });
}
