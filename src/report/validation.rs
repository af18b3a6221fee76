//! Validation reports: `validation.csv` (one row per job and policy), the
//! terminal table (one row per policy), and `service_validation.csv` (one
//! row per policy on the user's own service).

use super::table::{column, fit};
use crate::compare::{Criteria, PolicyComparison, ServiceComparison};

/// `service_validation.csv`: each policy's prediction against its jobs on
/// the service. Times in job seconds.
pub fn service_validation_csv(runs: &[ServiceComparison], max_calls_error: f64) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "policy",
        "jobs",
        "finished",
        "prediction",
        "predicted_calls",
        "measured_calls",
        "calls_std_error",
        "calls_agree",
        "predicted_delay_s",
        "delay_bound_s",
        "delay_allowed",
    ];
    // Writing to a Vec cannot fail.
    let _ = out.write_record(header);
    for r in runs {
        let (calls, bound) = (r.calls(), r.delay_bound());
        let _ = out.write_record([
            r.policy.clone(),
            r.reports.len().to_string(),
            r.finished().to_string(),
            if r.exact { "exact" } else { "simulated" }.to_string(),
            r.predicted_calls.to_string(),
            calls.mean().to_string(),
            calls.std_error().to_string(),
            r.calls_agree(max_calls_error).to_string(),
            r.predicted_delay.to_string(),
            bound.mean().to_string(),
            r.delay_allowed().to_string(),
        ]);
    }
    out.into_inner().unwrap_or_default()
}

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

/// One policy's row: the comparison and its verdict.
struct Row<'a> {
    p: &'a PolicyComparison,
    verdict: &'static str,
}

/// One row per policy: agreement, calls per job, peak load, delays, verdict;
/// with a `width`, the least important columns are left out to fit; the
/// reasons for a FAIL follow the table, a line each.
pub fn validation_table(
    policies: &[PolicyComparison],
    criteria: &Criteria,
    width: Option<usize>,
) -> String {
    let rows: Vec<Row> = policies
        .iter()
        .map(|p| Row {
            p,
            verdict: if p.learns {
                "not judged (learns)"
            } else if p.passes(criteria) {
                "pass"
            } else {
                "FAIL (below)"
            },
        })
        .collect();
    let columns = [
        column("policy", 0, |r: &Row| r.p.policy.clone()),
        column("verdict", 1, |r: &Row| r.verdict.to_string()),
        column("calls agree", 2, |r: &Row| {
            let agreement = format!("{:.1}%", 100.0 * r.p.agreement());
            // Rate limits or a queue: which checks succeed depends on the
            // order requests arrive in, so jobs are judged in aggregate.
            if r.p.order_dependent {
                format!("{agreement} (aggregate)")
            } else {
                agreement
            }
        }),
        column("calls/job pred → meas", 3, |r: &Row| {
            let (p, m) = r.p.mean_calls();
            let calls = format!("{p:.2} → {m:.2} ({:+.1}%)", signed_error(p, m));
            match r.p.rejected {
                (0, 0) => calls,
                (p, m) => format!("{calls}; rejected locally {p} → {m}"),
            }
        }),
        column("peak rps pred → meas", 4, |r: &Row| {
            let (p, m) = r.p.load.peaks();
            format!("{p:.0} → {m:.0} ({:+.1}%)", signed_error(p, m))
        }),
        column("unexplained", 5, |r: &Row| {
            if r.p.order_dependent {
                "-".to_string()
            } else {
                r.p.unexplained().to_string()
            }
        }),
        column("lateness (s)", 6, |r: &Row| {
            format!("{:.3}", r.p.delays().lateness)
        }),
        column("delay (s) pred → meas", 7, |r: &Row| {
            let d = r.p.delays();
            format!("{:.2} → {:.2}", d.predicted, d.measured)
        }),
        column("server ms/s pred → meas", 3, |r: &Row| {
            r.p.load.overload.as_ref().map_or("-".into(), |o| {
                let (p, m) = o.mean_latency();
                format!(
                    "{:.1} → {:.1} ({:+.1}%)",
                    1e3 * p,
                    1e3 * m,
                    signed_error(p, m)
                )
            })
        }),
        column("recovery (s) pred → meas", 3, |r: &Row| {
            r.p.load.overload.as_ref().map_or("-".into(), |o| {
                let show = |x: Option<f64>| x.map_or("none".into(), |s| format!("{s:.0}"));
                let (p, m) = o.recovery();
                format!("{} → {}", show(p), show(m))
            })
        }),
    ];
    let refs: Vec<&Row> = rows.iter().collect();
    let mut text = fit(&refs, &columns, width, "validation.csv");
    for p in policies.iter().filter(|p| !p.learns) {
        for reason in p.failures(criteria) {
            text.push_str(&format!("\nFAIL {}: {reason}", p.policy));
        }
    }
    text
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
/// by the server, and (with capacity keys) the mean time at the server of
/// the checks served in each second, per policy (job seconds from the simulator's t = 0, the plan's first instant).
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
        "predicted_latency_s",
        "measured_latency_s",
    ])
    .expect("in-memory CSV");
    for p in policies {
        let predicted: Vec<[u64; 3]> = p.load.predicted.seconds().map(|(_, c)| c).collect();
        let measured: Vec<[u64; 3]> = p.load.measured.seconds().map(|(_, c)| c).collect();
        // Mean time at the server of the checks served in the second (capacity keys only).
        let latency = |stats: Option<&crate::sim::des::OverloadStats>, s: usize| {
            opt(stats.and_then(|o| o.seconds.get(s)?.mean_latency()))
        };
        let overload = p.load.overload.as_ref();
        let seconds = overload.map_or(0, |o| {
            o.predicted.seconds.len().max(o.measured.seconds.len())
        });
        for second in 0..predicted.len().max(measured.len()).max(seconds) {
            let pred = predicted.get(second).copied().unwrap_or_default();
            let meas = measured.get(second).copied().unwrap_or_default();
            let mut row = vec![p.policy.clone(), second.to_string()];
            row.extend(pred.iter().chain(&meas).map(u64::to_string));
            row.push(latency(overload.map(|o| &o.predicted), second));
            row.push(latency(overload.map(|o| &o.measured), second));
            out.write_record(row).expect("in-memory CSV");
        }
    }
    out.into_inner().expect("in-memory CSV")
}
