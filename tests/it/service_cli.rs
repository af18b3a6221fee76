//! `pollsim poll` (and `observe`) on a described service, end to end: the
//! token comes from the environment and appears in no output or file, a
//! missing variable and a bad description are bad input (exit code 2).

use super::service::TRANSLATIONS;
use super::service_mocks::{self as mocks, TOKEN};
use super::support::runtime;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A config around the translations mock at `url`, polling every 50 ms.
pub(crate) fn config(dir: &Path, url: &str) -> std::path::PathBuf {
    let text = format!(
        "[workload.distribution]\nkind = \"fixed\"\nvalue = 0.3\n\n[[policies]]\nname = \"every-50ms\"\nkind = \"constant\"\ninterval = 0.05\n{}base_url = \"{url}\"\n",
        TRANSLATIONS
    );
    let file = dir.join("translations.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs pollsim in `dir` with `SERVICE_TOKEN` set to `token` (unset: `None`)
/// and every log on; returns (exit code, stdout + stderr).
pub(crate) fn run(dir: &Path, args: &[&str], token: Option<&str>) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pollsim"));
    command.args(args).current_dir(dir).env("RUST_LOG", "trace");
    match token {
        Some(t) => command.env("SERVICE_TOKEN", t),
        None => command.env_remove("SERVICE_TOKEN"),
    };
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn poll_reads_the_token_from_the_environment_and_never_prints_it() {
    let rt = runtime();
    let (router, mock) = mocks::translations(Duration::from_millis(300));
    let url = rt.block_on(mocks::serve(router));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &url);
    let config = config.to_str().unwrap();

    let (code, out) = run(
        dir.path(),
        &["poll", "--config", config, "--jobs", "2"],
        Some(TOKEN),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches(": completed after 2 calls").count(), 2, "{out}");
    assert!(
        out.contains("every-50ms: 2/2 jobs reached a final state"),
        "{out}"
    );
    assert!(!out.contains(TOKEN), "{out}");
    assert!(mock.seen().iter().all(|s| s.authorized));

    // A wrong token: the service echoes it in its 401, and the job line quotes
    // the answer with the token cut out.
    let wrong = "wrong-token-5e7a91";
    let (code, out) = run(dir.path(), &["poll", "--config", config], Some(wrong));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("HTTP 401: ") && out.contains("<redacted>"),
        "{out}"
    );
    assert!(!out.contains(wrong), "{out}");

    let (code, out) = run(dir.path(), &["poll", "--config", config], None);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "service.headers.Authorization: the environment variable SERVICE_TOKEN is not set"
        ),
        "{out}"
    );

    // A description the answers do not fit: exit code 2, with the field.
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(dir.path().join("translations.toml"))
        .unwrap()
        .replace("state = \"/data/status\"", "state = \"/data/state\"");
    std::fs::write(&bad, text).unwrap();
    let (code, out) = run(
        dir.path(),
        &["poll", "--config", bad.to_str().unwrap()],
        Some(TOKEN),
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("service.state: \"/data/state\" finds nothing in the answer {\"data\":"),
        "{out}"
    );
    assert!(!out.contains(": completed"), "{out}");

    // Without create, ids are needed.
    let no_create: String = TRANSLATIONS
        .lines()
        .filter(|l| !l.starts_with("create"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        dir.path().join("no-create.toml"),
        format!("{no_create}\nbase_url = \"{url}\"\n"),
    )
    .unwrap();
    let (code, out) = run(
        dir.path(),
        &["poll", "--config", config, "--service", "no-create.toml"],
        Some(TOKEN),
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("has no create request") && out.contains("--job ID"),
        "{out}"
    );

    // A base URL the client cannot use is blamed on the key that gave it.
    let bad_url = format!("{TRANSLATIONS}base_url = \"http://bad host\"\n");
    std::fs::write(dir.path().join("bad-url.toml"), bad_url).unwrap();
    let args = ["poll", "--config", config, "--service", "bad-url.toml"];
    let (code, out) = run(dir.path(), &args, Some(TOKEN));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("service.base_url http://bad host: "), "{out}");
}

