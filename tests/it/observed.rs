//! The `observed` workload kind end to end: the bundled example is what its
//! generator writes, `tune` runs on observed data and the schedule it tunes
//! costs, on the distribution the data came from, within 2 % of the optimum
//! there; bad files are one error naming file, line and field, exit 2.

use super::support::{load, pollsim, repo};
use pollsim::metrics::Scoring;
use pollsim::optimize::optimal::{OPTIMAL_NAME, optimal_schedule};
use pollsim::rng::{Domain, stream};
use pollsim::workload::observed::HEADER;
use pollsim::workload::{Distribution, LogNormal};
use std::path::Path;

/// `observed.csv` for `n` jobs drawn from `truth` (seed 11), watched by an
/// observer that checks every `w` seconds after submission and gives up after
/// `give_up` seconds; every 20th job ends in `error`.
fn observed_csv(truth: &Distribution, n: usize, w: f64, give_up: f64) -> String {
    let mut rng = stream(11, Domain::Workload, 0);
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER.split(',')).unwrap();
    for i in 0..n {
        let d = truth.sample(&mut rng);
        // Checks at w, 2w, …: the first at or after D sees the job final.
        let k = (d / w).ceil().max(1.0);
        let submitted = format!("{:.1}", 2.0 * i as f64);
        let row: Vec<String> = if k * w > give_up {
            let checks = (give_up / w).floor();
            vec![
                format!("job-{i:04}"),
                submitted,
                format!("{}", checks * w),
                String::new(),
                "gave_up".into(),
                format!("{checks}"),
                String::new(),
                String::new(),
            ]
        } else {
            let state = if i % 20 == 19 { "error" } else { "completed" };
            vec![
                format!("job-{i:04}"),
                submitted,
                format!("{}", (k - 1.0) * w),
                format!("{}", k * w),
                state.into(),
                format!("{k}"),
                String::new(),
                String::new(),
            ]
        };
        out.write_record(&row).unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

/// The example's truth: log-normal, median 120 s, sigma 0.5; checks every
/// 10 s; given up on after 400 s (about 0.8 % of jobs).
fn example_truth() -> Distribution {
    Distribution::LogNormal(LogNormal::new(120.0, 0.5).unwrap())
}

#[test]
fn the_bundled_example_is_what_its_generator_writes() {
    let path = repo().join("configs/observed-example.csv");
    let expected = observed_csv(&example_truth(), 400, 10.0, 400.0);
    if std::env::var_os("POLLSIM_WRITE_EXAMPLE").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let found = std::fs::read_to_string(&path).unwrap();
    assert!(
        found == expected,
        "configs/observed-example.csv differs from its generator: rerun this test with POLLSIM_WRITE_EXAMPLE=1"
    );
    let config = load(&repo().join("configs/observed.toml"));
    let Distribution::Observed(observed) = &config.workload.distribution else {
        panic!("configs/observed.toml reads an observed workload")
    };
    assert_eq!(observed.evidence().brackets.len(), 400);
    assert_eq!(observed.evidence().median_width, 10.0);
}

fn write_config(dir: &Path, file: &str) -> std::path::PathBuf {
    let config = dir.join("observed.toml");
    std::fs::write(
        &config,
        format!(
            "seed = 3\njobs = 2000\n[workload.distribution]\nkind = \"observed\"\nfile = \"{file}\"\n\
             [[policies]]\nname = \"every-10s\"\nkind = \"constant\"\ninterval = 10.0\n\
             [tune]\njobs = 2000\n[tune.constant]\ninterval = {{ geometric = [2.0, 60.0, 8] }}\n"
        ),
    )
    .unwrap();
    config
}

/// 2,000 jobs of a log-normal workload (median 120 s, sigma 0.5), 10 s
/// brackets: the optimal schedule `tune` writes into tuned.toml, costed
/// exactly on the true log-normal, is within 2 % of the true optimum (the
/// same bound as the library test of the estimator, which derives why).
#[test]
fn tune_on_observed_data_writes_its_files_and_costs_within_two_percent() {
    let dir = tempfile::tempdir().unwrap();
    let truth = example_truth();
    std::fs::write(
        dir.path().join("observed.csv"),
        observed_csv(&truth, 2_000, 10.0, 1_000.0),
    )
    .unwrap();
    let config = write_config(dir.path(), "observed.csv");
    let out = dir.path().join("out");
    let (code, stdout, err) = pollsim(
        &[
            "tune",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains(
            "observed: Turnbull NPMLE from 2000 jobs (0 right-censored), brackets median width 10 s"
        ),
        "{stdout}"
    );
    for file in [
        "summary.csv",
        "report.md",
        "best.csv",
        "tuned.toml",
        "sweep.csv",
        "observed.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("observed: Turnbull NPMLE from 2000 jobs"),
        "{report}"
    );
    assert!(report.contains("](observed.png)"), "{report}");
    let tuned = pollsim::config::load_policies(&out.join("tuned.toml"), false).unwrap();
    let schedule = tuned.iter().find(|p| p.name() == OPTIMAL_NAME).unwrap();
    let scoring = Scoring::default();
    let e = pollsim::sim::evaluate(schedule, &truth).unwrap();
    let on_truth = scoring.call_price * e.calls + scoring.delay_price * e.delay;
    let best = optimal_schedule(&truth, &scoring, 20_000).cost;
    assert!(
        on_truth <= 1.02 * best,
        "tuned on the estimate {on_truth}, optimum on the truth {best}"
    );
}

#[test]
fn a_bad_observed_file_is_one_error_with_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("observed.csv"),
        format!("{HEADER}\na,0,10,20,completed,2,,\nb,1,30,25,completed,3,,\n"),
    )
    .unwrap();
    let config = write_config(dir.path(), "observed.csv");
    let (code, _, err) = pollsim(
        &["tune", "--config", config.to_str().unwrap(), "--no-write"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("observed.csv, line 3: first_final_s: 25 is not after last_pending_s = 30"),
        "{err}"
    );
    // A method that does not exist is named in the config's own terms.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("file = ", "method = \"kaplan\"\nfile = ");
    std::fs::write(&config, text).unwrap();
    let (code, _, err) = pollsim(
        &["tune", "--config", config.to_str().unwrap(), "--no-write"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workload.distribution.method: 'kaplan' is not an estimate; use one of: turnbull, lognormal"),
        "{err}"
    );
}
