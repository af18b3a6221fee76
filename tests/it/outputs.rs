//! Nothing lost: what a run may write, keep and refuse, end to end; and the
//! answer at the top of report.md after tuning.

use super::support::{long_with_small_tuning, pollsim, repo};
use std::path::Path;

const SHORT: &str = "configs/short.toml";

fn simulate(out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "simulate",
        "--config",
        SHORT,
        "--jobs",
        "2000",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    pollsim(&args, None)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_folder_pollsim_did_not_make_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("a.txt"), "keep").unwrap();
    let (code, _, stderr) = simulate(&sub, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(sub.to_str().unwrap()) && stderr.contains("not made by pollsim"),
        "{stderr}"
    );
    assert_eq!(names(&sub), ["a.txt"]);
    assert_eq!(std::fs::read_to_string(sub.join("a.txt")).unwrap(), "keep");
    assert_eq!(names(dir.path()), ["sub"], "no temporary folder left");
    // validate refuses it before its run, not after minutes of polling.
    let started = std::time::Instant::now();
    let (code, _, stderr) = pollsim(
        &[
            "validate",
            "--config",
            SHORT,
            "--jobs",
            "2000",
            "--time-scale",
            "1",
            "--out",
            sub.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not made by pollsim"), "{stderr}");
    assert!(
        started.elapsed().as_secs() < 30,
        "refused only after the run"
    );
    assert_eq!(names(&sub), ["a.txt"]);
}

#[test]
fn a_rerun_keeps_validations_and_the_users_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short");
    let (code, _, stderr) = simulate(&out, &[]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let validation = out.join("validation");
    let (code, _, stderr) = pollsim(
        &[
            "validate",
            "--config",
            SHORT,
            "--jobs",
            "5",
            "--time-scale",
            "0.01",
            "--out",
            validation.to_str().unwrap(),
        ],
        None,
    );
    assert!(code == 0 || code == 1, "{stderr}");
    let validated = std::fs::read(validation.join("validation.csv")).unwrap();
    let before = std::fs::read(out.join("summary.csv")).unwrap();
    let (code, _, stderr) = simulate(&out, &["--seed", "12345"]);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(std::fs::read(out.join("summary.csv")).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read(validation.join("validation.csv")).unwrap(),
        validated
    );
    assert_eq!(names(dir.path()), ["short"], "no temporary folder left");
}

/// The README's walkthrough: tune, add a policy by hand to tuned.toml, then
/// simulate those policies. Re-tuning into the same folder would overwrite
/// the input; `--no-tune` does not write tuned.toml and may.
#[test]
fn a_run_never_overwrites_its_own_input() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tuned-run.toml");
    std::fs::write(
        &config,
        "jobs = 2000\n[workload.distribution]\nkind = \"uniform\"\nbase = 30.0\nspread = 10.0\n\
         [[policies]]\nname = \"c\"\nkind = \"constant\"\ninterval = 5.0\n\
         [tune.constant]\ninterval = { geometric = [1.0, 40.0, 12] }\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["simulate", "--config", config, "--no-plots", "--out"];
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        pollsim(&args, None)
    };
    let (code, _, stderr) = run(&[]);
    assert_eq!(code, 0, "{stderr}");
    let tuned = out.join("tuned.toml");
    let mut text = std::fs::read_to_string(&tuned).unwrap();
    text.push_str("\n[[policies]]\nname = \"mine\"\nkind = \"constant\"\ninterval = 7.0\n");
    std::fs::write(&tuned, &text).unwrap();
    let policies = tuned.to_str().unwrap();
    // Tuning again would rewrite tuned.toml, the run's own input: refused.
    let (code, _, stderr) = run(&["--policies", policies]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("overwrite its own input") && stderr.contains("tuned.toml"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&tuned).unwrap(), text);
    // Without tuning the run does not write it, and simulates the hand-added policy.
    let (code, stdout, stderr) = run(&["--policies", policies, "--no-tune"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("│ mine "), "{stdout}");
    assert_eq!(std::fs::read_to_string(&tuned).unwrap(), text);
}

/// A run of 10^12 jobs shows its progress with an estimate (here, without a
/// terminal, as a line after ten seconds). When the OS kills it, it leaves its
/// staging folder; the next run for the same folder removes it and says so.
#[test]
fn the_next_run_cleans_up_after_a_killed_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pollsim"))
        .args([
            "simulate",
            "--config",
            SHORT,
            "--jobs",
            "1000000000000",
            // One thread: the run spins until killed, beside the other tests.
            "--threads",
            "1",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(repo())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    // The run's id is its pid and a nonce; its lock file bears the same id.
    let prefix = format!(".short.tmp-{}-", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let staging = loop {
        if let Some(name) = names(dir.path())
            .into_iter()
            .find(|n| n.starts_with(&prefix))
        {
            break name;
        }
        assert!(std::time::Instant::now() < deadline, "no staging folder");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let lock = staging.replacen(".tmp-", ".lock-", 1);
    let progress = got
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("a progress line");
    assert!(
        progress.starts_with("progress: ") && progress.contains("left"),
        "{progress}"
    );
    child.kill().unwrap(); // SIGKILL: no destructor runs.
    child.wait().unwrap();
    let mut left = vec![lock, staging.clone()];
    left.sort();
    assert_eq!(names(dir.path()), left);
    let (code, _, stderr) = simulate(&out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&staging) && stderr.contains("left by an interrupted run"),
        "{stderr}"
    );
    assert_eq!(names(dir.path()), ["short"]);
}

/// After tuning long.toml, report.md opens with what to deploy: the optimal
/// schedule without hints (regret 0 by construction) and the tuned
/// duration-aware policy with hints (below the bound), with blocks that load.
#[test]
fn after_tuning_the_headline_names_what_to_deploy_and_its_regret() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long");
    let config = long_with_small_tuning(dir.path());
    let (code, stdout, stderr) = pollsim(
        &[
            "simulate",
            "--config",
            config.to_str().unwrap(),
            "--jobs",
            "20000",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let top = md.split("## Policies").next().unwrap();
    assert!(
        top.contains("**Deploy `optimal-schedule`** without per-job hints")
            && top.contains("regret 0 %"),
        "{top}"
    );
    assert!(
        top.contains("deploy `duration_aware-tuned`**")
            && top.contains("below the optimal schedule"),
        "{top}"
    );
    // The regret printed is the one best.csv holds.
    let best = std::fs::read_to_string(out.join("best.csv")).unwrap();
    let row = best
        .lines()
        .find(|l| l.contains(",duration_aware-tuned,"))
        .unwrap();
    let regret: f64 = row.split(',').nth(12).unwrap().parse().unwrap();
    assert!(regret < 0.0, "{row}");
    assert!(top.contains(&format!("{:.1} % below", -regret)), "{top}");
    // The blocks to paste load as policies.
    let block = top
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let file = dir.path().join("paste.toml");
    std::fs::write(&file, block).unwrap();
    let specs = pollsim::config::load_policies(&file, true).unwrap();
    let names: Vec<&str> = specs.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["optimal-schedule", "duration_aware-tuned"]);
    // The terminal ends with the same answer.
    let last: Vec<&str> = stdout.lines().rev().take(2).collect();
    assert!(
        last[1].starts_with("deploy without hints: optimal-schedule"),
        "{stdout}"
    );
    assert!(
        last[0].starts_with("deploy with per-job hints: duration_aware-tuned"),
        "{stdout}"
    );
}

/// A file an earlier run wrote and this one does not replace is kept, and
/// named in report.md and on the terminal as left from an earlier run.
#[test]
fn a_rerun_names_what_an_earlier_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("short");
    let (code, _, stderr) = simulate(&out, &["--per-job"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = simulate(&out, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.join("jobs.csv").is_file(), "never deleted");
    assert!(
        stderr.contains("note: jobs.csv from an earlier run stay in"),
        "{stderr}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("**Left from an earlier run:** `jobs.csv` was not written by this run"),
        "{report}"
    );
    // A run that writes it again makes it current: no note.
    let (code, _, stderr) = simulate(&out, &["--per-job"]);
    assert_eq!(code, 0, "{stderr}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("Left from an earlier run"), "{report}");
}
