//! `pollsim merge PARTS… --out DIR`: the shards' parts (see [`super::shard`])
//! merged into the results folder the unsharded run writes, byte for byte.
//!
//! The parts must come from one run: the same command, config (by hash of
//! every input file), seed, jobs and shard count, with every shard exactly
//! once. The config is read again from the path the parts record (run the
//! merge from the directory the shards ran in) and must still hash the same.

use super::shard::{FORMAT, PART_FILE, Part, VERSION, config_hash};
use super::simulate::{SimulateArgs, finish, load, results_dir, summaries_of, tune_settings};
use super::{UsageError, with_threads};
use crate::optimize::total_points;
use crate::sim::shard::merge_shards;
use crate::sim::{LoadTimeline, PolicyRun, Run};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' parts: their folders (`shard-I-of-N`) or part.json files.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Results folder. Default: results/<config name>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: the config's, else all cores; at most 1024).
    #[arg(long, allow_negative_numbers = true, value_parser = super::args::parse_threads)]
    pub threads: Option<usize>,
    /// Do not write files; print the table only.
    #[arg(long)]
    pub no_write: bool,
    /// Do not draw the PNG plots (report.md is still written, without images).
    #[arg(long)]
    pub no_plots: bool,
    /// Show every column of the terminal tables, however wide.
    #[arg(long)]
    pub wide: bool,
}

