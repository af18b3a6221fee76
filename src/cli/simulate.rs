//! `pollsim simulate`: replay jobs against every policy, print and save the comparison.

use super::figures::{Rendered, schedule_figure, simulate_figures, tune_figures};
use super::{OutputDir, say, with_threads};
use crate::config::Config;
use crate::metrics::Summary;
use crate::report;
use crate::report::page::{self, Page};
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
    /// Do not draw the PNG plots (report.md is still written, without images).
    #[arg(long)]
    pub no_plots: bool,
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

/// What a simulation produced, in config order.
pub(crate) struct Simulated {
    pub summaries: Vec<Summary>,
    pub run: sim::Run,
    /// The server's load per policy, when the contention simulator ran.
    pub loads: Option<Vec<sim::LoadTimeline>>,
    /// Events the contention simulator processed, all policies together.
    pub events: u64,
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
    let (run, loads, events): (sim::Run, Option<Vec<sim::LoadTimeline>>, u64) =
        match &config.contention {
            None => {
                let run = with_threads(config.threads, || {
                    sim::simulate(&source, &config.policies, config.jobs, config.seed, options)
                })?;
                (run, None, 0)
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
                let runs = with_threads(config.threads, || {
                    sim::simulate_contention(&setup, &config.policies)
                })?;
                let events = runs.iter().map(|r| r.events).sum();
                let (policies, loads) = runs.into_iter().map(|r| (r.run, r.load)).unzip();
                (sim::Run { policies }, Some(loads), events)
            }
        };
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
            match &loads {
                Some(loads) => summary.with_load(loads[i].stats()),
                None => summary,
            }
        })
        .collect();
    Ok(Simulated {
        summaries,
        run,
        loads,
        events,
    })
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
    let Simulated {
        summaries,
        run,
        loads,
        events,
    } = summarize(&config, args.per_job)?;
    let elapsed = started.elapsed();
    if loads.is_some() {
        let jobs = summaries.first().map_or(0, |s| s.jobs);
        say(format_args!(
            "{}: {} jobs × {} policies against one server, {} clients, seed {}, {:.3} s ({} events, {:.1} M events/s)",
            config.file.display(),
            jobs,
            config.policies.len(),
            config.clients.min(jobs.max(1)),
            config.seed,
            elapsed.as_secs_f64(),
            events,
            events as f64 / elapsed.as_secs_f64() / 1e6,
        ));
    } else {
        say(format_args!(
            "{}: {} jobs × {} policies, seed {}, {:.3} s ({:.1} M job-simulations/s)",
            config.file.display(),
            config.jobs,
            config.policies.len(),
            config.seed,
            elapsed.as_secs_f64(),
            (config.jobs * config.policies.len() as u64) as f64 / elapsed.as_secs_f64() / 1e6,
        ));
    }
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
    if let Some(loads) = &loads {
        let rows: Vec<(&str, &sim::LoadTimeline)> = config
            .policies
            .iter()
            .map(|spec| spec.name())
            .zip(loads)
            .collect();
        out.write("load.csv", &report::csv::load_csv(&rows))?;
    }
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
    // Tuning runs before report.md is written, so the page can tell its results.
    let tuned = match &config.tune {
        Some(settings) => Some((settings, super::tune::run(&config, settings, Some(&out))?)),
        None => None,
    };
    let plots = !args.no_plots;
    let mut figures = plots.then(|| simulate_figures(&config, &summaries, &run, loads.as_deref()));
    // After tuning, schedule.png shows the tuned policies, in the tuning section.
    let tune_figures = match &tuned {
        Some((settings, t)) => plots.then(|| tune_figures(&config, settings, &t.result)),
        None => {
            if let Some(f) = &mut figures {
                f.push(schedule_figure(&config));
            }
            None
        }
    };
    let entries = write_figures(&out, figures)?;
    let tune_entries = write_figures(&out, tune_figures)?;
    let command = reproduce_command(&args, &config);
    let config_path = args.config.display().to_string();
    let name = config.name();
    out.write(
        "report.md",
        page::report_md(&Page {
            name: &name,
            config: &config_path,
            seed: config.seed,
            jobs: config.jobs,
            command: &command,
            summaries: &summaries,
            scoring: &config.scoring,
            figures: entries.as_deref(),
            tuning: tuned.as_ref().map(|(settings, t)| page::Tuning {
                settings,
                result: &t.result,
                jobs: t.jobs,
                figures: tune_entries.as_deref(),
            }),
        })
        .as_bytes(),
    )?;
    let written = out.commit()?;
    say(format_args!("wrote {}", written.display()));
    Ok(())
}

/// Writes the drawn figures' PNGs, tells on stderr which could not be drawn,
/// and returns the entries for `report.md` (`None` when plots are off).
fn write_figures(
    out: &OutputDir,
    figures: Option<Vec<Rendered>>,
) -> Result<Option<Vec<page::Figure>>> {
    let Some(figures) = figures else {
        return Ok(None);
    };
    for r in &figures {
        match (&r.png, &r.figure.status) {
            (Some(png), _) => out.write(&r.figure.file, png)?,
            (None, Err(reason)) => eprintln!("note: {} not drawn: {reason}", r.figure.file),
            (None, Ok(())) => {}
        }
    }
    Ok(Some(figures.into_iter().map(|r| r.figure).collect()))
}

/// The command line that reproduces this run's numbers (threads do not matter).
fn reproduce_command(args: &SimulateArgs, config: &Config) -> String {
    let mut parts = vec![
        "cargo run --release -- simulate --config".to_string(),
        shell_word(&args.config.display().to_string()),
        format!("--seed {} --jobs {}", config.seed, config.jobs),
    ];
    if let Some(file) = &args.policies {
        parts.push(format!(
            "--policies {}",
            shell_word(&file.display().to_string())
        ));
    }
    if config.exact_percentiles {
        parts.push("--exact-percentiles".into());
    }
    parts.join(" ")
}

/// Quotes `s` for a POSIX shell when it holds anything but plain path characters.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