#[test]
fn observe_writes_bracketed_durations_and_no_secret() {
    let rt = runtime();
    let (router, _mock) = mocks::translations(Duration::from_millis(1500));
    let url = rt.block_on(mocks::serve(router));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &url);
    let config = config.to_str().unwrap();
    let args = [
        "observe",
        "--config",
        config,
        "--jobs",
        "2",
        "--policy",
        "every-50ms",
        "--out",
        "obs",
    ];
    let (code, out) = run(dir.path(), &args, Some(TOKEN));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("2 jobs polled with every-50ms (2 completed, 0 error, 0 given up)"),
        "{out}"
    );
    assert!(
        out.contains("brackets ") && out.contains(" s wide at the median"),
        "{out}"
    );
    let text = std::fs::read_to_string(dir.path().join("obs/observed.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s")
    );
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 8, "{line}");
        assert!(f[0].starts_with("tr-") && f[4] == "completed", "{line}");
        let number = |i: usize| f[i].parse::<f64>().unwrap();
        // The mock's 1.5 s lie inside the bracket, which the 50 ms checks
        // (after the 1 s Retry-After) keep narrow.
        let (last_pending, first_final) = (number(2), number(3));
        assert!(last_pending < 1.5 && 1.5 <= first_final, "{line}");
        assert!(first_final - last_pending < 0.5, "{line}");
        assert!(number(1) < 1.0, "{line}");
        // The last pending answer's progress (a share below 1) and the eta string.
        assert!(
            number(6) > 0.5 && number(6) < 1.0 && number(7) == 0.5,
            "{line}"
        );
    }
    assert!(!out.contains(TOKEN) && !text.contains(TOKEN));

    // Given up at the deadline: right-censored rows, first_final_s empty.
    let args = [
        "observe",
        "--config",
        config,
        "--jobs",
        "1",
        "--deadline",
        "0.5",
        "--policy",
        "every-50ms",
        "--out",
        "obs",
    ];
    let (code, out) = run(dir.path(), &args, Some(TOKEN));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no job was seen final"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("obs/observed.csv")).unwrap();
    let row = text.lines().nth(1).unwrap();
    let f: Vec<&str> = row.split(',').collect();
    assert_eq!(
        (f[2], f[3], f[4], f[5]),
        ("0.0", "", "gave_up", "1"),
        "{row}"
    );
    let every: Vec<_> = walk(dir.path());
    for file in every {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "{}",
            file.display()
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The way from a service to a tuned policy, end to end: `observe` brackets
/// real jobs (the mock's take 300 ms), an `observed` workload estimates their
/// durations from `observed.csv`, and `tune` finds the best policy for them.
/// The estimate puts every job's end inside the brackets observe saw: none
/// before the earliest last-pending check, all by the latest first-final one.
#[test]
fn observe_then_tune_on_the_durations_it_saw() {
    let rt = runtime();
    let (router, _mock) = mocks::translations(Duration::from_millis(300));
    let url = rt.block_on(mocks::serve(router));
    let dir = tempfile::tempdir().unwrap();
    let service = config(dir.path(), &url);
    let args = [
        "observe",
        "--config",
        service.to_str().unwrap(),
        "--jobs",
        "12",
        "--policy",
        "every-50ms",
        "--out",
        "obs",
    ];
    let (code, out) = run(dir.path(), &args, Some(TOKEN));
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(dir.path().join("obs/observed.csv")).unwrap();
    let brackets: Vec<(f64, f64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[2].parse().unwrap(), f[3].parse().unwrap())
        })
        .collect();
    assert_eq!(brackets.len(), 12, "{text}");
    let earliest = brackets.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let latest = brackets.iter().map(|b| b.1).fold(0.0, f64::max);

    let tune = dir.path().join("tune.toml");
    std::fs::write(
        &tune,
        "seed = 3\njobs = 2000\n[workload.distribution]\nkind = \"observed\"\nfile = \"obs/observed.csv\"\n\
         [metrics.prices]\ncall = 1.0\ndelay_s = 10.0\n\
         [[policies]]\nname = \"every-100ms\"\nkind = \"constant\"\ninterval = 0.1\n\
         [tune]\njobs = 2000\n[tune.constant]\ninterval = { geometric = [0.05, 2.0, 6] }\n",
    )
    .unwrap();
    let tune = tune.to_str().unwrap();
    let (code, out) = run(
        dir.path(),
        &["tune", "--config", tune, "--out", "tuned"],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("observed: Turnbull NPMLE from 12 jobs (0 right-censored)"),
        "{out}"
    );
    for file in ["summary.csv", "report.md", "tuned.toml", "observed.png"] {
        assert!(
            dir.path().join("tuned").join(file).is_file(),
            "{file} missing"
        );
    }
    let estimate = pollsim::config::Config::load(Path::new(tune))
        .unwrap()
        .workload
        .distribution;
    assert_eq!(estimate.survival(earliest * (1.0 - 1e-9)), 1.0);
    assert!(
        estimate.survival(latest) < 1e-12,
        "{}",
        estimate.survival(latest)
    );
    // The tuned optimal schedule's first check comes once some job may have
    // ended: a check where every job is still pending is a call thrown away.
    let tuned =
        pollsim::config::load_policies(&dir.path().join("tuned/tuned.toml"), false).unwrap();
    let optimal = tuned
        .iter()
        .find(|p| p.name() == pollsim::optimize::optimal::OPTIMAL_NAME)
        .expect("tuned.toml holds the optimal schedule");
    let first = optimal
        .check_times(latest, 1000)
        .expect("a deterministic schedule")
        .times[0];
    assert!(
        first > earliest && first <= latest,
        "first check {first}, brackets {earliest}..{latest}"
    );
}
