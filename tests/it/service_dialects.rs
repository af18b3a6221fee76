//! Round trips: pollsim's client polls the bundled server in each dialect
//! (`jobs`, `start-timer`, `request`) through the `[service]` description
//! shipped for it in configs/, and sees each job end when it ends.

use super::support::{load, policy, pollsim, repo, runtime};
use pollsim::http::client::{Answer, JobEnd, Submit};
use pollsim::http::server::{Dialect, ServerConfig, spawn};
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions};
use pollsim::workload::JobSource;

/// Real seconds per job second: jobs of 1 to 5 s take 50 to 250 ms.
const SCALE: f64 = 0.05;

/// Polls three jobs one at a time with a check every job second through the
/// description in `configs/service-{name}.toml`; returns each job's
/// (duration, failed) as the server drew it and its report.
fn round_trip(dialect: Dialect) -> Vec<((f64, bool), pollsim::http::JobReport)> {
    let config = load(&repo().join(format!("configs/service-{}.toml", dialect.name())));
    let service = config
        .service
        .clone()
        .expect("the config describes its service");
    let rt = runtime();
    let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
    settings.time_scale = SCALE;
    settings.dialect = dialect;
    settings.model.eta_hints = true;
    let server = rt.block_on(spawn(settings)).unwrap();
    let options = ClientOptions {
        time_scale: SCALE,
        seed: config.seed,
        ..ClientOptions::default()
    };
    let client = Client::for_service(&service, Some(&server.url()), options).unwrap();
    let every_1s = policy("name = 'c'\nkind = 'constant'\ninterval = 1.0");
    let jobs = vec![Submit::Create(NewJob::default()); 3];
    let reports = rt.block_on(client.poll_jobs(jobs, &every_1s, 1, |_| {}));
    // The server's hints are read through the description's pointers.
    let answer = rt.block_on(async {
        let job = client.create_job(&NewJob::default()).await.unwrap();
        client.status(&job.id).await
    });
    let has_hints = service.progress.is_some();
    match answer {
        Answer::Pending { progress, eta, .. } => {
            assert_eq!(progress.is_some(), has_hints, "{progress:?}");
            assert_eq!(eta.is_some(), has_hints, "{eta:?}");
        }
        other => panic!("{}: {other:?}", dialect.name()),
    }
    let source = JobSource::new(config.workload.clone(), config.seed);
    reports
        .into_iter()
        .enumerate()
        .map(|(i, report)| {
            let drawn = match dialect {
                // The timer runs what the description's body says.
                Dialect::StartTimer => (2.5, false),
                _ => {
                    let job = source.job(i as u64);
                    (job.duration, job.failed)
                }
            };
            (drawn, report)
        })
        .collect()
}

/// A check every second sees a job of `d` s at check ⌈d⌉, or one earlier
/// when the wire's lateness explains it: that check's answer arrived after
/// the job's end on the server's clock (which started during the creation
/// request, up to its round trip before the client's).
fn check_calls(dialect: Dialect, runs: &[((f64, bool), pollsim::http::JobReport)]) {
    for ((duration, failed), report) in runs {
        let expected = if *failed {
            JobEnd::Error
        } else {
            JobEnd::Completed
        };
        assert_eq!(report.end, expected, "{}: {report:?}", dialect.name());
        let calls = duration.ceil() as u32;
        let seen = report.final_check().expect("a final check");
        let early = report.calls + 1 == calls && seen.received + report.creation_lag >= *duration;
        assert!(
            report.calls == calls || early,
            "{}: a {duration} s job took {} calls, not {calls}: {report:?}",
            dialect.name(),
            report.calls
        );
    }
}

#[test]
fn the_jobs_dialect_round_trips_through_its_description() {
    check_calls(Dialect::Jobs, &round_trip(Dialect::Jobs));
}

