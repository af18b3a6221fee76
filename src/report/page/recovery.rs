//! report.md's "After the outage" section: which policies let a server with
//! capacity keys recover after its last outage, and how fast (summary.csv's
//! `recovery_s`), fastest first, then the ones that never did within the run.

use crate::metrics::Summary;
use std::fmt::Write;

/// The section for an outage ending at `end` seconds; empty when no
/// policy has capacity figures.
pub(super) fn section(summaries: &[Summary], end: f64) -> String {
    let figures: Vec<(&str, Option<f64>)> = summaries
        .iter()
        .filter_map(|s| Some((s.policy.as_str(), s.overload?.recovery_s)))
        .collect();
    if figures.is_empty() {
        return String::new();
    }
    let mut recovered: Vec<(&str, f64)> =
        figures.iter().filter_map(|&(p, r)| Some((p, r?))).collect();
    recovered.sort_by(|a, b| a.1.total_cmp(&b.1));
    let never: Vec<String> = figures
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(p, _)| format!("`{p}`"))
        .collect();
    let mut md = format!(
        "\n## After the outage\n\nThe server's last outage ended at {} s. A policy has \
         recovered once the queue and the time at the server stay within 10 % of their \
         level in the 60 s before the outage, in every 10 s window up to the last \
         submission (summary.csv's `recovery_s`). ",
        super::num(end)
    );
    if recovered.is_empty() {
        md.push_str("No policy recovered within the run");
    } else {
        let list: Vec<String> = recovered
            .iter()
            .map(|(p, r)| format!("`{p}` after {} s", super::num(*r)))
            .collect();
        let _ = write!(md, "Recovered, fastest first: {}", list.join(", "));
    }
    if !never.is_empty() && !recovered.is_empty() {
        let _ = write!(
            md,
            ". Never recovered while jobs were submitted: {}",
            never.join(", ")
        );
    } else if !never.is_empty() {
        let _ = write!(md, " ({})", never.join(", "));
    }
    md.push_str(".\n");
    md
}
