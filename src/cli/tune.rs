//! The optimizer's part of `tune` / `simulate`: sweep with a progress bar, print
//! the family winners against the optimal schedule, write the tuning files.

use super::{OutputDir, say, with_threads};
use crate::config::Config;
use crate::optimize::{DEFAULT_TUNE_JOBS, Evaluator, TuneResult, TuneSettings, tune};
use crate::report;
use crate::workload::JobSource;
use anyhow::Result;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A finished tuning run, for the plots and `report.md`.
pub(crate) struct Tuned {
    pub result: TuneResult,
    /// Jobs in the sampled set the sweep used.
    pub jobs: u64,
}

/// Tunes, prints the winners, and writes the tuning files into `out` when given.
pub(crate) fn run(
    config: &Config,
    settings: &TuneSettings,
    out: Option<&OutputDir>,
) -> Result<Tuned> {
    let jobs = settings.jobs.unwrap_or(config.jobs.min(DEFAULT_TUNE_JOBS));
    let source = JobSource::new(config.workload.clone(), config.seed);
    let evaluator = Evaluator::new(
        source,
        jobs,
        config.seed,
        config.clients,
        config.scoring.clone(),
        settings,
    );
    let total: u64 = settings.grids.iter().map(|g| g.points()).sum();
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("tuning {bar:40} {pos}/{len} points, {eta} left")
                .expect("a valid template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = with_threads(config.threads, || {
        tune(settings, &evaluator, &|n| bar.inc(n))
    })?;
    bar.finish_and_clear();

    say(format_args!(
        "tuned {} grid points of {} families on {} jobs in {:.3} s; optimal schedule: {} checks, cost {:.4} (grid step {:.3} s, polish gained {:.2e})",
        total,
        settings.grids.len(),
        jobs,
        result.sweep_seconds,
        result.optimal.times.len(),
        result.optimal.cost,
        result.optimal.grid_step,
        result.optimal.grid_cost - result.optimal.cost,
    ));
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
        "rank",
        "policy",
        "parameters",
        "calls/job",
        "delay (s)",
        "cost/job",
        "refine gain",
        "regret (%)",
    ]);
    for b in &result.best {
        table.add_row(vec![
            b.rank.to_string(),
            b.spec.name().to_string(),
            crate::optimize::grid::describe(&b.params),
            format!("{:.3}", b.point.calls),
            format!("{:.3}", b.point.delay),
            format!("{:.4}", b.point.cost),
            format!("{:.4}", b.grid_objective - b.objective),
            format!("{:.2}", b.regret_pct),
        ]);
    }
    let o = &result.optimal;
    table.add_row(vec![
        "-".into(),
        "optimal-schedule".into(),
        format!("{} checks", o.times.len()),
        format!("{:.3}", o.calls),
        format!("{:.3}", o.delay),
        format!("{:.4}", o.cost),
        "-".into(),
        "0.00".into(),
    ]);
    say(table);

    let header = format!(
        "Tuned by pollsim on {} (seed {}, {} jobs, objective {:?}).\nLoad with: pollsim simulate --config {} --policies <this file>",
        config.file.display(),
        config.seed,
        jobs,
        settings.objective,
        config.file.display()
    );
    let Some(out) = out else {
        return Ok(Tuned { result, jobs });
    };
    out.write("sweep.csv", &report::tune::sweep_csv(settings, &result))?;
    out.write("pareto.csv", &report::tune::pareto_csv(settings, &result))?;
    out.write("best.csv", &report::tune::best_csv(settings, &result))?;
    out.write(
        "tuned.toml",
        report::tune::tuned_toml(&result, &header).as_bytes(),
    )?;
    Ok(Tuned { result, jobs })
}
