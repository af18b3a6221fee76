//! `report.md`: the one page a person opens first in a results folder.
//!
//! It says which policy wins and by how much (against the runner-up and against
//! the naive constant policy), shows the summary table, embeds the plots that
//! were drawn and explains the ones that were not, and ends with what produced
//! it: config, seed, jobs and the command that reproduces it. When the config
//! was tuned, a tuning section (`tuning`) follows the table.

mod tuning;

pub use tuning::Tuning;

mod advice;
mod recovery;

pub use advice::advice_lines;

use super::table::{by_cost, summary_markdown};
use crate::metrics::{Scoring, Summary};
use crate::optimize::Recommendation;
use std::fmt::Write;

/// One figure of the results folder, drawn or not.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File name inside the results folder, e.g. `delay_cdf.png`.
    pub file: String,
    /// Heading above the figure.
    pub title: String,
    /// One or two sentences on how to read it.
    pub caption: String,
    /// `Err(reason)`: the plot could not be drawn; the page says why instead.
    pub status: Result<(), String>,
}

/// What the page is made from.
#[derive(Clone, Debug)]
pub struct Page<'a> {
    /// The run's name (the config's file stem).
    pub name: &'a str,
    /// The config file as given on the command line.
    pub config: &'a str,
    /// Seed of every random stream.
    pub seed: u64,
    /// Jobs simulated per policy.
    pub jobs: u64,
    /// A command line that reproduces the run.
    pub command: &'a str,
    /// One row per policy, in config order.
    pub summaries: &'a [Summary],
    /// Score weights and cost prices the summaries were scored with.
    pub scoring: &'a Scoring,
    /// Whether the workload gives each job a duration hint.
    pub has_hints: bool,
    /// Where the workload came from, when it was estimated from observed
    /// data (`observed: Turnbull NPMLE from N jobs …`).
    pub workload: Option<&'a str>,
    /// `None`: plots were switched off (`--no-plots`).
    pub figures: Option<&'a [Figure]>,
    /// The tuning run, when the config has `[tune]`.
    pub tuning: Option<Tuning<'a>>,
    /// What to deploy, after tuning: the page's headline.
    pub advice: Option<&'a Recommendation>,
    /// Files an earlier run wrote into this folder that this one did not
    /// replace (the run never deletes them): they may not match this run.
    pub stale: &'a [String],
    /// When the server's last outage ended (seconds), when it has capacity
    /// keys and outages: the page then says which policies recovered after it.
    pub outage_end: Option<f64>,
}

/// Differences smaller than this fraction of the cost are reported as a tie.
const TIE: f64 = 0.01;

/// The run's `report.md`: verdict, table, figures and how to reproduce it.
pub fn report_md(page: &Page) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# pollsim results: {}\n", page.name);
    if !page.stale.is_empty() {
        let files: Vec<String> = page.stale.iter().map(|f| format!("`{f}`")).collect();
        let _ = writeln!(
            md,
            "> **Left from an earlier run:** {} {} not written by this run and may not match it \
             (pollsim never deletes a file it did not write; remove {} or write to a new `--out`).\n",
            files.join(", "),
            if files.len() == 1 { "was" } else { "were" },
            if files.len() == 1 { "it" } else { "them" },
        );
    }
    match page.advice {
        // After tuning the headline answers what to deploy; the config's own
        // policies are compared in their section.
        Some(advice) => {
            md.push_str(&advice::headline(advice, page.has_hints));
            let _ = writeln!(md, "\n## Policies, cheapest first\n");
            md.push_str(&verdict(
                page.summaries,
                "Cheapest of the config's policies",
            ));
            md.push('\n');
        }
        None => {
            md.push_str(&verdict(page.summaries, "Winner"));
            let _ = writeln!(md, "\n## Policies, cheapest first\n");
        }
    }
    md.push_str(&summary_markdown(page.summaries));
    let s = page.scoring;
    let _ = writeln!(
        md,
        "\n\ncost/job = {} × calls + {} × delay (s) + {} × P(give up) (`[metrics.prices]`; \
         delay counts detected jobs, averaged over all jobs). \
         \"exact\" columns are computed from the duration distribution for policies whose \
         check times are the same for every job; ± is a 95 % confidence interval.",
        num(s.call_price),
        num(s.delay_price),
        num(s.give_up_price)
    );
    if let Some(end) = page.outage_end {
        md.push_str(&recovery::section(page.summaries, end));
    }
    if let Some(t) = &page.tuning {
        md.push_str(&tuning::section(t, page.summaries));
    }
    let plots = if page.tuning.is_some() {
        "Plots of the config's policies"
    } else {
        "Plots"
    };
    let _ = writeln!(md, "\n## {plots}\n");
    md.push_str(&figures_md(page.figures, "###"));
    let _ = writeln!(md, "## Reproduce\n");
    if let Some(workload) = page.workload {
        let _ = writeln!(
            md,
            "Workload: {workload} (the job durations were estimated from a polling run).\n"
        );
    }
    let _ = writeln!(
        md,
        "Config `{}`, seed {}, {} jobs per policy (the same jobs for every policy). \
         The same command gives the same numbers at any thread count:\n",
        page.config, page.seed, page.jobs
    );
    let _ = writeln!(md, "```sh\n{}\n```", page.command);
    md
}

