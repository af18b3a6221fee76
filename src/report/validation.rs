//! Validation reports: `validation.csv` (one row per job and policy) and the
//! terminal table (one row per policy).

use crate::http::validate::{Criteria, PolicyComparison};
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

/// One row per policy: agreement, calls per job, peak load, delays, verdict.
pub fn validation_table(policies: &[PolicyComparison], criteria: &Criteria) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "policy",
            "calls agree",
            "calls/job pred → meas",
            "peak rps pred → meas",
            "delay (s) pred → meas",
            "lateness (s)",
            "unexplained jobs",
            "verdict",
        ]);
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    for p in policies {
        let d = p.delays();
        let (calls_p, calls_m) = p.mean_calls();
        let (peak_p, peak_m) = p.load.peaks();
        let verdict = if p.learns {
            "not judged (learns)".to_string()
        } else if p.passes(criteria) {
            "pass".to_string()
        } else {
            format!("FAIL: {}", p.failures(criteria).join("; "))
        };
        let agreement = format!("{:.1}%", 100.0 * p.agreement());
        table.add_row(vec![
            Cell::new(&p.policy),
            right(if p.order_dependent {
                format!("{agreement} (not judged)")
            } else {
                agreement
            }),
            right(format!(
                "{calls_p:.2} → {calls_m:.2} ({:+.1}%)",
                signed_error(calls_p, calls_m)
            )),
            right(format!(
                "{peak_p:.0} → {peak_m:.0} ({:+.1}%)",
                signed_error(peak_p, peak_m)
            )),
            right(format!("{:.2} → {:.2}", d.predicted, d.measured)),
            right(format!("{:.3}", d.lateness)),
            right(if p.order_dependent {
                "-".to_string()
            } else {
                p.unexplained().to_string()
            }),
            Cell::new(verdict),
        ]);
    }
    table.to_string()
}

/// Measured relative to predicted, in percent.
fn signed_error(predicted: f64, measured: f64) -> f64 {
    if predicted == measured {
        0.0
    } else {
        100.0 * (measured - predicted) / predicted.abs().max(f64::MIN_POSITIVE)
    }
}

/// `validation_load.csv`: requests per second by outcome, predicted and counted
/// by the server, per policy (job seconds from the simulator's t = 0, the plan's first instant).
pub fn validation_load_csv(policies: &[PolicyComparison]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "policy",
        "second",
        "predicted_answered",
        "predicted_failed",
        "predicted_throttled",
        "measured_answered",
        "measured_failed",
        "measured_throttled",
    ])
    .expect("in-memory CSV");
    for p in policies {
        let predicted: Vec<[u64; 3]> = p.load.predicted.seconds().map(|(_, c)| c).collect();
        let measured: Vec<[u64; 3]> = p.load.measured.seconds().map(|(_, c)| c).collect();
        for second in 0..predicted.len().max(measured.len()) {
            let pred = predicted.get(second).copied().unwrap_or_default();
            let meas = measured.get(second).copied().unwrap_or_default();
            let mut row = vec![p.policy.clone(), second.to_string()];
            row.extend(pred.iter().chain(&meas).map(u64::to_string));
            out.write_record(row).expect("in-memory CSV");
        }
    }
    out.into_inner().expect("in-memory CSV")
}
