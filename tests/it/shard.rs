//! Sharded runs: `simulate|tune --shard I/N` then `merge` writes the unsharded
//! run's results folder byte for byte; what cannot merge exactly is refused,
//! and so are parts that do not make one run.
//!
//! Runs are kept small: 66,536 jobs are three whole chunks of 32,768 (the
//! last one partial), so N = 2, 3 and 7 split them unevenly, 7 with empty
//! shards; long.toml's tuning runs on 200 sampled jobs (a copy of the config
//! with `[tune] jobs` lowered), which keeps every grid point and family.

use super::support::{pollsim, repo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const JOBS: &str = "66536";

/// Every file of a results folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().into_string().unwrap();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn run_ok(args: &[&str]) -> String {
    let (code, out, err) = pollsim(args, None);
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

/// Runs `command` on `config` whole, then in `n` shards merged, and asserts
/// the two results folders are the same bytes.
fn identical(dir: &Path, command: &str, config: &str, n: u64, extra: &[&str], plots: bool) {
    let whole = dir.join(format!("whole-{command}-{n}"));
    let merged = dir.join(format!("merged-{command}-{n}"));
    let parts = dir.join(format!("parts-{command}-{n}"));
    let plot_flag: &[&str] = if plots { &[] } else { &["--no-plots"] };
    // The discrete-event config runs its own 1,000-job batch.
    let jobs: &[&str] = if config.contains("contention") {
        &[]
    } else {
        &["--jobs", JOBS]
    };
    let base = [&[command, "--config", config][..], jobs, extra].concat();
    let whole_s = whole.to_str().unwrap();
    run_ok(&[&base[..], &["--out", whole_s], plot_flag].concat());
    for i in 0..n {
        let shard = format!("{i}/{n}");
        run_ok(
            &[
                &base[..],
                &["--shard", &shard, "--out", parts.to_str().unwrap()],
            ]
            .concat(),
        );
    }
    let part_dirs: Vec<String> = (0..n)
        .rev() // any order of the parts
        .map(|i| {
            parts
                .join(format!("shard-{i}-of-{n}"))
                .display()
                .to_string()
        })
        .collect();
    let mut merge = vec!["merge"];
    merge.extend(part_dirs.iter().map(String::as_str));
    merge.extend(["--out", merged.to_str().unwrap()]);
    merge.extend(plot_flag);
    run_ok(&merge);
    let (a, b) = (files(&whole), files(&merged));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{command} {config} N={n}"
    );
    assert!(a.contains_key("summary.csv") && a.contains_key("report.md"));
    for (name, bytes) in &a {
        assert!(
            &b[name] == bytes,
            "{command} {config} N={n}: {name} differs"
        );
    }
}

/// long.toml with `[tune] jobs = 200`, in `dir`.
fn small_long(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("configs/long.toml")).unwrap();
    let small = text.replacen("\njobs = 20000 ", "\njobs = 200 ", 1);
    assert_ne!(small, text, "long.toml's [tune] jobs line moved");
    let path = dir.join("long.toml");
    std::fs::write(&path, small).unwrap();
    path
}

#[test]
fn simulate_short_merges_byte_identical_for_1_2_3_7_shards() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 7] {
        identical(dir.path(), "simulate", "configs/short.toml", n, &[], n == 3);
    }
}

#[test]
fn tune_short_merges_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 7] {
        identical(dir.path(), "tune", "configs/short.toml", n, &[], n == 7);
    }
}

#[test]
fn simulate_long_merges_byte_identical_for_1_2_3_7_shards() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 7] {
        // The learning policy (calibrated) shards by client lane; --no-tune
        // here, tuning in the tests below.
        identical(
            dir.path(),
            "simulate",
            "configs/long.toml",
            n,
            &["--no-tune"],
            false,
        );
    }
}

#[test]
fn tune_long_merges_byte_identical_for_1_and_2_shards() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_long(dir.path());
    for n in [1, 2] {
        identical(dir.path(), "tune", config.to_str().unwrap(), n, &[], false);
    }
}

