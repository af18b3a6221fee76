//! The tuning section of `report.md`: which tuned policy wins and by how much,
//! its regret against the optimal schedule, each family's best, and the
//! tuning plots.
//!
//! The optimal schedule bounds policies that learn nothing from a check but
//! "pending"; a policy fed each job's duration hint is not bound by it, so the
//! section says so wherever a negative regret could otherwise read as a bug.

use super::{Figure, figures_md, gap};
use crate::metrics::Summary;
use crate::optimize::{FamilyBest, Objective, TuneResult, TuneSettings};
use crate::report::plural;
use crate::report::{params, sig};
use std::fmt::Write;

/// What the tuning section is made from.
#[derive(Clone, Copy, Debug)]
pub struct Tuning<'a> {
    /// The `[tune]` settings the run used.
    pub settings: &'a TuneSettings,
    /// What the tuning found.
    pub result: &'a TuneResult,
    /// Jobs in the sampled set (for policies not evaluated exactly).
    pub jobs: u64,
    /// Tuning plots (trade-off, heatmap, tuned schedule); `None`: `--no-plots`.
    pub figures: Option<&'a [Figure]>,
}

fn regret_sentence(b: &FamilyBest) -> String {
    if b.regret_pct < 0.0 {
        format!(
            "{:.1} % **below** it: `{}` beats the bound because it uses each job's duration \
             hint (see the note below)",
            -b.regret_pct,
            b.spec.name()
        )
    } else {
        format!(
            "{:.1} % above it, the price of a fixed family shape over the best possible \
             check times",
            b.regret_pct
        )
    }
}

