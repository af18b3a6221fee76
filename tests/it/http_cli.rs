//! The network commands end to end: validate's files and verdict, exit codes on bad input.

use super::support::pollsim;

const CONFIG: &str = r#"
seed = 5
[workload.distribution]
kind = "uniform"
base = 3.0
spread = 1.0
[[policies]]
name = "every-1s"
kind = "constant"
interval = 1.0
[[policies]]
name = "once"
kind = "manual"
initial_delay = 4.5
"#;

#[test]
fn validate_writes_one_row_per_job_and_policy_with_the_simulators_prediction() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("small.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = dir.path().join("validation");
    let (code, stdout, stderr) = pollsim(
        &[
            "validate",
            "--config",
            config.to_str().unwrap(),
            "--jobs",
            "20",
            "--time-scale",
            "0.5",
            "--min-agreement",
            "0.5",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("20 jobs × 2 policies"), "{stdout}");
    assert!(stdout.contains("verdict: PASS"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        [
            "policy",
            "job",
            "duration_s",
            "outcome",
            "predicted_calls",
            "measured_calls"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 40);
    for row in &rows {
        let duration: f64 = row[2].parse().unwrap();
        let predicted: u32 = row[4].parse().unwrap();
        match row[0] {
            "every-1s" => assert_eq!(predicted, duration.ceil() as u32, "{row:?}"),
            "once" => assert_eq!((predicted, row[10]), (1, "completed"), "{row:?}"),
            other => panic!("unexpected policy {other}"),
        }
    }
}

#[test]
fn network_commands_refuse_bad_settings() {
    let (code, _, stderr) = pollsim(
        &[
            "serve",
            "--config",
            "configs/short.toml",
            "--fail-rate",
            "1.5",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--fail-rate") && stderr.contains("not a share"),
        "{stderr}"
    );
    let (code, _, stderr) = pollsim(
        &[
            "serve",
            "--config",
            "configs/short.toml",
            "--fail-rate",
            "0.6",
            "--throttle-rate",
            "0.6",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("server settings: throttle_rate: fail_rate + throttle_rate is at least 1"),
        "{stderr}"
    );
    let (code, _, stderr) = pollsim(
        &[
            "serve",
            "--config",
            "configs/short.toml",
            "--latency-ms",
            "9",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a range like 0..50"), "{stderr}");
    let (code, _, stderr) = pollsim(
        &[
            "serve",
            "--config",
            "configs/short.toml",
            "--max-jobs",
            "18446744073709551615",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--max-jobs")
            && stderr.contains("18446744073709551615")
            && stderr.contains("1 to 10000000"),
        "{stderr}"
    );
    let (code, _, stderr) = pollsim(
        &[
            "validate",
            "--config",
            "configs/short.toml",
            "--time-scale",
            "0",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--time-scale"), "{stderr}");
    // Nothing listens on port 1: the creation fails with a clear error.
    let (code, _, stderr) = pollsim(
        &[
            "poll",
            "--url",
            "http://127.0.0.1:1",
            "--config",
            "configs/short.toml",
            "--request-timeout",
            "2",
        ],
        None,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("GET /openapi.json"), "{stderr}");
}
