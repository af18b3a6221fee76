//! `pollsim simulate`: replay jobs against every policy, print and save the comparison.

use super::args::{parse_jobs, parse_threads};
use super::progress::Progress;
use super::usage;
use super::{OutputDir, say, with_threads};
use crate::config::Config;
use crate::metrics::{OverloadFigures, Summary};
use crate::optimize::{TuneSettings, recommend};
use crate::policy::PolicySpec;
use crate::report;
use crate::report::plural;
use crate::sim::{self, RunOptions};
use crate::workload::JobSource;
use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The config file (see configs/).
    #[arg(long, short)]
    pub config: PathBuf,
    /// Results folder. Default: results/<config name>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of jobs (1 to 10^12).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_jobs)]
    pub jobs: Option<u64>,
    /// Worker threads (default: the config's, else all cores; at most 1024).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Also write jobs.csv, one row per job and policy (memory grows with jobs).
    #[arg(long)]
    pub per_job: bool,
    /// Keep every delay for exact percentiles (memory grows with jobs).
    #[arg(long)]
    pub exact_percentiles: bool,
    /// Replace the config's policies with those of this file (e.g. a tuned.toml).
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Do not write files; print the table only.
    #[arg(long)]
    pub no_write: bool,
    /// Do not draw the PNG plots (report.md is still written, without images).
    #[arg(long)]
    pub no_plots: bool,
    /// Do not tune, even if the config has a [tune] section (simulate only).
    #[arg(long)]
    pub no_tune: bool,
    /// Show every column of the terminal tables, however wide.
    #[arg(long)]
    pub wide: bool,
    /// Run only shard I of N (I from 0) and write its partial result into
    /// --out (a parts folder) for `pollsim merge`; `auto` reads I from
    /// JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID and N from POLLSIM_SHARDS
    /// or SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_parser = super::shard::parse_shard)]
    pub shard: Option<super::shard::ShardArg>,
}

