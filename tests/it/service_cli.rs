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
}
