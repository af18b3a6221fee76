//! Helpers shared by the integration tests.

use pollsim::config::Config;
use pollsim::policy::PolicySpec;
use std::path::{Path, PathBuf};

pub(crate) fn policy(text: &str) -> PolicySpec {
    PolicySpec::from_toml(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// configs/long.toml with its tuning sample cut from 20,000 to 2,000 jobs,
/// written into `dir`: the same families, grids and outputs, tuned in a
/// tenth of the time (tests that check what a run writes, not the tuning's
/// precision).
pub(crate) fn long_with_small_tuning(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("configs/long.toml")).unwrap();
    let from = "\njobs = 20000 ";
    assert_eq!(
        text.matches(from).count(),
        1,
        "long.toml's [tune] jobs line moved"
    );
    let file = dir.join("long.toml");
    std::fs::write(&file, text.replacen(from, "\njobs = 2000 ", 1)).unwrap();
    file
}

pub(crate) fn bundled_configs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("configs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "the bundled configs are missing");
    files
}

pub(crate) fn load(path: &Path) -> Config {
    Config::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the pollsim binary; returns (exit code, stdout, stderr).
pub(crate) fn pollsim(args: &[&str], threads: Option<usize>) -> (i32, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pollsim"));
    command.args(args).current_dir(repo());
    if let Some(n) = threads {
        command.env("RAYON_NUM_THREADS", n.to_string());
    }
    let out = command.output().expect("the pollsim binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A multi-threaded tokio runtime for the HTTP tests (two workers: the target machine's cores).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A workload of short jobs, uniform on `[base - spread, base + spread]` seconds.
pub(crate) fn workload(
    base: f64,
    spread: f64,
    error_probability: f64,
) -> pollsim::workload::Workload {
    use pollsim::workload::{Distribution, Uniform, Workload};
    let dist = Distribution::Uniform(Uniform::new(base, spread).unwrap());
    Workload::new(dist, error_probability, None).unwrap()
}

/// A config written from `text` to a temporary folder (kept alive by the
/// returned guard, for configs that name files beside them) and loaded.
pub(crate) fn config_from_text(text: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, text).unwrap();
    let config = load(&file);
    (dir, config)
}

/// `pollsim validate` in-process: every policy of `config` on the bundled server.
pub(crate) fn validate_on_wire(
    config: &Config,
    settings: pollsim::http::validate::ValidationSettings,
) -> pollsim::http::validate::Validation {
    runtime()
        .block_on(pollsim::http::validate::validate(
            config,
            &config.policies,
            &settings,
        ))
        .unwrap()
}

/// Every policy of `config` through the discrete-event simulator against its
/// `[server]`/`[arrivals]` (`contention`), as `simulate` runs them.
pub(crate) fn contention_runs(
    config: &Config,
    contention: &pollsim::config::ContentionSettings,
) -> Vec<pollsim::sim::ContendedRun> {
    let source = pollsim::workload::JobSource::new(config.workload.clone(), config.seed);
    let setup = pollsim::sim::Contention {
        source: &source,
        arrivals: &contention.arrivals,
        server: &contention.server,
        jobs: config.jobs,
        seed: config.seed,
        options: pollsim::sim::RunOptions {
            clients: config.clients,
            ..pollsim::sim::RunOptions::default()
        },
    };
    pollsim::sim::simulate_contention(&setup, &config.policies)
}

/// A server capacity that answers nothing, for ever (an outage without
/// answers from 0 on), to clients that wait `request_timeout` job seconds.
pub(crate) fn silent_for_ever(request_timeout: f64) -> pollsim::sim::server::Capacity {
    use pollsim::sim::server::{Capacity, Refusal};
    Capacity {
        workers: None,
        service_ms: None,
        queue: None,
        queue_full: Refusal::Unavailable,
        outages: vec![(0.0, 1e6)],
        outage_answer: Refusal::Silence,
        request_timeout: Some(request_timeout),
    }
}