/// The files `simulate` may write into a results folder besides the plots,
/// and those tuning adds: a run never overwrites one of its own inputs.
pub(super) const FILES: &[&str] = &[
    "summary.csv",
    "load.csv",
    "jobs.csv",
    "learning.csv",
    "report.md",
];
pub(super) const TUNE_FILES: &[&str] = &["sweep.csv", "pareto.csv", "best.csv", "tuned.toml"];
/// A loaded config with the command-line overrides applied.
pub(crate) fn load(args: &SimulateArgs) -> Result<Config> {
    let mut config = Config::load(&args.config)?;
    if let Some(file) = &args.policies {
        config.replace_policies(file)?;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(jobs) = args.jobs {
        config.jobs = jobs;
    }
    if let Some(threads) = args.threads {
        config.threads = Some(threads);
    }
    config.exact_percentiles |= args.exact_percentiles;
    Ok(config)
}

/// What a simulation produced, in config order.
pub(crate) struct Simulated {
    pub summaries: Vec<Summary>,
    pub run: sim::Run,
    /// The server's load per policy, when the contention simulator ran.
    pub loads: Option<Vec<sim::LoadTimeline>>,
    /// Events the contention simulator processed, all policies together.
    pub events: u64,
    /// Each policy's per-second queue and latency, when the server has
    /// capacity keys (empty otherwise, and after a merge, which refuses them).
    pub overload_seconds: Vec<Option<Vec<sim::des::OverloadSecond>>>,
}

/// Simulates every policy of `config` and summarizes them, in config order:
/// the single-job engine, or the discrete-event simulator when the config has
/// `[server]` or `[arrivals]`.
pub(crate) fn summarize(config: &Config, per_job: bool) -> Result<Simulated> {
    let source = JobSource::new(config.workload.clone(), config.seed);
    let options = RunOptions {
        per_job,
        exact_percentiles: config.exact_percentiles,
        clients: config.clients,
    };
    #[allow(clippy::type_complexity)]
    let (run, loads, events, overloads, seconds): (
        sim::Run,
        Option<Vec<sim::LoadTimeline>>,
        u64,
        Vec<Option<OverloadFigures>>,
        Vec<Option<Vec<sim::des::OverloadSecond>>>,
    ) = match &config.contention {
        None => {
            let progress = Progress::new(
                config.jobs * config.policies.len() as u64,
                "job-simulations",
            );
            let run = with_threads(config.threads, || {
                sim::simulate_with_progress(
                    &source,
                    &config.policies,
                    config.jobs,
                    config.seed,
                    options,
                    &|n| progress.add(n),
                )
            })?;
            progress.finish();
            (run, None, 0, Vec::new(), Vec::new())
        }
        Some(contention) => {
            let setup = sim::Contention {
                source: &source,
                arrivals: &contention.arrivals,
                server: &contention.server,
                jobs: config.jobs,
                seed: config.seed,
                options,
            };
            let progress = Progress::new(
                config.jobs * config.policies.len() as u64,
                "job submissions",
            );
            let runs = with_threads(config.threads, || {
                sim::simulate_contention_with_progress(&setup, &config.policies, &|n| {
                    progress.add(n)
                })
            })?;
            progress.finish();
            let events = runs.iter().map(|r| r.events).sum();
            let overloads = runs
                .iter()
                .map(|r| r.overload_figures(&contention.server))
                .collect();
            let seconds = runs
                .iter()
                .map(|r| r.overload.as_ref().map(|o| o.seconds.clone()))
                .collect();
            let (policies, loads) = runs.into_iter().map(|r| (r.run, r.load)).unzip();
            (
                sim::Run { policies },
                Some(loads),
                events,
                overloads,
                seconds,
            )
        }
    };
    Ok(Simulated {
        overload_seconds: seconds,
        ..summaries_of(config, run, loads, events, &overloads)
    })
}

/// Summarizes a finished run of every policy of `config` (whole, or merged
/// from shards), in config order.
pub(crate) fn summaries_of(
    config: &Config,
    run: sim::Run,
    loads: Option<Vec<sim::LoadTimeline>>,
    events: u64,
    overloads: &[Option<OverloadFigures>],
) -> Simulated {
    // Exact values hold only where every job is polled alone against an ideal server.
    let exact_applies = config
        .contention
        .as_ref()
        .is_none_or(|c| c.server.is_ideal());
    let summaries = config
        .policies
        .iter()
        .zip(&run.policies)
        .enumerate()
        .map(|(i, (spec, result))| {
            let exact = exact_applies
                .then(|| sim::evaluate(spec, &config.workload.distribution))
                .flatten();
            let summary = Summary::new(
                spec.name(),
                spec.kind(),
                &result.accumulator,
                &config.scoring,
                exact,
            );
            let summary = match &loads {
                Some(loads) => summary.with_load(loads[i].stats()),
                None => summary,
            };
            match overloads.get(i).copied().flatten() {
                Some(figures) => summary.with_overload(figures),
                None => summary,
            }
        })
        .collect();
    Simulated {
        summaries,
        run,
        loads,
        events,
        overload_seconds: Vec::new(),
    }
}

/// The tuning a run does: the config's `[tune]` (or, for `tune`, the
/// defaults when it has none), unless `--no-tune`.
pub(super) fn tune_settings(
    args: &SimulateArgs,
    config: &Config,
    tune_required: bool,
) -> Result<Option<TuneSettings>> {
    if args.no_tune {
        usage(!tune_required, || {
            "--no-tune: `tune` always tunes; run `simulate --no-tune` to skip tuning".into()
        })?;
        return Ok(None);
    }
    let Some(mut settings) = config
        .tune
        .clone()
        .or_else(|| tune_required.then(TuneSettings::defaults))
    else {
        return Ok(None);
    };
    if let Some(grid) = settings.with_default_grid(&config.workload.distribution) {
        eprintln!(
            "note: {} has no [tune.<family>] grid: tuning the optimal schedule and a default constant grid, {grid}",
            config.file.display()
        );
    }
    Ok(Some(settings))
}

/// `simulate`, and `tune` (`tune_required`): a config with `[tune]` is tuned
/// either way, unless `--no-tune`.
pub(super) fn run(args: SimulateArgs, tune_required: bool) -> Result<()> {
    let config = load(&args)?;
    let settings = tune_settings(&args, &config, tune_required)?;
    if let Some(shard) = &args.shard {
        return super::shard::run(&args, shard, &config, settings.as_ref(), tune_required);
    }
    // Refuse a results folder that cannot be written before any work.
    let out = results_dir(&args, &config, settings.is_some())?;
    let started = Instant::now();
    let simulated = summarize(&config, args.per_job)?;
    let seconds = started.elapsed().as_secs_f64();
    let width = super::table_width(args.wide);
    let tuned = |_: &Simulated| match &settings {
        Some(settings) => super::tune::run(&config, settings, width).map(Some),
        None => Ok(None),
    };
    finish(
        &args,
        &config,
        settings.as_ref(),
        (simulated, Some(seconds)),
        tuned,
        out,
        tune_required,
    )
}

/// The results folder a run writes (`None` with --no-write), refused now if
/// it cannot be written.
pub(super) fn results_dir(
    args: &SimulateArgs,
    config: &Config,
    tunes: bool,
) -> Result<Option<OutputDir>> {
    if args.no_write {
        return Ok(None);
    }
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(config.name()));
    let inputs: Vec<&Path> = config.inputs.iter().map(|p| p.as_path()).collect();
    let mut files = FILES.to_vec();
    if tunes {
        files.extend(TUNE_FILES);
    }
    Ok(Some(OutputDir::create(&target, &files, &inputs)?))
}

