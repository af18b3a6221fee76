//! The optimizer's part of `tune` / `simulate`: sweep with a progress bar, print
//! the family winners against the optimal schedule, write the tuning files.

use super::progress::Progress;
use super::{OutputDir, say, with_threads};
use crate::config::Config;
use crate::optimize::grid::short;
use crate::optimize::{DEFAULT_TUNE_JOBS, Evaluator, TuneResult, TuneSettings, tune};
use crate::report;
use crate::report::plural;
use crate::workload::JobSource;
use anyhow::{Context, Result};
use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::fs::File;
use std::io::BufWriter;

/// A finished tuning run, for the plots and `report.md`.
pub(crate) struct Tuned {
    pub result: TuneResult,
    /// Jobs in the sampled set the sweep used.
    pub jobs: u64,
}

/// Tunes and prints the winners (the table fits `width` columns, when given).
pub(crate) fn run(config: &Config, settings: &TuneSettings, width: Option<usize>) -> Result<Tuned> {
    let (evaluator, jobs) = evaluator(config, settings);
    let total: u64 = settings.grids.iter().map(|g| g.points()).sum();
    let progress = Progress::new(total, "grid points");
    let result = with_threads(config.threads, || {
        tune(settings, &evaluator, &|n| progress.add(n))
    })?;
    progress.finish();
    Ok(print(settings, result, jobs, width))
}

/// The evaluator tuning uses, and the jobs in its sampled set.
pub(crate) fn evaluator(config: &Config, settings: &TuneSettings) -> (Evaluator, u64) {
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
    (evaluator, jobs)
}

/// Prints a finished tuning's winners (the table fits `width` columns, when given).
pub(crate) fn print(
    settings: &TuneSettings,
    result: TuneResult,
    jobs: u64,
    width: Option<usize>,
) -> Tuned {
    let total: u64 = settings.grids.iter().map(|g| g.points()).sum();
    let o = &result.optimal;
    say(format_args!(
        "tuned {} of {} on {jobs} jobs in {:.3} s; optimal schedule: {}, cost {:.4} (grid step {} s, polish gained {:.2e})",
        plural(total, "grid point", "grid points"),
        plural(settings.grids.len() as u64, "family", "families"),
        result.sweep_seconds,
        plural(o.times.len() as u64, "check", "checks"),
        o.cost,
        short(o.grid_step),
        o.grid_cost - o.cost,
    ));
    say(best_table(&result, width));
    for b in &result.best {
        for edge in &b.edges {
            say(format_args!(
                "warning: {}: {}",
                b.spec.name(),
                edge.describe()
            ));
        }
    }
    Tuned { result, jobs }
}

/// Each family's best and the optimal schedule. Narrow terminals lose the
/// refinement column first, then the parameters wrap.
fn best_table(result: &TuneResult, width: Option<usize>) -> String {
    let narrow = width.is_some_and(|w| w < 120);
    let mut header = vec![
        "rank",
        "policy",
        "parameters",
        "calls/job",
        "delay (s)",
        "cost/job",
    ];
    if !narrow {
        header.push("refine gain");
    }
    header.push("regret (%)");
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(header);
    // Wrap cells only when the table would not fit otherwise.
    let wide = |t: &Table| {
        t.to_string()
            .lines()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    for b in &result.best {
        let mut row = vec![
            b.rank.to_string(),
            b.spec.name().to_string(),
            crate::report::params_compact(&b.params),
            format!("{:.2}", b.point.calls),
            format!("{:.2}", b.point.delay),
            format!("{:.3}", b.point.cost),
        ];
        if !narrow {
            row.push(format!("{:.4}", b.grid_objective - b.objective));
        }
        row.push(format!("{:+.1}", b.regret_pct));
        table.add_row(row);
    }
    let o = &result.optimal;
    let mut row = vec![
        "-".into(),
        result.optimal_spec.name().to_string(),
        plural(o.times.len() as u64, "check", "checks"),
        format!("{:.2}", o.calls),
        format!("{:.2}", o.delay),
        format!("{:.3}", o.cost),
    ];
    if !narrow {
        row.push("-".into());
    }
    row.push("0".into());
    table.add_row(row);
    if let Some(w) = width.filter(|&w| wide(&table) > w) {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(w.min(u16::MAX as usize) as u16);
        // Only the parameters wrap; names and numbers stay whole.
        for (i, column) in table.column_iter_mut().enumerate() {
            if i != 2 {
                column.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
    }
    table.to_string()
}

/// Writes sweep.csv, pareto.csv, best.csv and tuned.toml into `out`.
pub(crate) fn write(
    out: &OutputDir,
    config: &Config,
    settings: &TuneSettings,
    tuned: &Tuned,
) -> Result<()> {
    let result = &tuned.result;
    let header = format!(
        "Tuned by pollsim on {} (seed {}, {} jobs, objective {:?}).\nLoad with: cargo run --release -- simulate --config {} --policies <this file> --no-tune",
        config.file.display(),
        config.seed,
        tuned.jobs,
        settings.objective,
        config.file.display()
    );
    stream(out, "sweep.csv", |w| {
        report::tune::write_sweep_csv(settings, result, w)
    })?;
    stream(out, "pareto.csv", |w| {
        report::tune::write_pareto_csv(settings, result, w)
    })?;
    out.write("best.csv", &report::tune::best_csv(settings, result))?;
    out.write(
        "tuned.toml",
        report::tune::tuned_toml(result, &header).as_bytes(),
    )?;
    Ok(())
}

/// Writes `name` through a buffered file, for exporters whose output may be
/// gigabytes (sweep.csv of the largest grid).
fn stream(
    out: &OutputDir,
    name: &str,
    export: impl FnOnce(BufWriter<File>) -> csv::Result<BufWriter<File>>,
) -> Result<()> {
    let path = out.path(name);
    let cannot = || format!("cannot write {}", path.display());
    let file = File::create(&path).with_context(cannot)?;
    let w = export(BufWriter::new(file)).with_context(cannot)?;
    w.into_inner()
        .map_err(|e| e.into_error())
        .with_context(cannot)?;
    Ok(())
}
