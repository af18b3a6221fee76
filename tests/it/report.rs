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
    run_command("simulate", config_text, extra)
}

fn run_command(
    command: &str,
    config_text: &str,
    extra: &[&str],
) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("case.toml");
    std::fs::write(&config, config_text).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        command,
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
    assert!(md.contains("constant-interval policy `every-5s`"), "{md}");
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

/// TWO_POLICIES with a `[tune]` section: a constant grid (one numeric axis), an
/// exponential grid (three) and a hinted duration_aware grid.
fn tuned_config(grids: &str) -> String {
    // TOML allows a table ([workload]) after its sub-table ([workload.distribution]).
    format!("{TWO_POLICIES}\n[workload]\nhint_error = 0.25\n[tune]\njobs = 2000\n{grids}")
}

const GRIDS: &str = r#"
[tune.constant]
interval = { geometric = [2.0, 120.0, 10] }
[tune.exponential]
initial = [1.0, 10.0, 60.0]
factor = [1.5, 2.0]
cap = [30.0, 60.0, 120.0]
[tune.duration_aware]
lead = [0.8, 0.9]
interval = [2.0, 10.0]
"#;

#[test]
fn after_tuning_the_report_has_a_tuning_section_and_links_every_plot() {
    let (_dir, out, _) = run_command("tune", &tuned_config(GRIDS), &[]);
    let files = pngs(&out);
    let expected: BTreeSet<String> = [
        "calls.png",
        "delay_cdf.png",
        "heatmap.png",
        "schedule.png",
        "tradeoff.png",
    ]
    .map(String::from)
    .into();
    assert_eq!(files, expected);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(linked(&md), files, "{md}");
    let (_, tuning) = md.split_once("\n## Tuning\n").expect("a tuning section");
    // The tuning plots sit in the tuning section, before the config's plots.
    let (tuning, rest) = tuning
        .split_once("## Plots of the config's policies")
        .unwrap();
    for f in ["tradeoff.png", "heatmap.png", "schedule.png"] {
        assert!(tuning.contains(&format!("]({f})")), "{f} in {tuning}");
    }
    assert!(rest.contains("](delay_cdf.png)") && rest.contains("](calls.png)"));
    assert!(tuning.contains("**Best tuned policy: `"), "{tuning}");
    assert!(
        tuning.contains("Against the optimal schedule (cost "),
        "{tuning}"
    );
    assert!(tuning.contains("Against the next family, `"), "{tuning}");
    // One table row per family and one for the optimal schedule.
    for name in [
        "constant-tuned",
        "exponential-tuned",
        "duration_aware-tuned",
        "optimal-schedule",
    ] {
        assert!(
            tuning.contains(&format!(" | {name} | ")),
            "{name} row in {tuning}"
        );
    }
    assert!(
        tuning.contains("| rank | policy | parameters |"),
        "{tuning}"
    );
    assert!(tuning.contains("**Per-job hints.**"), "{tuning}");
    assert!(
        tuning.contains("Hinted here: `duration_aware-tuned`"),
        "{tuning}"
    );
    // The headline answers what to deploy; the config's policies follow.
    let top = md.split("## Policies").next().unwrap();
    assert!(top.contains("**Deploy `"), "{top}");
    assert!(top.contains("[[policies]]"), "{top}");
}

#[test]
fn without_two_numeric_parameters_the_heatmap_is_a_note() {
    let grids = "[tune.constant]\ninterval = { geometric = [2.0, 120.0, 10] }\n";
    let (_dir, out, stderr) = run_command("tune", &tuned_config(grids), &[]);
    assert!(!out.join("heatmap.png").exists());
    assert!(out.join("tradeoff.png").exists());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(linked(&md), pngs(&out), "{md}");
    assert!(
        md.contains("*`heatmap.png` was not drawn: nothing to draw: no tuned family has two numeric parameters"),
        "{md}"
    );
    assert!(stderr.contains("heatmap.png not drawn"), "{stderr}");
}

#[test]
fn tuning_with_no_plots_keeps_the_section_and_links_nothing() {
    let (_dir, out, _) = run_command("tune", &tuned_config(GRIDS), &["--no-plots"]);
    assert!(pngs(&out).is_empty());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(linked(&md).is_empty(), "{md}");
    assert!(
        md.contains("## Tuning") && md.contains("**Best tuned policy"),
        "{md}"
    );
    assert!(out.join("best.csv").exists() && out.join("tuned.toml").exists());
}
