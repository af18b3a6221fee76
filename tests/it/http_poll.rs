//! `pollsim poll` and `Client::poll_jobs` against servers that go away, run
//! at another time scale, or are named without a scheme; and what
//! `--concurrency` must not change.

use super::support::{policy, pollsim, repo, runtime, workload};
use pollsim::http::client::{ClientError, JobEnd, Submit};
use pollsim::http::server::{ServerConfig, spawn};
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
seed = 2
[workload.distribution]
kind = "uniform"
base = 3.0
spread = 2.9
[[policies]]
name = "every-200ms"
kind = "constant"
interval = 0.2
"#;

/// `pollsim serve` on a free port; returns the child and its URL once it listens.
fn serve(config: &std::path::Path, scale: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pollsim"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .args([
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--time-scale",
            scale,
        ])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("pollsim serve: http://"), "{line}");
    (child, format!("http://127.0.0.1:{port}"))
}

#[test]
fn poll_prints_jobs_as_they_end_and_gives_up_when_the_server_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, CONFIG).unwrap();
    // Jobs of 0.1–5.9 s; the server is stopped after 2 s.
    let (mut server, url) = serve(&config, "1");
    let started = Instant::now();
    let mut poll = Command::new(env!("CARGO_BIN_EXE_pollsim"))
        .args(["poll", "--url", &url, "--config", config.to_str().unwrap()])
        .args(["--jobs", "12", "--request-timeout", "1"])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = poll.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map(|l| (started.elapsed(), l.unwrap()))
            .collect::<Vec<_>>()
    });
    std::thread::sleep(Duration::from_secs(2));
    server.kill().unwrap();
    server.wait().unwrap();
    let killed = started.elapsed();
    let status = poll.wait().unwrap();
    let took = started.elapsed();
    let lines = lines.join().unwrap();
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(status.code(), Some(1), "{text:#?}");
    // Bounded: 10 failed checks 0.2 s apart after the server went away.
    assert!(took < Duration::from_secs(15), "{took:?}");
    let completed: Vec<_> = lines
        .iter()
        .filter(|(_, l)| l.contains(": completed after"))
        .collect();
    let gone: Vec<_> = lines
        .iter()
        .filter(|(_, l)| l.contains(&format!("gave up: server {url} unreachable")))
        .collect();
    assert!(!completed.is_empty() && !gone.is_empty(), "{text:#?}");
    assert_eq!(completed.len() + gone.len(), 12, "{text:#?}");
    // Finished jobs were printed when they ended, before the server stopped.
    assert!(completed.iter().all(|(at, _)| *at < killed), "{lines:#?}");
    assert!(
        gone.iter().all(|(_, l)| l.contains("Connection refused")),
        "{text:#?}"
    );
}

#[test]
fn poll_refuses_a_url_without_scheme_a_missing_server_and_another_time_scale() {
    let (code, _, stderr) = pollsim(
        &[
            "poll",
            "--url",
            "127.0.0.1:8080",
            "--config",
            "configs/short.toml",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--url 127.0.0.1:8080: no scheme; write http://127.0.0.1:8080"),
        "{stderr}"
    );
    // Nothing listens on port 1: said once, with what to do.
    let (code, _, stderr) = pollsim(
        &[
            "poll",
            "--url",
            "http://127.0.0.1:1",
            "--config",
            "configs/short.toml",
        ],
        None,
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr.matches("error sending request").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(
        stderr.contains("hint: is `pollsim serve` running at http://127.0.0.1:1?"),
        "{stderr}"
    );
    let (mut server, url) = serve(&repo().join("configs/short.toml"), "0.5");
    let (code, _, stderr) = pollsim(
        &[
            "poll",
            "--url",
            &url,
            "--config",
            "configs/short.toml",
            "--time-scale",
            "0.01",
        ],
        None,
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("runs at time scale 0.5") && stderr.contains("this client at 0.01"),
        "{stderr}"
    );
}

#[test]
fn a_client_at_another_time_scale_is_refused_on_first_contact() {
    runtime().block_on(async {
        let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
        config.time_scale = 0.5;
        let server = spawn(config).await.unwrap();
        let client = Client::new(&server.url()).unwrap();
        let error = client.check_server().await.unwrap_err();
        assert!(
            matches!(error, ClientError::TimeScale { server, client, .. } if server == 0.5 && client == 1.0),
            "{error}"
        );
        let error = client.create_job(&NewJob::default()).await.unwrap_err();
        assert!(error.to_string().contains("--time-scale 0.5"), "{error}");
        let options = ClientOptions {
            time_scale: 0.5,
            ..ClientOptions::default()
        };
        let matching = Client::with_options(&server.url(), options).unwrap();
        matching.check_server().await.unwrap();
    });
}

#[test]
fn calls_per_job_do_not_depend_on_concurrency() {
    // 12 jobs of 1.05 job s at time scale 0.3, checked every 0.3 job s: 4
    // calls each (the third check 0.15 job s before the end, 45 ms real, the
    // fourth as far after it), whether 1 or 8 are polled at once.
    let spec = policy("name = 'c'\nkind = 'constant'\ninterval = 0.3");
    let calls = |concurrency: usize| {
        runtime().block_on(async {
            let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
            config.time_scale = 0.3;
            let server = spawn(config).await.unwrap();
            let options = ClientOptions {
                time_scale: 0.3,
                ..ClientOptions::default()
            };
            let client = Client::with_options(&server.url(), options).unwrap();
            let jobs = vec![
                Submit::Create(NewJob {
                    duration_s: Some(1.05),
                    ..NewJob::default()
                });
                12
            ];
            let mut ended = 0;
            let reports = client
                .poll_jobs(jobs, &spec, concurrency, |_| ended += 1)
                .await;
            assert_eq!(ended, 12);
            reports
                .iter()
                .map(|r| {
                    assert_eq!(r.end, JobEnd::Completed, "{r:?}");
                    r.calls
                })
                .collect::<Vec<_>>()
        })
    };
    let one = calls(1);
    assert_eq!(one, vec![4; 12]);
    assert_eq!(calls(8), one);
}

/// A `[server]` that never answers and a config `request_timeout` of 0.5 job
/// s: `poll` gives each check up after 0.5 job s (5 ms real here), as
/// `validate` and the simulator's clients do, long before its 10 s real
/// `--request-timeout`; after `max_transport_failures` = 3 such checks in a
/// row the job is given up, the last failure being the check's timeout.
#[test]
fn poll_keeps_the_config_request_timeout() {
    const SILENT: &str = r#"
seed = 2
[workload.distribution]
kind = "uniform"
base = 100.0
spread = 0.0
[server]
request_timeout = 0.5
outages = [[0.0, 100000.0]]
outage_answer = "none"
[[policies]]
name = "every-second"
kind = "constant"
interval = 1.0
max_transport_failures = 3
"#;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, SILENT).unwrap();
    let (mut server, url) = serve(&config, "0.05");
    let (code, stdout, stderr) = pollsim(
        &[
            "poll",
            "--url",
            &url,
            "--config",
            config.to_str().unwrap(),
            "--time-scale",
            "0.05",
        ],
        None,
    );
    server.kill().ok();
    server.wait().ok();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("3 checks in a row got no answer (max_transport_failures); last: no answer within the check's timeout (0.5 job s)"),
        "{stdout}{stderr}"
    );
    assert!(stdout.contains("after 3 calls"), "{stdout}");
}