#[test]
fn tune_long_merges_byte_identical_for_3_shards() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_long(dir.path());
    identical(dir.path(), "tune", config.to_str().unwrap(), 3, &[], false);
}

#[test]
fn simulate_long_with_its_tuning_merges_byte_identical_for_7_shards() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_long(dir.path());
    // `simulate` tunes long.toml too ([tune]); with the plots this time.
    identical(
        dir.path(),
        "simulate",
        config.to_str().unwrap(),
        7,
        &[],
        true,
    );
}

#[test]
fn contention_shards_by_policy_and_merges_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 7] {
        // Four policies: N = 7 leaves three shards with none.
        identical(
            dir.path(),
            "simulate",
            "configs/contention.toml",
            n,
            &[],
            n == 2,
        );
    }
}

/// Runs and expects exit 2 with every `needles` in stderr.
fn refused<S: AsRef<str>>(args: &[S], needles: &[&str]) {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let (code, out, err) = pollsim(&args, None);
    assert_eq!(code, 2, "{args:?}: {out}{err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn what_cannot_merge_exactly_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("parts");
    let out = out.to_str().unwrap();
    let short = [
        "simulate",
        "--config",
        "configs/short.toml",
        "--jobs",
        "100",
    ];
    let with = |more: &[&str]| -> Vec<String> {
        let all = [&short[..], &["--out", out], more].concat();
        all.into_iter().map(String::from).collect()
    };
    refused(
        &with(&["--shard", "0/2", "--per-job"]),
        &["per-job output cannot be sharded", "drop --per-job"],
    );
    refused(
        &with(&["--shard", "0/2", "--exact-percentiles"]),
        &["exact percentiles cannot be sharded", "keep every delay"],
    );
    // exact_percentiles set in the config, not on the command line.
    let text = std::fs::read_to_string(repo().join("configs/short.toml")).unwrap();
    let config = dir.path().join("exact.toml");
    std::fs::write(
        &config,
        format!("{text}\n[metrics]\nexact_percentiles = true\n"),
    )
    .unwrap();
    refused(
        &[
            "simulate",
            "--config",
            config.to_str().unwrap(),
            "--shard",
            "1/2",
            "--out",
            out,
        ],
        &["exact percentiles cannot be sharded"],
    );
    refused(&with(&["--shard", "0/2", "--no-write"]), &["--no-write"]);
    refused(
        &[
            "simulate",
            "--config",
            "configs/overload.toml",
            "--shard",
            "0/2",
            "--out",
            out,
        ],
        &["capacity keys", "run it whole"],
    );
    refused(
        &with(&["--shard", "2/2"]),
        &["shard 2/2", "I from 0 to N - 1"],
    );
    refused(
        &with(&["--shard", "half"]),
        &["'half' is not a shard", "I/N"],
    );
    assert!(!Path::new(out).exists(), "nothing was written");
}

#[test]
fn shard_auto_reads_the_batch_schedulers_variables() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    let run = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pollsim"));
        command
            .args([
                "simulate",
                "--config",
                "configs/short.toml",
                "--jobs",
                "100",
                "--shard",
            ])
            .args(["auto", "--out", parts.to_str().unwrap()])
            .current_dir(repo());
        for var in [
            "JOB_COMPLETION_INDEX",
            "SLURM_ARRAY_TASK_ID",
            "SLURM_ARRAY_TASK_MIN",
            "SLURM_ARRAY_TASK_COUNT",
            "POLLSIM_SHARDS",
        ] {
            command.env_remove(var);
        }
        command.envs(env.iter().copied());
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("JOB_COMPLETION_INDEX"), "{err}");
    let (code, err) = run(&[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("POLLSIM_SHARDS"), "{err}");
    assert_eq!(
        run(&[("JOB_COMPLETION_INDEX", "1"), ("POLLSIM_SHARDS", "3")]).0,
        Some(0)
    );
    assert!(parts.join("shard-1-of-3/part.json").is_file());
    // A Slurm array --array=1-3: task ids from SLURM_ARRAY_TASK_MIN.
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "3"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    assert_eq!(run(&slurm).0, Some(0));
    assert!(parts.join("shard-2-of-3/part.json").is_file());
}

