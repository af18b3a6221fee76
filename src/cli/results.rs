//! `simulate`'s results folder: every file it writes (CSVs, tuning files,
//! the plots drawn in parallel, report.md with the command that reproduces
//! the run), into the staging folder that the caller commits.

use super::OutputDir;
use super::figures::{Rendered, schedule_figure, simulate_figures, tune_figures};
use super::simulate::{FILES, SimulateArgs, Simulated, TUNE_FILES};
use crate::config::Config;
use crate::optimize::{Recommendation, TuneSettings};
use crate::report;
use crate::report::page::{self, Page};
use crate::sim;
use anyhow::{Context, Result};
use std::io::BufWriter;

/// Every file of the results folder, into `out` (not yet committed).
pub(super) fn write_results(
    out: &OutputDir,
    args: &SimulateArgs,
    config: &Config,
    simulated: &Simulated,
    tuned: Option<(&TuneSettings, &super::tune::Tuned)>,
    advice: Option<&Recommendation>,
    tune_required: bool,
) -> Result<()> {
    let Simulated {
        summaries,
        run,
        loads,
        overload_seconds,
        ..
    } = simulated;
    out.write("summary.csv", &report::csv::summary_csv(summaries))?;
    if let Some(loads) = loads {
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
    if let Some((settings, t)) = tuned {
        super::tune::write(out, config, settings, t)?;
    }
    let plots = !args.no_plots;
    // The plots are independent and each takes tens of milliseconds to draw
    // and compress: drawn in parallel (the bytes do not depend on the order).
    let (mut figures, tune_figures) = rayon::join(
        || {
            plots.then(|| {
                simulate_figures(config, summaries, run, loads.as_deref(), overload_seconds)
            })
        },
        || match tuned {
            // After tuning, schedule.png shows the tuned policies, in the tuning section.
            Some((settings, t)) => plots.then(|| tune_figures(config, settings, &t.result)),
            None => plots.then(|| vec![schedule_figure(config)]),
        },
    );
    let tune_figures = match tuned {
        Some(_) => tune_figures,
        None => {
            if let (Some(f), Some(schedule)) = (&mut figures, tune_figures) {
                f.extend(schedule);
            }
            None
        }
    };
    // A learning policy ran: its curves, with the figures of the run.
    if let Some((csv, png)) = super::learning::learning(config, plots) {
        out.write("learning.csv", &csv)?;
        if let (Some(f), Some(png)) = (&mut figures, png) {
            f.push(png);
        }
    }
    let entries = write_figures(out, figures)?;
    let tune_entries = write_figures(out, tune_figures)?;
    // What an earlier run wrote here and this one does not replace (report.md
    // is written next): kept, and named as such.
    let stale = out.stale(|name| {
        name != "report.md"
            && (FILES.contains(&name) || TUNE_FILES.contains(&name) || name.ends_with(".png"))
    });
    if !stale.is_empty() {
        eprintln!(
            "note: {} from an earlier run stay in {} (not written by this run; report.md says so)",
            stale.join(", "),
            out.target().display()
        );
    }
    let command = reproduce_command(args, config, tune_required);
    let config_path = args.config.display().to_string();
    let name = config.name();
    let workload = observed_line(config);
    let page = Page {
        name: &name,
        config: &config_path,
        seed: config.seed,
        jobs: config.jobs,
        command: &command,
        summaries,
        scoring: &config.scoring,
        has_hints: config.workload.hint_error.is_some(),
        workload: workload.as_deref(),
        figures: entries.as_deref(),
        stale: &stale,
        tuning: tuned.map(|(settings, t)| page::Tuning {
            settings,
            result: &t.result,
            jobs: t.jobs,
            figures: tune_entries.as_deref(),
        }),
        advice,
        outage_end: config
            .contention
            .as_ref()
            .and_then(|c| c.server.capacity.as_ref()?.last_outage_end()),
    };
    out.write("report.md", page::report_md(&page).as_bytes())
}

/// How an observed workload was estimated, for report.md and the terminal.
pub(super) fn observed_line(config: &Config) -> Option<String> {
    match &config.workload.distribution {
        crate::workload::Distribution::Observed(o) => Some(o.describe()),
        _ => None,
    }
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
fn reproduce_command(args: &SimulateArgs, config: &Config, tune_required: bool) -> String {
    let mut parts = vec![
        format!(
            "cargo run --release -- {} --config",
            if tune_required { "tune" } else { "simulate" }
        ),
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
    if args.no_tune {
        parts.push("--no-tune".into());
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