/// What a run does once it has simulated (itself, or by merging shards):
/// prints the tables, tunes (`tuned`), writes the results folder.
pub(super) fn finish(
    args: &SimulateArgs,
    config: &Config,
    settings: Option<&TuneSettings>,
    (simulated, seconds): (Simulated, Option<f64>),
    tuned: impl FnOnce(&Simulated) -> Result<Option<super::tune::Tuned>>,
    out: Option<OutputDir>,
    tune_required: bool,
) -> Result<()> {
    say(run_line(config, &simulated, seconds));
    if let Some(line) = super::results::observed_line(config) {
        say(line);
    }
    let width = super::table_width(args.wide);
    say(report::table::summary_table(&simulated.summaries, width));
    let tuned = tuned(&simulated)?;
    let advice = tuned.as_ref().map(|t| {
        let configured: Vec<(&PolicySpec, &Summary)> =
            config.policies.iter().zip(&simulated.summaries).collect();
        recommend(&t.result, &configured)
    });
    let Some(out) = out else {
        if let Some(advice) = &advice {
            say(report::page::advice_lines(advice, None));
        }
        return Ok(());
    };
    super::results::write_results(
        &out,
        args,
        config,
        &simulated,
        settings.zip(tuned.as_ref()),
        advice.as_ref(),
        tune_required,
    )?;
    let written = out.commit()?;
    say(format_args!("wrote {}", written.display()));
    if let Some(advice) = &advice {
        say(report::page::advice_lines(advice, Some(&written)));
    }
    Ok(())
}

/// The terminal's first line: what ran and how fast.
/// The run's first line: what ran and how fast; `seconds` is `None` for a
/// merge of shards, whose own time says nothing of the simulation's rate.
fn run_line(config: &Config, simulated: &Simulated, seconds: Option<f64>) -> String {
    let policies = plural(config.policies.len() as u64, "policy", "policies");
    let Some(seconds) = seconds else {
        let jobs = simulated.summaries.first().map_or(config.jobs, |s| s.jobs);
        return format!(
            "{}: {jobs} jobs × {policies}, seed {}, merged from shards",
            config.file.display(),
            config.seed,
        );
    };
    if simulated.loads.is_some() {
        let jobs = simulated.summaries.first().map_or(0, |s| s.jobs);
        format!(
            "{}: {jobs} jobs × {policies} against one server, {}, seed {}, {seconds:.3} s ({} events, {:.1} M events/s)",
            config.file.display(),
            plural(config.clients.min(jobs.max(1)), "client", "clients"),
            config.seed,
            simulated.events,
            simulated.events as f64 / seconds / 1e6,
        )
    } else {
        format!(
            "{}: {} jobs × {policies}, seed {}, {seconds:.3} s ({:.1} M job-simulations/s)",
            config.file.display(),
            config.jobs,
            config.seed,
            (config.jobs * config.policies.len() as u64) as f64 / seconds / 1e6,
        )
    }
}
