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
use std::fmt::Write;
use toml::Value;

/// What the tuning section is made from.
#[derive(Clone, Copy, Debug)]
pub struct Tuning<'a> {
    pub settings: &'a TuneSettings,
    pub result: &'a TuneResult,
    /// Jobs in the sampled set (for policies not evaluated exactly).
    pub jobs: u64,
    /// Tuning plots (trade-off, heatmap, tuned schedule); `None`: `--no-plots`.
    pub figures: Option<&'a [Figure]>,
}

/// Four significant digits, trailing zeros cut: tuned values come from
/// refinement and carry noise digits that would only clutter the table.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `k = v` pairs of a tuned point.
fn params(values: &[(String, Value)]) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|(k, v)| match v {
            Value::Float(f) => format!("{k} = {}", sig(*f)),
            Value::Integer(i) => format!("{k} = {i}"),
            Value::String(s) => format!("{k} = {s}"),
            other => format!("{k} = {other}"),
        })
        .collect();
    if shown.is_empty() {
        "(no tuned parameters)".into()
    } else {
        shown.join(", ")
    }
}

/// The one-line pointer under the page's verdict.
pub(super) fn headline(t: &Tuning) -> String {
    match t.result.best.first() {
        Some(b) => format!(
            "\nTuning found `{}` at **{:.2} per job** ({:+.1} % against the optimal schedule); \
             see [Tuning](#tuning).\n",
            b.spec.name(),
            b.point.cost,
            b.regret_pct
        ),
        None => {
            "\nTuning found no policy that meets the constraints; see [Tuning](#tuning).\n".into()
        }
    }
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
    let valid = r.rows.iter().filter(|row| row.result.is_ok()).count();
    let feasible = r.rows.iter().filter(|row| row.feasible).count();
    let objective = match t.settings.objective {
        Objective::Cost => "cost per job",
        Objective::Score => "the score (maximized)",
    };
    let _ = writeln!(
        md,
        "Swept {points} grid points of {} families ({valid} valid policies, {feasible} meeting \
         `[tune.constraints]`), minimizing {objective}. Deterministic policies are \
         evaluated exactly from the distribution (or the sampled set, with \
         `evaluation = \"sampled\"`), the others on {} sampled jobs shared by every point.\n",
        t.settings.grids.len(),
        t.jobs
    );
    let o = &r.optimal;
    let checks: Vec<String> = o.times.iter().take(12).map(|x| sig(*x)).collect();
    let more = if o.times.len() > 12 { ", …" } else { "" };
    let bound = format!(
        "the optimal schedule (cost {:.2} per job: {} checks, at {}{more} s)",
        o.cost,
        o.times.len(),
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
    let hinted: Vec<String> = r
        .best
        .iter()
        .filter(|b| b.spec.needs_hint())
        .map(|b| format!("`{}`", b.spec.name()))
        .collect();
    let _ = writeln!(
        md,
        "\n> **Per-job hints.** A `duration_aware` policy without `expected` reads each job's \
         own duration hint (`hint_error` in `[workload]`), information a \"pending\" answer does \
         not carry. The optimal schedule bounds only policies that learn nothing but \"not done \
         yet\", so a hinted policy may beat it (a negative regret); the gap is what the hint is \
         worth.{}",
        if hinted.is_empty() {
            String::new()
        } else {
            format!(" Hinted here: {}.", hinted.join(", "))
        }
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuned_values_are_shown_with_four_significant_digits() {
        assert_eq!(sig(0.941846), "0.9418");
        assert_eq!(sig(24.612274), "24.61");
        assert_eq!(sig(231.036067), "231");
        assert_eq!(sig(3.0), "3");
        let values = vec![
            ("lead".to_string(), Value::Float(0.941846)),
            ("window".to_string(), Value::Integer(3)),
            ("jitter".to_string(), Value::String("full".into())),
        ];
        assert_eq!(params(&values), "lead = 0.9418, window = 3, jitter = full");
        assert_eq!(params(&[]), "(no tuned parameters)");
    }
}
