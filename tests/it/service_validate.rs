//! `pollsim validate` on a described service: the shipped description of the
//! bundled server's own API, with the exact prediction of its workload (a
//! pass), and a workload that does not describe the service (a fail).

use super::support::{load, pollsim, repo, runtime};
use pollsim::http::server::{ServerConfig, spawn};

#[test]
fn validate_holds_a_service_s_calls_to_the_workload_s_prediction() {
    let config = load(&repo().join("configs/service-jobs.toml"));
    let rt = runtime();
    let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
    settings.time_scale = 0.02;
    let server = rt.block_on(spawn(settings)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v");
    let args = |config: &str| {
        vec![
            "validate".to_string(),
            "--config".into(),
            config.into(),
            "--url".into(),
            server.url(),
            "--jobs".into(),
            "30".into(),
            "--time-scale".into(),
            "0.02".into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pollsim(&args, None)
    };
    let (code, stdout, stderr) = run(args("configs/service-jobs.toml"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Uniform on [1, 5] s checked every second: E[calls] = E[⌈D⌉] = 3.5.
    assert!(
        stdout.contains("constant-1s: 30/30 jobs final; calls per job exactly 3.50, measured"),
        "{stdout}"
    );
    assert!(stdout.contains("verdict: PASS"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("service_validation.csv")).unwrap();
    assert!(
        csv.starts_with("policy,jobs,finished,prediction,predicted_calls"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "{csv}");
    // Each job's bracket holds its duration, which the server drew from 1 to 5 s.
    let jobs = std::fs::read_to_string(out.join("service_validation_jobs.csv")).unwrap();
    let mut lines = jobs.lines();
    assert_eq!(
        lines.next(),
        Some("policy,job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 60);
    for row in &rows {
        let (last_pending, first_final): (f64, f64) =
            (row[3].parse().unwrap(), row[4].parse().unwrap());
        assert!(
            last_pending < 5.0 && first_final >= 1.0 && last_pending < first_final,
            "{row:?}"
        );
    }

    // A workload of 30 s jobs predicts 30 calls; the service's take 1 to 5.
    let wrong = dir.path().join("wrong.toml");
    let text = std::fs::read_to_string(repo().join("configs/service-jobs.toml"))
        .unwrap()
        .replace(
            "kind = \"uniform\"\nbase = 3.0\nspread = 2.0",
            "kind = \"fixed\"\nvalue = 30.0",
        );
    std::fs::write(&wrong, text).unwrap();
    let (code, stdout, stderr) = run(args(wrong.to_str().unwrap()));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("calls per job exactly 30.00") && stdout.contains("(DIFFER)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("validation on the service failed for constant-1s"),
        "{stderr}"
    );
}