#[test]
fn parts_that_do_not_make_one_run_are_refused_naming_the_part() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("short.toml");
    std::fs::copy(repo().join("configs/short.toml"), &config).unwrap();
    let config = config.to_str().unwrap();
    let shard = |i: u64, n: u64, seed: &str, out: &str| {
        let out = d.join(out);
        run_ok(&[
            "simulate",
            "--config",
            config,
            "--jobs",
            "100",
            "--seed",
            seed,
            "--shard",
            &format!("{i}/{n}"),
            "--out",
            out.to_str().unwrap(),
        ]);
        out.join(format!("shard-{i}-of-{n}")).display().to_string()
    };
    let (a0, a1) = (shard(0, 2, "7", "a"), shard(1, 2, "7", "a"));
    let b1 = shard(1, 2, "8", "b");
    let c1 = shard(1, 3, "7", "c");
    let merged = d.join("merged");
    let merged = merged.to_str().unwrap();
    let merge = |parts: &[&str]| -> Vec<String> {
        let all = [&["merge"][..], parts, &["--out", merged, "--no-plots"]].concat();
        all.into_iter().map(String::from).collect()
    };
    refused(&merge(&[&a0]), &["shard 1/2 is missing"]);
    refused(&merge(&[&a0, &a1, &a1]), &[&a1, "shard 1/2 again"]);
    refused(&merge(&[&a0, &b1]), &[&b1, "seed 8", "seed 7"]);
    refused(&merge(&[&a0, &c1]), &[&c1, "shard count 3"]);
    // Another version of the format.
    let old = d.join("old.json");
    let text = std::fs::read_to_string(Path::new(&a1).join("part.json")).unwrap();
    std::fs::write(&old, text.replacen("\"version\":1", "\"version\":7", 1)).unwrap();
    let old = old.to_str().unwrap();
    refused(
        &merge(&[&a0, old]),
        &[old, "format version 7", "merges version 1"],
    );
    // Not a part at all.
    refused(&merge(&[&a0, config]), &[config, "not a pollsim part"]);
    // The config changed after the shards ran.
    let ok = merge(&[&a0, &a1]);
    run_ok(&ok.iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::write(
        config,
        std::fs::read_to_string(config)
            .unwrap()
            .replace("interval = 1.0", "interval = 1.5"),
    )
    .unwrap();
    refused(&merge(&[&a0, &a1]), &[&a0, "changed since the shards ran"]);
}

/// deploy/local.sh: N processes told their shard as a Kubernetes Indexed Job
/// tells its pods, one parts folder, then the merge: the whole run's bytes.
#[test]
fn the_local_pipeline_of_n_processes_gives_the_whole_runs_folder() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let merged = dir.path().join("merged");
    let args = ["--config", "configs/long.toml", "--jobs", JOBS, "--no-tune"];
    run_ok(
        &[
            &["simulate"][..],
            &args,
            &["--no-plots", "--out", whole.to_str().unwrap()],
        ]
        .concat(),
    );
    let out = std::process::Command::new("sh")
        .arg(repo().join("deploy/local.sh"))
        .args([
            "simulate",
            "3",
            "configs/long.toml",
            merged.to_str().unwrap(),
        ])
        .args(&args[2..])
        .env("POLLSIM", env!("CARGO_BIN_EXE_pollsim"))
        .env("MERGE_OPTIONS", "--no-plots")
        .current_dir(repo())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches(": shard ").count(), 3, "{text}");
    assert!(
        dir.path()
            .join("merged.parts/shard-2-of-3/part.json")
            .is_file()
    );
    assert_eq!(files(&whole), files(&merged));
}