#[test]
fn the_start_timer_dialect_round_trips_through_its_description() {
    let runs = round_trip(Dialect::StartTimer);
    assert!(
        runs.iter().all(|(_, r)| r.id.starts_with("job-")),
        "{runs:?}"
    );
    check_calls(Dialect::StartTimer, &runs);
}

#[test]
fn the_request_dialect_round_trips_through_its_description() {
    check_calls(Dialect::Request, &round_trip(Dialect::Request));
}

#[test]
fn serve_names_its_dialect_and_refuses_an_unknown_one() {
    let (code, _, stderr) = pollsim(
        &[
            "serve",
            "--config",
            "configs/service-start-timer.toml",
            "--dialect",
            "timer",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("'timer' is not a dialect: write jobs, start-timer or request"),
        "{stderr}"
    );
    // A seed dialect serves only its routes, and says which.
    let rt = runtime();
    let config = load(&repo().join("configs/service-start-timer.toml"));
    let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
    settings.dialect = Dialect::StartTimer;
    let server = rt.block_on(spawn(settings)).unwrap();
    pollsim::http::install_crypto_provider();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let (status, body) = rt.block_on(async {
        let r = http
            .post(format!("{}/jobs", server.url()))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("the server has POST /start-timer and GET /status"),
        "{body}"
    );
    let (status, body) = rt.block_on(async {
        let r = http
            .post(format!("{}/start-timer", server.url()))
            .body(r#"{"duration": -1}"#)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    });
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("duration: -1 is not a number of seconds"),
        "{body}"
    );
}

/// `observe` and `validate`, as a user types them, on the bundled server in
/// each seed dialect through the description shipped for it: observe
/// brackets every job (its end lies after the last pending check and by the
/// first final one), and validate finds the service doing what the config's
/// workload predicts. One job at a time: two of the dialects keep one
/// global status.
#[test]
fn observe_and_validate_work_in_every_seed_dialect() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    for dialect in [Dialect::Jobs, Dialect::StartTimer, Dialect::Request] {
        let name = dialect.name();
        let file = format!("configs/service-{name}.toml");
        let config = load(&repo().join(&file));
        let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
        settings.time_scale = 0.02;
        settings.dialect = dialect;
        let server = rt.block_on(spawn(settings)).unwrap();
        let url = server.url();
        let out = |what: &str| dir.path().join(format!("{what}-{name}"));
        let common = ["--url", url.as_str(), "--time-scale", "0.02"];
        let obs = out("obs");
        let mut args = vec!["observe", "--config", &file, "--jobs", "5"];
        // One job at a time: at this time scale a millisecond of a busy
        // machine is 0.05 job s, the start-timer bracket's margin below.
        args.extend(common);
        args.extend(["--concurrency", "1"]);
        args.extend(["--policy", "constant-1s", "--out", obs.to_str().unwrap()]);
        let (code, stdout, stderr) = pollsim(&args, None);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        let text = std::fs::read_to_string(obs.join("observed.csv")).unwrap();
        let rows: Vec<Vec<String>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        assert_eq!(rows.len(), 5, "{name}: {text}");
        for row in &rows {
            let (pending, last): (f64, f64) = (row[2].parse().unwrap(), row[3].parse().unwrap());
            assert!(pending < last, "{name}: {row:?}");
            assert!(
                row[4] == "completed" || row[4] == "error",
                "{name}: {row:?}"
            );
            if dialect == Dialect::StartTimer {
                // Every timer runs 2.5 job seconds; checks every second see it at 3.
                assert!(pending <= 2.5 && 2.5 <= last + 0.05, "{name}: {row:?}");
            }
        }
        let v = out("validate");
        let mut args = vec!["validate", "--config", &file, "--jobs", "20"];
        args.extend(common);
        args.extend(["--concurrency", "4"]);
        args.extend(["--out", v.to_str().unwrap()]);
        let (code, stdout, stderr) = pollsim(&args, None);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        assert!(stdout.contains("verdict: PASS"), "{name}: {stdout}");
    }
}
