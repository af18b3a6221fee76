//! The command line end to end: outputs, overrides, and bad input.

use super::support::{pollsim, repo};
use std::path::Path;

fn write_config(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const GOOD: &str = r#"
seed = 3
jobs = 1000
[workload.distribution]
kind = "uniform"
base = 300.0
spread = 120.0
[[policies]]
name = "c"
kind = "constant"
interval = 5.0
"#;

#[test]
fn simulate_writes_a_summary_with_the_expected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "good.toml", GOOD);
    let out = dir.path().join("out");
    let (code, stdout, err) = pollsim(
        &[
            "simulate",
            "--config",
            &config,
            "--out",
            out.to_str().unwrap(),
            "--seed",
            "9",
            "--jobs",
            "500",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("500 jobs × 1 policy, seed 9"), "{stdout}");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("policy,kind,jobs,completed")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with("c,constant,500,500,0,0,"), "{row}");
    assert!(
        row.ends_with(",60.5,2.5,0.0"),
        "exact calls 60.5 and delay 2.5: {row}"
    );
    assert!(!out.join("jobs.csv").exists());
    // Nothing is left behind beside the results.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

/// Each bad config: what to change in GOOD, and what the error must say.
const BAD: &[(&str, &str, &str, &[&str])] = &[
    (
        "unknown field",
        "interval = 5.0",
        "interval = 5.0\nintervall = 3",
        &["intervall"],
    ),
    (
        "negative interval",
        "interval = 5.0",
        "interval = -5.0",
        &["policies[0] (c).interval", "-5"],
    ),
    (
        "shrinking factor",
        "kind = \"constant\"\ninterval = 5.0",
        "kind = \"exponential\"\nfactor = 0.5",
        &["policies[0] (c).factor", "0.5", "at least 1"],
    ),
    (
        "spread above base",
        "spread = 120.0",
        "spread = 400.0",
        &["workload.distribution.spread", "400", "base"],
    ),
    (
        "empty mixture",
        "kind = \"uniform\"\nbase = 300.0\nspread = 120.0",
        "kind = \"mixture\"\ncomponents = []",
        &["workload.distribution.components", "empty"],
    ),
    (
        "unreadable empirical file",
        "kind = \"uniform\"\nbase = 300.0\nspread = 120.0",
        "kind = \"empirical\"\nfile = \"no-such-file.csv\"",
        &[
            "workload.distribution.file",
            "no-such-file.csv",
            "cannot read",
        ],
    ),
    (
        "param of another family",
        "interval = 5.0",
        "interval = 5.0\ncap = 9.0",
        &["policies[0] (c).cap", "not a parameter of constant"],
    ),
    (
        "unknown kind",
        "kind = \"constant\"",
        "kind = \"linear\"",
        &["policies[0] (c).kind", "linear"],
    ),
    ("zero jobs", "jobs = 1000", "jobs = 0", &["jobs"]),
    (
        "negative jobs",
        "jobs = 1000",
        "jobs = -5",
        &["jobs", "-5", "from 1 to 1000000000000"],
    ),
    (
        "too many threads",
        "seed = 3",
        "seed = 3\nthreads = 100000",
        &["threads", "100000", "1 to 1024"],
    ),
    (
        "absurd fixed duration",
        "kind = \"uniform\"\nbase = 300.0\nspread = 120.0",
        "kind = \"fixed\"\nvalue = 1e308",
        &["workload.distribution", "up to 1e9 s", "lower value"],
    ),
    (
        "absurd log-normal spread",
        "kind = \"uniform\"\nbase = 300.0\nspread = 120.0",
        "kind = \"lognormal\"\nmedian = 10.0\nsigma = 40.0",
        &["workload.distribution", "lower median or sigma"],
    ),
    (
        "one bracket for a list of policies",
        "[[policies]]",
        "[policies]",
        &["write [[policies]] (two brackets)"],
    ),
    (
        "a string where a table belongs",
        "[workload.distribution]\nkind = \"uniform\"\nbase = 300.0\nspread = 120.0",
        "[workload]\ndistribution = \"uniform\"",
        &["string \"uniform\" where a distribution belongs", "kind ="],
    ),
    ("not toml", "seed = 3", "seed = = 3", &["bad.toml"]),
];

