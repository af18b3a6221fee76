//! The summary table, sorted by cost with units in the headers: aligned for the
//! terminal, or as Markdown for `report.md` (same columns, same digits).

use crate::metrics::Summary;
use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

fn num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.digits$}")
    }
}

/// Policies sorted by cost (lowest first), with the exact expectations beside the
/// Monte Carlo means where the policy is deterministic.
pub fn summary_table(rows: &[Summary]) -> String {
    build(rows, UTF8_FULL_CONDENSED)
}

/// The same table in GitHub-flavoured Markdown.
pub fn summary_markdown(rows: &[Summary]) -> String {
    // A `|` inside a cell would end it early; policy names are the only free text.
    let escaped: Vec<Summary> = rows
        .iter()
        .map(|s| Summary {
            policy: s.policy.replace('|', "\\|"),
            ..s.clone()
        })
        .collect();
    build(&escaped, ASCII_MARKDOWN)
}

/// Policies in order of cost, lowest first (NaN costs last).
pub fn by_cost(rows: &[Summary]) -> Vec<&Summary> {
    let mut sorted: Vec<&Summary> = rows.iter().collect();
    sorted.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    sorted
}

fn build(rows: &[Summary], preset: &str) -> String {
    let sorted = by_cost(rows);
    let contention = rows.iter().any(|s| s.load.is_some());
    let mut header = vec![
        "policy",
        "calls/job ± 95%",
        "exact calls",
        "delay (s) ± 95%",
        "exact delay (s)",
        "delay p95 (s)",
        "delay p99 (s)",
        "given up",
        "hit rate",
        "eff. ratio",
        "cost/job",
    ];
    if contention {
        header.extend(["peak req/s", "p99 req/s", "throttled", "failed"]);
    }
    let mut table = Table::new();
    table
        .load_preset(preset)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for s in sorted {
        let exact = s.exact;
        let mut row = vec![
            Cell::new(&s.policy),
            Cell::new(format!(
                "{} ± {}",
                num(s.calls.mean, 2),
                num(s.calls.ci95, 2)
            )),
            Cell::new(exact.map_or("-".into(), |e| num(e.calls, 2))),
            Cell::new(format!(
                "{} ± {}",
                num(s.delay.mean, 2),
                num(s.delay.ci95, 2)
            )),
            Cell::new(exact.map_or("-".into(), |e| num(e.delay, 2))),
            Cell::new(num(s.delay.p95, 2)),
            Cell::new(num(s.delay.p99, 2)),
            Cell::new(s.given_up),
            Cell::new(num(s.hit_rate, 4)),
            Cell::new(num(s.efficiency_ratio, 4)),
            Cell::new(num(s.cost, 2)),
        ];
        if contention {
            row.extend(match s.load {
                Some(l) => [
                    Cell::new(l.peak_rps),
                    Cell::new(l.p99_rps),
                    Cell::new(l.throttled),
                    Cell::new(l.failed),
                ],
                None => ["-", "-", "-", "-"].map(Cell::new),
            });
        }
        table.add_row(row);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table.to_string()
}
