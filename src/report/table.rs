//! The summary table, sorted by cost with units in the headers: aligned for the
//! terminal, or as Markdown for `report.md` (same columns, same digits).

use crate::metrics::{LoadStats, Summary};
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
/// Monte Carlo means where the policy is deterministic. With a `width`, the
/// least important columns are left out until the table fits, and a last line
/// says which (summary.csv and `--wide` have them all).
pub fn summary_table(rows: &[Summary], width: Option<usize>) -> String {
    fit(&by_cost(rows), &columns(rows), width, "summary.csv")
}

/// A terminal table of `rows` in `columns`, leaving out the least important
/// columns (highest `priority`; 0 and 1 always stay) until it is at most
/// `width` wide, and saying which on a last line (`file` has them all).
pub(crate) fn fit<R>(
    rows: &[&R],
    columns: &[Column<R>],
    width: Option<usize>,
    file: &str,
) -> String {
    let mut shown: Vec<&Column<R>> = columns.iter().collect();
    let mut hidden = Vec::new();
    loop {
        let table = build(rows, &shown, UTF8_FULL_CONDENSED);
        let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        let victim = shown
            .iter()
            .enumerate()
            .filter(|(_, c)| c.priority > 1)
            .max_by_key(|(i, c)| (c.priority, *i))
            .map(|(i, _)| i);
        match (victim, width) {
            (Some(i), Some(width)) if widest > width => hidden.push(shown.remove(i).header),
            _ if hidden.is_empty() => return table,
            _ => {
                return format!(
                    "{table}\n{} not shown to fit {} columns: {} (--wide shows them; {file} has every column)",
                    crate::report::plural(hidden.len() as u64, "column", "columns"),
                    width.unwrap_or(0),
                    hidden.join(", ")
                );
            }
        }
    }
}

/// The same table in GitHub-flavoured Markdown, every column.
pub fn summary_markdown(rows: &[Summary]) -> String {
    // A `|` inside a cell would end it early; policy names are the only free text.
    let escaped: Vec<Summary> = rows
        .iter()
        .map(|s| Summary {
            policy: s.policy.replace('|', "\\|"),
            ..s.clone()
        })
        .collect();
    let all = columns(rows);
    build(
        &by_cost(&escaped),
        &all.iter().collect::<Vec<_>>(),
        ASCII_MARKDOWN,
    )
}

/// Policies in order of cost, lowest first (NaN costs last).
pub fn by_cost(rows: &[Summary]) -> Vec<&Summary> {
    let mut sorted: Vec<&Summary> = rows.iter().collect();
    sorted.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    sorted
}

/// One column of rows of type `R`: its header, how much it matters (0 most;
/// 0 and 1 are never left out) and its cell.
pub(crate) struct Column<R> {
    pub header: &'static str,
    pub priority: u8,
    pub cell: fn(&R) -> String,
}

fn exact_or_dash(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| num(v, 2))
}

fn load_or_dash(s: &Summary, f: fn(&LoadStats) -> String) -> String {
    s.load.as_ref().map_or("-".into(), f)
}

pub(crate) fn column<R>(header: &'static str, priority: u8, cell: fn(&R) -> String) -> Column<R> {
    Column {
        header,
        priority,
        cell,
    }
}

/// Every column, in reading order; the many-clients simulator adds the load's.
fn columns(rows: &[Summary]) -> Vec<Column<Summary>> {
    let mut all = vec![
        column("policy", 0, |s: &Summary| s.policy.clone()),
        column("calls/job ± 95%", 2, |s| {
            format!("{} ± {}", num(s.calls.mean, 2), num(s.calls.ci95, 2))
        }),
        column("exact calls", 6, |s| {
            exact_or_dash(s.exact.map(|e| e.calls))
        }),
        column("delay (s) ± 95%", 3, |s| {
            format!("{} ± {}", num(s.delay.mean, 2), num(s.delay.ci95, 2))
        }),
        column("exact delay (s)", 7, |s| {
            exact_or_dash(s.exact.map(|e| e.delay))
        }),
        column("delay p95 (s)", 5, |s| num(s.delay.p95, 2)),
        column("delay p99 (s)", 11, |s| num(s.delay.p99, 2)),
        column("given up", 4, |s| s.given_up.to_string()),
        column("hit rate", 13, |s| num(s.hit_rate, 4)),
        column("eff. ratio", 14, |s| num(s.efficiency_ratio, 4)),
        column("cost/job", 1, |s| num(s.cost, 2)),
    ];
    if rows.iter().any(|s| s.load.is_some()) {
        all.extend([
            // Under contention the server's load is the point of the run:
            // these outrank the exact columns, which are empty there.
            column("peak req/s", 5, |s| {
                load_or_dash(s, |l| l.peak_rps.to_string())
            }),
            column("p99 req/s", 12, |s| {
                load_or_dash(s, |l| l.p99_rps.to_string())
            }),
            column("throttled", 5, |s| {
                load_or_dash(s, |l| l.throttled.to_string())
            }),
            column("failed", 6, |s| load_or_dash(s, |l| l.failed.to_string())),
        ]);
    }
    all
}

fn build<R>(rows: &[&R], columns: &[&Column<R>], preset: &str) -> String {
    let mut table = Table::new();
    table
        .load_preset(preset)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(columns.iter().map(|c| c.header));
    for row in rows {
        table.add_row(columns.iter().map(|c| Cell::new((c.cell)(row))));
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    table.to_string()
}
