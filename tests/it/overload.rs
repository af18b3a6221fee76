//! The overload scenario (configs/overload.toml): after a 60 s outage, clients
//! that retry every failed check at once keep the server overloaded for the
//! rest of the run, while the same clients under a retry budget, or behind a
//! circuit breaker, recover.

use super::support::{contention_runs, load, pollsim, repo};

#[test]
fn retries_keep_the_server_drowned_and_a_retry_budget_lets_it_recover() {
    let config = load(&repo().join("configs/overload.toml"));
    let contention = config
        .contention
        .as_ref()
        .expect("the scenario has a server");
    let runs = contention_runs(&config, contention);
    let figures: Vec<_> = runs
        .iter()
        .map(|r| {
            r.overload_figures(&contention.server)
                .expect("capacity keys")
        })
        .collect();
    let (storm, budget) = (figures[0], figures[1]);
    // Without protection: never back within 10 % of the level before the
    // outage while jobs are still submitted (180 s after it ended).
    assert_eq!(storm.recovery_s, None, "{storm:?}");
    assert!(storm.wasted_work_s > 0.0);
    // With the retry budget: back within 30 s of the outage's end.
    let recovery = budget.recovery_s.expect("the budgeted clients recover");
    assert!(recovery <= 30.0, "{budget:?}");
    assert!(budget.work_amplification < storm.work_amplification);
    assert!(budget.goodput > storm.goodput);
    // Behind a breaker the same retries recover too, and during the outage a
    // client sends little beyond its probes: under a tenth of the failed
    // checks the budget lets through (each of its retries is a failure).
    let breaker = figures[2];
    assert!(breaker.recovery_s.is_some_and(|r| r <= 30.0), "{breaker:?}");
    let failed = |i: usize| runs[i].load.stats().failed;
    assert!(10 * failed(2) < failed(1), "{} vs {}", failed(2), failed(1));
    assert!(runs[2].rejected_locally > 0);
    assert_eq!(runs[0].rejected_locally + runs[1].rejected_locally, 0);
}

/// The run's folder shows it: overload.png, in report.md, and summary.csv's
/// recovery_s empty for the storm, a number for the budget.
#[test]
fn the_results_folder_draws_the_queue_and_names_the_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("overload");
    let args = ["simulate", "--config", "configs/overload.toml", "--out"];
    let (code, _, err) = pollsim(&[&args[..], &[out.to_str().unwrap()]].concat(), None);
    assert_eq!(code, 0, "{err}");
    let png = std::fs::read(out.join("overload.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("![Overload](overload.png)"), "{md}");
    assert!(md.contains("## After the outage"), "{md}");
    assert!(
        md.contains("Never recovered while jobs were submitted: `fixed-retry`."),
        "{md}"
    );
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "recovery_s").unwrap();
    let recovery: Vec<(String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cells[at].to_string())
        })
        .collect();
    for (policy, value) in &recovery {
        match policy.as_str() {
            "fixed-retry" => assert_eq!(value, "", "the storm never recovers"),
            _ => assert!(
                value.parse::<f64>().is_ok_and(|v| v <= 30.0),
                "{policy}: {value}"
            ),
        }
    }
    assert_eq!(recovery.len(), 3);
}

/// A server too large to hold is refused at load, naming the field.
#[test]
fn a_server_of_more_workers_than_can_be_held_is_refused() {
    let text = std::fs::read_to_string(repo().join("configs/overload.toml")).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("workers"))
        .expect("overload.toml sets workers");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.toml");
    std::fs::write(&file, text.replacen(line, "workers = 4294967295", 1)).unwrap();
    let (code, _, err) = pollsim(
        &["simulate", "--config", file.to_str().unwrap(), "--no-write"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workers") && err.contains("1000000 or fewer"),
        "{err}"
    );
}