#[test]
fn bad_configs_fail_cleanly_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    // A policy name of a million characters once took minutes to reject.
    let long_name = format!("name = \"{}\"", "x".repeat(1_000_000));
    let cases = BAD.iter().copied().chain([(
        "a name of a megabyte",
        "name = \"c\"",
        long_name.as_str(),
        &["name", "1000000 characters", "at most 100"][..],
    )]);
    for (what, from, to, expected) in cases {
        assert!(
            GOOD.contains(from),
            "{what}: fixture does not contain {from}"
        );
        let config = write_config(dir.path(), "bad.toml", &GOOD.replacen(from, to, 1));
        let out = dir.path().join("results-of-bad");
        let (code, stdout, stderr) = pollsim(
            &[
                "simulate",
                "--config",
                &config,
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(code, 2, "{what}: exit code {code}\n{stdout}{stderr}");
        assert!(stderr.starts_with("Error: "), "{what}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{what}: one line expected: {stderr}"
        );
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: '{needle}' missing from: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert!(!out.exists(), "{what}: a results folder was created");
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "{what}: something was left behind");
    }
}

#[test]
fn config_errors_give_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "bad.toml",
        &GOOD.replace("interval = 5.0", "interval = -5.0"),
    );
    let (_, _, stderr) = pollsim(&["simulate", "--config", &config], None);
    // The field's own line: `interval` is line 11 of GOOD (its table starts on 8).
    assert!(stderr.contains("bad.toml, line 11: "), "{stderr}");
    for (from, to, line) in [
        ("jobs = 1000", "jobs = 0", 3),
        ("interval = 5.0", "interval = 5.0\nfactor = 2.0", 12),
        ("spread = 120.0", "spread = 400.0", 7),
    ] {
        let config = write_config(dir.path(), "bad.toml", &GOOD.replace(from, to));
        let (code, _, stderr) = pollsim(&["simulate", "--config", &config], None);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("bad.toml, line {line}: ")),
            "{to}: {stderr}"
        );
    }
}

/// Command-line values out of range name the range and exit 2, like a bad config.
#[test]
fn bad_arguments_name_the_valid_range_and_exit_2() {
    for args in [
        &["--jobs", "-5"][..],
        &["--jobs=-5"],
        &["--jobs", "0"],
        &["--threads", "0"],
        &["--threads", "100000"],
    ] {
        let mut all = vec!["simulate", "--config", "configs/short.toml", "--no-write"];
        all.extend_from_slice(args);
        let (code, _, stderr) = pollsim(&all, None);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("write a whole number from 1 to"),
            "{args:?}: {stderr}"
        );
    }
}

/// Wrong values of the network commands and of `--out` are exit 2, naming
/// what to write.
#[test]
fn more_bad_arguments_say_what_to_write_and_exit_2() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["simulate", "--config", "configs/short.toml", "--out", "."],
            "names no folder of its own",
        ),
        (
            &[
                "poll",
                "--url",
                "http://u:secret@127.0.0.1:1",
                "--config",
                "configs/short.toml",
            ],
            "credentials in the URL",
        ),
        (
            &[
                "poll",
                "--url",
                "http://127.0.0.1:1",
                "--config",
                "configs/short.toml",
                "--deadline",
                "1e20",
            ],
            "write a positive number up to 31536000",
        ),
        (
            &[
                "poll",
                "--url",
                "http://127.0.0.1:1",
                "--config",
                "configs/short.toml",
                "--concurrency",
                "0",
            ],
            "write --concurrency 1 or more",
        ),
        (
            &[
                "validate",
                "--config",
                "configs/short.toml",
                "--jobs",
                "100000000",
            ],
            "from 1 to 10000000",
        ),
        (
            &["serve", "--config", "configs/short.toml", "--ttl", "1e12"],
            "ttl_s: 1000000000000 s",
        ),
    ];
    for (args, needle) in cases {
        let (code, _, stderr) = pollsim(args, None);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("secret"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_failed_run_keeps_the_previous_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let good = write_config(dir.path(), "good.toml", GOOD);
    assert_eq!(
        pollsim(
            &[
                "simulate",
                "--config",
                &good,
                "--out",
                out.to_str().unwrap()
            ],
            None
        )
        .0,
        0
    );
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let bad = write_config(
        dir.path(),
        "bad.toml",
        &GOOD.replace("spread = 120.0", "spread = 400.0"),
    );
    assert_eq!(
        pollsim(
            &["simulate", "--config", &bad, "--out", out.to_str().unwrap()],
            None
        )
        .0,
        2
    );
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), before);
}

#[test]
fn tuned_policy_files_replace_the_config_policies() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_config(dir.path(), "good.toml", GOOD);
    let policies = write_config(
        dir.path(),
        "p.toml",
        "[[policies]]\nname = \"x\"\nkind = \"fibonacci\"\n",
    );
    let (code, stdout, err) = pollsim(
        &[
            "simulate",
            "--config",
            &good,
            "--policies",
            &policies,
            "--no-write",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("│ x ") && !stdout.contains("│ c "),
        "{stdout}"
    );
    assert!(Path::new(&repo()).join("configs").exists());
}