/// Each figure under its own heading: the caption and the image, or why it is
/// missing. `None` means plots were switched off.
fn figures_md(figures: Option<&[Figure]>, heading: &str) -> String {
    let mut md = String::new();
    match figures {
        None => md.push_str("Plots were skipped (`--no-plots`).\n"),
        Some([]) => md.push_str("No plots for this run.\n"),
        Some(figures) => {
            for f in figures {
                let _ = writeln!(md, "{heading} {}\n", f.title);
                match &f.status {
                    Ok(()) => {
                        let _ = writeln!(md, "{}\n\n![{}]({})\n", f.caption, f.title, f.file);
                    }
                    Err(reason) => {
                        let _ = writeln!(md, "*`{}` was not drawn: {reason}.*\n", f.file);
                    }
                }
            }
        }
    }
    md
}

fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "How much lower": the absolute and relative difference of two costs.
fn gap(better: f64, worse: f64) -> String {
    let d = worse - better;
    if worse > 0.0 {
        format!("{d:.2} lower per job ({:.1} %)", 100.0 * d / worse)
    } else {
        format!("{d:.2} lower per job")
    }
}

/// The config's policies compared: the cheapest (`lead` names it), the
/// runner-up, and the first constant-interval policy, the usual hand-set answer.
fn verdict(rows: &[Summary], lead: &str) -> String {
    let sorted: Vec<&Summary> = by_cost(rows)
        .into_iter()
        .filter(|s| s.cost.is_finite())
        .collect();
    let Some(best) = sorted.first() else {
        return "No policy has a finite cost, so there is no winner.\n".into();
    };
    let mut out = format!(
        "**{lead}: `{}`** ({}), with the lowest cost: **{:.2} per job** \
         ({:.2} calls and {:.2} s mean detection delay per job).",
        best.policy, best.kind, best.cost, best.calls.mean, best.delay.mean
    );
    if let Some(second) = sorted.get(1) {
        if second.cost - best.cost <= TIE * second.cost.abs() {
            let _ = write!(
                out,
                " The runner-up `{}` costs {:.2}: within {:.0} %, a near tie.",
                second.policy,
                second.cost,
                100.0 * TIE
            );
        } else {
            let _ = write!(
                out,
                " Against the runner-up `{}` ({:.2}): {}.",
                second.policy,
                second.cost,
                gap(best.cost, second.cost)
            );
        }
    }
    match rows.iter().find(|s| s.kind == "constant") {
        Some(naive) if naive.policy == best.policy => {
            let _ = write!(out, " It is itself a constant-interval policy.");
        }
        Some(naive) => {
            let _ = write!(
                out,
                " Against the constant-interval policy `{}` ({:.2}): {}, with {:.2} calls per job \
                 instead of {:.2} and {:.2} s mean delay instead of {:.2} s.",
                naive.policy,
                naive.cost,
                gap(best.cost, naive.cost),
                best.calls.mean,
                naive.calls.mean,
                best.delay.mean,
                naive.delay.mean
            );
        }
        None => {}
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Stat;

    fn summary(policy: &str, kind: &str, cost: f64, calls: f64) -> Summary {
        let stat = |mean| Stat {
            mean,
            ci95: 0.1,
            p50: mean,
            p95: mean,
            p99: mean,
            max: mean,
        };
        Summary {
            policy: policy.into(),
            kind: kind.into(),
            jobs: 100,
            completed: 100,
            errors: 0,
            given_up: 0,
            calls: stat(calls),
            delay: stat(2.0),
            detection_time: 300.0,
            hit_rate: 0.5,
            efficiency_ratio: 0.01,
            score: 0.49,
            cost,
            exact: None,
            load: None,
            overload: None,
        }
    }

    #[test]
    fn verdict_names_winner_runner_up_and_naive_with_the_differences() {
        let rows = [
            summary("every-5s", "constant", 60.75, 60.5),
            summary("backoff", "exponential", 12.0, 11.0),
            summary("sched", "schedule", 10.0, 9.0),
        ];
        let text = verdict(&rows, "Winner");
        assert!(text.starts_with("**Winner: `sched`** (schedule)"), "{text}");
        assert!(
            text.contains("runner-up `backoff` (12.00): 2.00 lower per job (16.7 %)"),
            "{text}"
        );
        assert!(
            text.contains(
                "constant-interval policy `every-5s` (60.75): 50.75 lower per job (83.5 %)"
            ),
            "{text}"
        );
        assert!(
            text.contains("9.00 calls per job instead of 60.50"),
            "{text}"
        );
    }

    #[test]
    fn the_outage_section_lists_recoveries_fastest_first_then_the_rest() {
        let with = |name: &str, recovery_s: Option<f64>| {
            let figures = crate::metrics::OverloadFigures {
                mean_latency_s: 0.1,
                p99_latency_s: 0.2,
                goodput: 1.0,
                wasted_work_s: 0.0,
                work_amplification: 1.0,
                recovery_s,
            };
            summary(name, "constant", 1.0, 1.0).with_overload(figures)
        };
        let rows = [
            with("storm", None),
            with("budget", Some(6.0)),
            with("breaker", Some(4.5)),
        ];
        let md = recovery::section(&rows, 120.0);
        assert!(md.contains("ended at 120 s"), "{md}");
        assert!(
            md.contains("fastest first: `breaker` after 4.5 s, `budget` after 6 s. Never recovered while jobs were submitted: `storm`."),
            "{md}"
        );
        let md = recovery::section(&rows[..1], 120.0);
        assert!(
            md.contains("No policy recovered within the run (`storm`)."),
            "{md}"
        );
        // No capacity figures (no capacity keys): no section.
        assert_eq!(
            recovery::section(&[summary("c", "constant", 1.0, 1.0)], 9.0),
            ""
        );
    }

    #[test]
    fn close_costs_are_a_tie_and_a_constant_winner_is_said_so() {
        let rows = [
            summary("c", "constant", 10.0, 9.0),
            summary("e", "exponential", 10.05, 9.0),
        ];
        let text = verdict(&rows, "Winner");
        assert!(text.contains("a near tie"), "{text}");
        assert!(
            text.contains("It is itself a constant-interval policy"),
            "{text}"
        );
        assert_eq!(
            verdict(&[], "Winner"),
            "No policy has a finite cost, so there is no winner.\n"
        );
    }

    #[test]
    fn page_embeds_drawn_figures_and_explains_the_others() {
        let rows = [summary("c", "constant", 10.0, 9.0)];
        let figures = [
            Figure {
                file: "a.png".into(),
                title: "A".into(),
                caption: "Read A.".into(),
                status: Ok(()),
            },
            Figure {
                file: "b.png".into(),
                title: "B".into(),
                caption: "Read B.".into(),
                status: Err("a single point".into()),
            },
        ];
        let scoring = Scoring::default();
        let mut page = Page {
            name: "x",
            config: "configs/x.toml",
            seed: 7,
            jobs: 100,
            command: "pollsim simulate --config configs/x.toml --seed 7 --jobs 100",
            summaries: &rows,
            scoring: &scoring,
            has_hints: false,
            workload: None,
            figures: Some(&figures),
            tuning: None,
            advice: None,
            stale: &[],
            outage_end: None,
        };
        let md = report_md(&page);
        assert!(md.contains("![A](a.png)"), "{md}");
        assert!(!md.contains("](b.png)"), "{md}");
        assert!(
            md.contains("*`b.png` was not drawn: a single point.*"),
            "{md}"
        );
        assert!(md.contains("| c "), "{md}");
        assert!(
            md.contains("cost/job = 1 × calls + 0.1 × delay (s) + 0 × P(give up)"),
            "{md}"
        );
        assert!(md.contains("seed 7, 100 jobs"), "{md}");
        assert!(!md.contains("Workload:"), "{md}");
        page.workload = Some("observed: Turnbull NPMLE from 3 jobs");
        assert!(
            report_md(&page).contains("Workload: observed: Turnbull NPMLE from 3 jobs"),
            "{md}"
        );
        assert!(
            md.contains("```sh\npollsim simulate --config configs/x.toml --seed 7 --jobs 100\n```")
        );
        page.figures = None;
        let md = report_md(&page);
        assert!(
            md.contains("skipped (`--no-plots`)") && !md.contains("!["),
            "{md}"
        );
    }
}
