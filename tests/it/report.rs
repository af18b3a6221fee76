//! The results folder end to end: report.md links exactly the PNGs that exist,
//! `--no-plots` leaves none, and a plot that cannot be drawn becomes a note.

use super::support::pollsim;
use std::collections::BTreeSet;
use std::path::Path;

/// Image files named by `![...](file)` links in `md`.
fn linked(md: &str) -> BTreeSet<String> {
    md.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|target| target.ends_with(".png"))
        .map(str::to_string)
        .collect()
}

fn pngs(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect()
}

fn run(config_text: &str, extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("case.toml");
    std::fs::write(&config, config_text).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "simulate",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = pollsim(&args, None);
    assert_eq!(code, 0, "{err}");
    (dir, out, err)
}

const TWO_POLICIES: &str = r#"
seed = 5
jobs = 2000
[workload.distribution]
kind = "uniform"
base = 300.0
spread = 120.0
[[policies]]
name = "every-5s"
kind = "constant"
interval = 5.0
[[policies]]
name = "backoff"
kind = "exponential"
initial = 1.0
factor = 2.0
cap = 60.0
"#;

#[test]
fn report_links_every_plot_that_exists_and_nothing_else() {
    let (_dir, out, _) = run(TWO_POLICIES, &[]);
    let files = pngs(&out);
    let expected: BTreeSet<String> = ["calls.png", "delay_cdf.png", "schedule.png"]
        .map(String::from)
        .into();
    assert_eq!(files, expected);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(linked(&md), files, "{md}");
    // The verdict, the table and how to reproduce the run.
    assert!(md.contains("**Winner: `backoff`**"), "{md}");
    assert!(md.contains("naive constant policy `every-5s`"), "{md}");
    assert!(md.contains("| every-5s "), "{md}");
    assert!(md.contains("seed 5, 2000 jobs"), "{md}");
    assert!(md.contains("--seed 5 --jobs 2000"), "{md}");
}

#[test]
fn no_plots_writes_the_report_without_images() {
    let (_dir, out, _) = run(TWO_POLICIES, &["--no-plots"]);
    assert!(pngs(&out).is_empty());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(linked(&md).is_empty(), "{md}");
    assert!(md.contains("`--no-plots`"), "{md}");
    assert!(out.join("summary.csv").exists());
}

#[test]
fn a_plot_that_cannot_be_drawn_becomes_a_note_not_a_failure() {
    // Every job takes 10 s and the only check is at 1 s: no job is ever
    // detected, so there is no detection delay to plot.
    let config = r#"
jobs = 100
[workload.distribution]
kind = "fixed"
value = 10.0
[[policies]]
name = "too-early"
kind = "manual"
initial_delay = 1.0
"#;
    let (_dir, out, stderr) = run(config, &[]);
    assert!(!out.join("delay_cdf.png").exists());
    assert!(out.join("calls.png").exists() && out.join("schedule.png").exists());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(linked(&md), pngs(&out), "{md}");
    assert!(
        md.contains("*`delay_cdf.png` was not drawn: nothing to draw: no policy detected any job"),
        "{md}"
    );
    assert!(stderr.contains("delay_cdf.png not drawn"), "{stderr}");
}