/// The `## Tuning` section.
pub(super) fn section(t: &Tuning, summaries: &[Summary]) -> String {
    let r = t.result;
    let mut md = String::new();
    // No timings here: the page must be byte-identical from run to run.
    let _ = writeln!(md, "\n## Tuning\n");
    let points = r.rows.len();
    let valid = r.rows.iter().filter(|row| row.point.is_some()).count();
    let feasible = r.rows.iter().filter(|row| row.feasible).count();
    let objective = match t.settings.objective {
        Objective::Cost => "cost per job",
        Objective::Score => "the score (maximized)",
    };
    let _ = writeln!(
        md,
        "Swept {} of {} ({valid} valid, {feasible} meeting `[tune.constraints]`), \
         minimizing {objective}. Deterministic policies are evaluated exactly from the \
         distribution (or the sampled set, with `evaluation = \"sampled\"`), the others on {} \
         sampled jobs shared by every point.\n",
        plural(points as u64, "grid point", "grid points"),
        plural(t.settings.grids.len() as u64, "family", "families"),
        t.jobs
    );
    let o = &r.optimal;
    let checks: Vec<String> = o.times.iter().take(12).map(|x| sig(*x)).collect();
    let more = if o.times.len() > 12 { ", …" } else { "" };
    let bound = format!(
        "the optimal schedule (cost {:.2} per job: {}, at {}{more} s)",
        o.cost,
        plural(o.times.len() as u64, "check", "checks"),
        checks.join(", ")
    );
    match r.best.first() {
        None => {
            let _ = writeln!(
                md,
                "No family has a point that meets the constraints. For comparison, {bound}.\n"
            );
        }
        Some(b) => {
            let grid = &t.settings.grids[b.grid];
            let _ = write!(
                md,
                "**Best tuned policy: `{}`** ({}: {}), **{:.2} per job** ({:.2} calls and \
                 {:.2} s mean detection delay).",
                b.spec.name(),
                grid.kind,
                params(&b.params),
                b.point.cost,
                b.point.calls,
                b.point.delay
            );
            if let Some(second) = r.best.get(1) {
                let _ = write!(
                    md,
                    " Against the next family, `{}` ({:.2}): {}.",
                    second.spec.name(),
                    second.point.cost,
                    gap(b.point.cost, second.point.cost)
                );
            }
            let _ = writeln!(md, "\n\nAgainst {bound}: {}.", regret_sentence(b));
            let plain = r.best.iter().find(|f| !f.spec.needs_hint());
            if let (true, Some(plain)) = (b.spec.needs_hint(), plain) {
                let _ = writeln!(
                    md,
                    "The best policy without per-job hints is `{}` at {:.2} per job, {:.1} % \
                     above the bound.",
                    plain.spec.name(),
                    plain.point.cost,
                    plain.regret_pct
                );
            }
            // The config's own policies, as simulated above: what tuning gained.
            let configured = summaries
                .iter()
                .filter(|s| s.cost.is_finite())
                .min_by(|a, b| a.cost.total_cmp(&b.cost));
            if let Some(c) = configured {
                let change = if b.point.cost < c.cost {
                    gap(b.point.cost, c.cost)
                } else {
                    format!("{:.2} higher per job", b.point.cost - c.cost)
                };
                let _ = writeln!(
                    md,
                    "\nAgainst the config's best hand-set policy `{}` ({:.2}, simulated above): {change}.",
                    c.policy, c.cost
                );
            }
            md.push('\n');
        }
    }
    md.push_str(&table(t));
    let edges: Vec<String> = r
        .best
        .iter()
        .flat_map(|b| {
            b.edges
                .iter()
                .map(move |e| format!("`{}`: {}", b.spec.name(), e.describe()))
        })
        .collect();
    if !edges.is_empty() {
        let _ = writeln!(
            md,
            "\n> **On the edge of the grid.** The optimum may lie beyond these values, so \
             the regret above may be too high: {}.",
            edges.join("; ")
        );
    }
    let hinted: Vec<String> = r
        .best
        .iter()
        .filter(|b| b.spec.needs_hint())
        .map(|b| format!("`{}`", b.spec.name()))
        .collect();
    // Only a run with hinted policies needs the note on why they can beat the bound.
    if !hinted.is_empty() {
        let _ = writeln!(
            md,
            "\n> **Per-job hints.** A `duration_aware` policy without `expected` reads each \
             job's own duration hint (`hint_error` in `[workload]`), information a \"pending\" \
             answer does not carry. The optimal schedule bounds only policies that learn nothing \
             but \"not done yet\", so a hinted policy may beat it (a negative regret); the gap is \
             what the hint is worth. Hinted here: {}.",
            hinted.join(", ")
        );
    }
    let _ = writeln!(
        md,
        "\nEvery point is in `sweep.csv`, the frontier in `pareto.csv`, these rows in `best.csv`, \
         and the tuned policies in `tuned.toml` (run them with `simulate --policies tuned.toml`).\n"
    );
    let _ = writeln!(md, "### Tuning plots\n");
    md.push_str(&figures_md(t.figures, "####"));
    md
}

/// Each family's best, by rank, then the optimal schedule.
fn table(t: &Tuning) -> String {
    let mut md = String::from(
        "| rank | policy | parameters | evaluated | calls/job | delay (s) | cost/job | regret (%) |\n\
         |---:|---|---|---|---:|---:|---:|---:|\n",
    );
    for b in &t.result.best {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.4} | {:.2} |",
            b.rank,
            b.spec.name(),
            params(&b.params),
            b.point.method,
            b.point.calls,
            b.point.delay,
            b.point.cost,
            b.regret_pct
        );
    }
    let o = &t.result.optimal;
    let _ = writeln!(
        md,
        "| – | {} | {} checks | exact | {:.3} | {:.3} | {:.4} | 0.00 |",
        t.result.optimal_spec.name(),
        o.times.len(),
        o.calls,
        o.delay,
        o.cost
    );
    let _ = writeln!(
        md,
        "\nregret = cost above the optimal schedule's, in percent. Families whose every point \
         fails a constraint are not listed."
    );
    md
}
