//! `pollsim simulate`: replay jobs against every policy, print and save the comparison.

use super::{OutputDir, say, with_threads};
use crate::config::Config;
use crate::metrics::Summary;
use crate::report;
use crate::sim::{self, RunOptions};
use crate::workload::JobSource;
use anyhow::{Context, Result};
use clap::Args;
use std::io::BufWriter;
use std::path::PathBuf;
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
    /// Override the number of jobs.
    #[arg(long)]
    pub jobs: Option<u64>,
    /// Worker threads (default: the config's, else all cores).
    #[arg(long)]
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
}

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
        anyhow::ensure!(jobs > 0, "--jobs 0: simulate at least one job");
        config.jobs = jobs;
    }
    if let Some(threads) = args.threads {
        anyhow::ensure!(threads > 0, "--threads 0: use at least one thread");
        config.threads = Some(threads);
    }
    config.exact_percentiles |= args.exact_percentiles;
    Ok(config)
}

/// Simulates every policy of `config` and summarizes them, in config order.
pub(crate) fn summarize(config: &Config, per_job: bool) -> Result<(Vec<Summary>, sim::Run)> {
    let source = JobSource::new(config.workload.clone(), config.seed);
    let options = RunOptions {
        per_job,
        exact_percentiles: config.exact_percentiles,
        clients: config.clients,
    };
    let run = with_threads(config.threads, || {
        sim::simulate(&source, &config.policies, config.jobs, config.seed, options)
    })?;
    let summaries = config
        .policies
        .iter()
        .zip(&run.policies)
        .map(|(spec, result)| {
            let exact = sim::evaluate(spec, &config.workload.distribution);
            Summary::new(
                spec.name(),
                spec.kind(),
                &result.accumulator,
                &config.scoring,
                exact,
            )
        })
        .collect();
    Ok((summaries, run))
}

/// `simulate`, and `tune` (`tune_required`): a config with `[tune]` is tuned either way.
pub fn run(args: SimulateArgs, tune_required: bool) -> Result<()> {
    let config = load(&args)?;
    if tune_required && config.tune.is_none() {
        anyhow::bail!(
            "{} has no [tune] section: add one with a grid per family, e.g. [tune.constant] interval = {{ geometric = [1.0, 120.0, 40] }}",
            config.file.display()
        );
    }
    let started = Instant::now();
    let (summaries, run) = summarize(&config, args.per_job)?;
    let elapsed = started.elapsed();
    say(format_args!(
        "{}: {} jobs × {} policies, seed {}, {:.3} s ({:.1} M job-simulations/s)",
        config.file.display(),
        config.jobs,
        config.policies.len(),
        config.seed,
        elapsed.as_secs_f64(),
        (config.jobs * config.policies.len() as u64) as f64 / elapsed.as_secs_f64() / 1e6,
    ));
    say(report::table::summary_table(&summaries));
    if args.no_write {
        if let Some(settings) = &config.tune {
            super::tune::run(&config, settings, None)?;
        }
        return Ok(());
    }
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(config.name()));
    let out = OutputDir::create(&target)?;
    out.write("summary.csv", &report::csv::summary_csv(&summaries))?;
    if args.per_job {
        let records: Vec<(&str, &[sim::JobRecord])> = config
            .policies
            .iter()
            .zip(&run.policies)
            .map(|(spec, r)| (spec.name(), r.records.as_deref().unwrap_or_default()))
            .collect();
        let file = std::fs::File::create(out.path("jobs.csv")).context("cannot create jobs.csv")?;
        report::csv::write_jobs_csv(BufWriter::new(file), &records)
            .context("cannot write jobs.csv")?;
    }
    if let Some(settings) = &config.tune {
        super::tune::run(&config, settings, Some(&out))?;
    }
    let written = out.commit()?;
    say(format_args!("wrote {}", written.display()));
    Ok(())
}
