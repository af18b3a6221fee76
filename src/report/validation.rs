//! Validation reports: `validation.csv` (one row per job and policy) and the
//! terminal table (one row per policy).

use crate::http::validate::PolicyComparison;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// `validation.csv`: predicted against measured, job by job. Times in job seconds.
pub fn validation_csv(policies: &[PolicyComparison]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "policy",
        "job",
        "duration_s",
        "outcome",
        "predicted_calls",
        "measured_calls",
        "predicted_seen_at_s",
        "measured_seen_at_s",
        "measured_answer_at_s",
        "lateness_s",
        "end",
        "failed_checks",
        "agrees",
        "explained",
    ];
    // Writing to a Vec cannot fail.
    out.write_record(header).expect("in-memory CSV");
    for policy in policies {
        for j in &policy.jobs {
            out.write_record([
                policy.policy.clone(),
                j.job.to_string(),
                j.duration.to_string(),
                if j.failed { "error" } else { "completed" }.to_string(),
                j.predicted_calls.to_string(),
                j.measured_calls.to_string(),
                opt(j.predicted_seen_at),
                opt(j.measured_seen_at),
                opt(j.measured_received),
                opt(j.lateness()),
                j.end.clone(),
                j.errors.to_string(),
                j.agrees().to_string(),
                j.explained.to_string(),
            ])
            .expect("in-memory CSV");
        }
    }
    out.into_inner().expect("in-memory CSV")
}

/// One row per policy: agreement, delays, lateness, unexplained jobs, verdict.
pub fn validation_table(policies: &[PolicyComparison], min_agreement: f64) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "policy",
            "calls agree",
            "predicted delay (s)",
            "measured delay (s)",
            "lateness (s)",
            "unexplained (s)",
            "unexplained jobs",
            "verdict",
        ]);
    for p in policies {
        let d = p.delays();
        let verdict = if p.learns {
            "not judged (learns in completion order)"
        } else if p.passes(min_agreement) {
            "pass"
        } else {
            "FAIL"
        };
        table.add_row(vec![
            Cell::new(&p.policy),
            Cell::new(format!("{:.1}%", 100.0 * p.agreement())).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", d.predicted)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", d.measured)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", d.lateness)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.3}", d.measured - d.predicted - d.lateness))
                .set_alignment(CellAlignment::Right),
            Cell::new(p.unexplained()).set_alignment(CellAlignment::Right),
            Cell::new(verdict),
        ]);
    }
    table.to_string()
}