fn bad(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// Reads one part, refusing anything but this version's format.
fn read_part(path: &Path) -> Result<Part> {
    let file = if path.is_dir() {
        path.join(PART_FILE)
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read(&file)
        .map_err(|e| bad(format!("{}: cannot read the part: {e}", file.display())))?;
    let not_part = |why: String| {
        bad(format!(
            "{}: not a pollsim part ({why}); give the folders `simulate --shard` wrote",
            file.display()
        ))
    };
    // The format and version are read first, so that a part of another
    // version is named as such rather than as a field it lacks.
    #[derive(serde::Deserialize)]
    struct Head {
        format: Option<String>,
        version: Option<u64>,
    }
    let head: Head = serde_json::from_slice(&text).map_err(|e| not_part(e.to_string()))?;
    if head.format.as_deref() != Some(FORMAT) {
        return Err(not_part(format!("no \"format\": \"{FORMAT}\"")));
    }
    if head.version != Some(u64::from(VERSION)) {
        return Err(bad(format!(
            "{}: a part of format version {}, and this pollsim merges version {VERSION}: run the shards and the merge with one pollsim version",
            file.display(),
            head.version.map_or("(none)".to_string(), |v| v.to_string()),
        )));
    }
    serde_json::from_slice(&text).map_err(|e| not_part(e.to_string()))
}

/// `pollsim merge`.
pub(super) fn run(args: MergeArgs) -> Result<()> {
    // Read side by side; the first bad part in the order given is the one named.
    use rayon::prelude::*;
    let read: Vec<Result<Part>> = args.parts.par_iter().map(|p| read_part(p)).collect();
    let mut parts: Vec<(PathBuf, Part)> = Vec::with_capacity(args.parts.len());
    for (path, part) in args.parts.iter().zip(read) {
        parts.push((path.clone(), part?));
    }
    let (first_path, first) = &parts[0];
    for (path, p) in &parts[1..] {
        let differ = |what: &str, mine: String, theirs: String| {
            bad(format!(
                "{}: {what} {mine}, but {} has {what} {theirs}: the parts of one run share it; merge only one run's parts",
                path.display(),
                first_path.display()
            ))
        };
        let checks = [
            ("command", &p.command, &first.command),
            ("config hash", &p.config_hash, &first.config_hash),
        ];
        for (what, mine, theirs) in checks {
            if mine != theirs {
                return Err(differ(what, mine.clone(), theirs.clone()));
            }
        }
        let show = |p: &Option<PathBuf>| format!("{p:?}");
        let checks = [
            (
                "config",
                p.config.display().to_string(),
                first.config.display().to_string(),
            ),
            ("--policies", show(&p.policies), show(&first.policies)),
            (
                "--no-tune",
                p.no_tune.to_string(),
                first.no_tune.to_string(),
            ),
            ("seed", p.seed.to_string(), first.seed.to_string()),
            ("jobs", p.jobs.to_string(), first.jobs.to_string()),
            (
                "shard count",
                p.shard.count.to_string(),
                first.shard.count.to_string(),
            ),
        ];
        for (what, mine, theirs) in checks {
            if mine != theirs {
                return Err(differ(what, mine, theirs));
            }
        }
    }
    // A part's shard is read as written: checked here as `--shard` is, so an
    // edited part is an error naming it, not an index out of range.
    for (path, p) in &parts {
        crate::sim::shard::Shard::new(p.shard.index, p.shard.count)
            .map_err(|e| bad(format!("{}: {e}", path.display())))?;
    }
    let count = first.shard.count;
    let mut by_shard: Vec<Option<usize>> = vec![None; count as usize];
    for (k, (path, p)) in parts.iter().enumerate() {
        let slot = &mut by_shard[p.shard.index as usize];
        if let Some(other) = slot {
            return Err(bad(format!(
                "{}: shard {}/{count} again (also {}): give every shard exactly once",
                path.display(),
                p.shard.index,
                parts[*other].0.display()
            )));
        }
        *slot = Some(k);
    }
    if let Some(missing) = by_shard.iter().position(Option::is_none) {
        return Err(bad(format!(
            "shard {missing}/{count} is missing (got {} of {count} parts): give every shard's part, e.g. its folder shard-{missing}-of-{count}",
            parts.len()
        )));
    }
    let order: Vec<&(PathBuf, Part)> = by_shard.iter().map(|k| &parts[k.expect("all")]).collect();
    let first = &order[0].1;
    let simulate = SimulateArgs {
        config: first.config.clone(),
        out: args.out.clone(),
        seed: Some(first.seed),
        jobs: Some(first.jobs),
        threads: args.threads,
        per_job: false,
        exact_percentiles: false,
        policies: first.policies.clone(),
        no_write: args.no_write,
        no_plots: args.no_plots,
        no_tune: first.no_tune,
        wide: args.wide,
        shard: None,
    };
    let tune_required = first.command == "tune";
    let config = load(&simulate)
        .with_context(|| format!("the config the parts name, {}", first.config.display()))?;
    let now = config_hash(&config)?;
    if now != first.config_hash {
        return Err(bad(format!(
            "{}: the parts were run on inputs with hash {}, but {} and its inputs now hash to {now}: they changed since the shards ran; run the shards again, or restore the inputs",
            order[0].0.display(),
            first.config_hash,
            first.config.display()
        )));
    }
    let settings = tune_settings(&simulate, &config, tune_required)?;
    let out = results_dir(&simulate, &config, settings.is_some())?;
    let missing = |what: &str, path: &Path| {
        bad(format!(
            "{}: holds no {what} share, which this config's run needs: give parts of this run",
            path.display()
        ))
    };
    let (run, loads, events) = match &config.contention {
        None => {
            let mut replays = Vec::with_capacity(order.len());
            for (path, p) in &order {
                replays.push(p.replay.clone().ok_or_else(|| missing("replay", path))?);
            }
            let run = merge_shards(&replays).map_err(|e| bad(e.to_string()))?;
            (run, None, 0)
        }
        Some(_) => {
            let n = config.policies.len();
            let mut runs: Vec<Option<(PolicyRun, LoadTimeline, u64)>> = vec![None; n];
            for (path, p) in &order {
                let shares = p
                    .contention
                    .as_ref()
                    .ok_or_else(|| missing("contention", path))?;
                for c in shares {
                    let slot = runs
                        .get_mut(c.policy)
                        .filter(|s| s.is_none())
                        .ok_or_else(|| {
                            bad(format!(
                                "{}: policy {} twice or unknown",
                                path.display(),
                                c.policy
                            ))
                        })?;
                    let run = PolicyRun {
                        accumulator: c.accumulator.clone(),
                        records: None,
                    };
                    *slot = Some((run, c.load.clone(), c.events));
                }
            }
            let mut policies = Vec::with_capacity(n);
            let mut loads = Vec::with_capacity(n);
            let mut events = 0;
            for (i, r) in runs.into_iter().enumerate() {
                let (run, load, e) = r.ok_or_else(|| {
                    bad(format!(
                        "no part holds policy {} ({})",
                        i,
                        config.policies[i].name()
                    ))
                })?;
                policies.push(run);
                loads.push(load);
                events += e;
            }
            (Run { policies }, Some(loads), events)
        }
    };
    let simulated = summaries_of(&config, run, loads, events, &[]);
    let width = super::table_width(args.wide);
    let tuned = |_: &super::simulate::Simulated| -> Result<Option<super::tune::Tuned>> {
        let Some(settings) = &settings else {
            return Ok(None);
        };
        let mut rows = Vec::with_capacity(total_points(settings) as usize);
        let mut seconds = 0.0f64;
        for (path, p) in &order {
            let sweep = p.sweep.as_ref().ok_or_else(|| missing("sweep", path))?;
            if sweep.points.start != rows.len() as u64
                || sweep.rows.len() as u64 != sweep.points.end - sweep.points.start
            {
                return Err(bad(format!(
                    "{}: its grid points {:?} do not follow the previous shard's",
                    path.display(),
                    sweep.points
                )));
            }
            for row in &sweep.rows {
                rows.push(row.row().ok_or_else(|| {
                    bad(format!(
                        "{}: a sweep row pollsim cannot read",
                        path.display()
                    ))
                })?);
            }
            seconds = seconds.max(sweep.seconds);
        }
        if rows.len() as u64 != total_points(settings) {
            return Err(bad(format!(
                "the parts hold {} grid points of {}: give parts of this run",
                rows.len(),
                total_points(settings)
            )));
        }
        let (evaluator, jobs) = super::tune::evaluator(&config, settings);
        let result = with_threads(config.threads, || {
            crate::optimize::finish(settings, &evaluator, rows, seconds)
        })?;
        Ok(Some(super::tune::print(settings, result, jobs, width)))
    };
    finish(
        &simulate,
        &config,
        settings.as_ref(),
        (simulated, None),
        tuned,
        out,
        tune_required,
    )
}
