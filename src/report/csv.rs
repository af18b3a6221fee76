//! CSV exporters for machines: `summary.csv` and `jobs.csv`.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so equal
//! results give equal bytes and a reader gets back exactly the computed value.

use crate::metrics::Summary;
use crate::sim::{JobRecord, LoadTimeline};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct SummaryRow<'a> {
    policy: &'a str,
    kind: &'a str,
    jobs: u64,
    completed: u64,
    errors: u64,
    given_up: u64,
    calls_mean: f64,
    calls_ci95: f64,
    calls_p50: f64,
    calls_p95: f64,
    calls_p99: f64,
    calls_max: f64,
    delay_mean_s: f64,
    delay_ci95_s: f64,
    delay_p50_s: f64,
    delay_p95_s: f64,
    delay_p99_s: f64,
    delay_max_s: f64,
    detection_time_mean_s: f64,
    hit_rate: f64,
    efficiency_ratio: f64,
    score: f64,
    cost: f64,
    exact_calls: Option<f64>,
    exact_delay_s: Option<f64>,
    exact_give_up: Option<f64>,
}

/// The contention simulator's columns, written after all the others (so readers
/// of the first columns keep working) and only when it ran.
#[derive(Serialize)]
struct LoadColumns {
    peak_rps: f64,
    p99_rps: f64,
    throttled_calls: u64,
    failed_calls: u64,
}

/// The capacity model's columns, after the load columns, only when the server
/// has capacity keys (so every other run keeps its bytes).
#[derive(Serialize)]
struct OverloadColumns {
    mean_latency_s: f64,
    p99_latency_s: f64,
    goodput: f64,
    wasted_work_s: f64,
    work_amplification: f64,
    recovery_s: Option<f64>,
}

const OVERLOAD_COLUMNS: [&str; 6] = [
    "mean_latency_s",
    "p99_latency_s",
    "goodput",
    "wasted_work_s",
    "work_amplification",
    "recovery_s",
];

/// One row per policy; with the load columns at the end when every row has them.
pub fn summary_csv(rows: &[Summary]) -> Vec<u8> {
    let loads: Option<Vec<_>> = rows.iter().map(|s| s.load).collect();
    // Headers are written by hand: the csv crate cannot name the fields of two
    // structs in one row.
    let mut writer = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut header: Vec<&str> = SUMMARY_COLUMNS.to_vec();
    if loads.is_some() {
        header.extend(LOAD_COLUMNS);
    }
    let overloads: Option<Vec<_>> = rows.iter().map(|s| s.overload).collect();
    let overloads = overloads.filter(|_| loads.is_some());
    if overloads.is_some() {
        header.extend(OVERLOAD_COLUMNS);
    }
    writer
        .write_record(&header)
        .expect("writing to memory cannot fail");
    for (i, s) in rows.iter().enumerate() {
        let row = SummaryRow {
            policy: &s.policy,
            kind: &s.kind,
            jobs: s.jobs,
            completed: s.completed,
            errors: s.errors,
            given_up: s.given_up,
            calls_mean: s.calls.mean,
            calls_ci95: s.calls.ci95,
            calls_p50: s.calls.p50,
            calls_p95: s.calls.p95,
            calls_p99: s.calls.p99,
            calls_max: s.calls.max,
            delay_mean_s: s.delay.mean,
            delay_ci95_s: s.delay.ci95,
            delay_p50_s: s.delay.p50,
            delay_p95_s: s.delay.p95,
            delay_p99_s: s.delay.p99,
            delay_max_s: s.delay.max,
            detection_time_mean_s: s.detection_time,
            hit_rate: s.hit_rate,
            efficiency_ratio: s.efficiency_ratio,
            score: s.score,
            cost: s.cost,
            exact_calls: s.exact.map(|e| e.calls),
            exact_delay_s: s.exact.map(|e| e.delay),
            exact_give_up: s.exact.map(|e| e.give_up),
        };
        let load = |loads: &[crate::metrics::LoadStats]| LoadColumns {
            peak_rps: loads[i].peak_rps,
            p99_rps: loads[i].p99_rps,
            throttled_calls: loads[i].throttled,
            failed_calls: loads[i].failed,
        };
        let result = match (&loads, &overloads) {
            (None, _) => writer.serialize(row),
            (Some(loads), None) => writer.serialize((row, load(loads))),
            (Some(loads), Some(overloads)) => {
                let o = overloads[i];
                writer.serialize((
                    row,
                    load(loads),
                    OverloadColumns {
                        mean_latency_s: o.mean_latency_s,
                        p99_latency_s: o.p99_latency_s,
                        goodput: o.goodput,
                        wasted_work_s: o.wasted_work_s,
                        work_amplification: o.work_amplification,
                        recovery_s: o.recovery_s,
                    },
                ))
            }
        };
        result.expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

const SUMMARY_COLUMNS: [&str; 26] = [
    "policy",
    "kind",
    "jobs",
    "completed",
    "errors",
    "given_up",
    "calls_mean",
    "calls_ci95",
    "calls_p50",
    "calls_p95",
    "calls_p99",
    "calls_max",
    "delay_mean_s",
    "delay_ci95_s",
    "delay_p50_s",
    "delay_p95_s",
    "delay_p99_s",
    "delay_max_s",
    "detection_time_mean_s",
    "hit_rate",
    "efficiency_ratio",
    "score",
    "cost",
    "exact_calls",
    "exact_delay_s",
    "exact_give_up",
];

const LOAD_COLUMNS: [&str; 4] = ["peak_rps", "p99_rps", "throttled_calls", "failed_calls"];

#[derive(Serialize)]
struct JobRow<'a> {
    policy: &'a str,
    job: u64,
    duration_s: f64,
    outcome: &'static str,
    calls: u32,
    seen_at_s: Option<f64>,
    delay_s: Option<f64>,
}

/// One row per job and policy, policy by policy, jobs in order.
pub fn write_jobs_csv<W: Write>(out: W, runs: &[(&str, &[JobRecord])]) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    for (policy, records) in runs {
        for r in *records {
            let outcome = match (r.seen_at, r.failed) {
                (None, _) => "given_up",
                (Some(_), true) => "error",
                (Some(_), false) => "completed",
            };
            writer.serialize(JobRow {
                policy,
                job: r.job,
                duration_s: r.duration,
                outcome,
                calls: r.calls,
                seen_at_s: r.seen_at,
                delay_s: r.seen_at.map(|t| t - r.duration),
            })?;
        }
    }
    writer.flush()
}

#[derive(Serialize)]
struct LoadRow<'a> {
    policy: &'a str,
    second: usize,
    answered: u64,
    failed: u64,
    throttled: u64,
    total: u64,
}

/// Requests per second at the server, by outcome: one row per policy and second,
/// from second 0 to the policy's last request.
pub fn load_csv(runs: &[(&str, &LoadTimeline)]) -> Vec<u8> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for (policy, load) in runs {
        for (second, [answered, failed, throttled]) in load.seconds() {
            writer
                .serialize(LoadRow {
                    policy,
                    second,
                    answered,
                    failed,
                    throttled,
                    total: answered + failed + throttled,
                })
                .expect("writing to memory cannot fail");
        }
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Accumulator, LoadStats, Scoring};

    #[test]
    fn load_columns_come_last_and_only_when_the_des_ran() {
        let mut acc = Accumulator::new(false);
        acc.add(10.0, false, 3, Some(11.0));
        let plain = Summary::new("p", "constant", &acc, &Scoring::default(), None);
        let text = String::from_utf8(summary_csv(std::slice::from_ref(&plain))).unwrap();
        let mut lines = text.lines();
        // The hand-written header names exactly the serialized fields.
        assert_eq!(lines.next().unwrap(), SUMMARY_COLUMNS.join(","));
        assert_eq!(lines.next().unwrap().split(',').count(), 26);
        let loaded = plain.with_load(LoadStats {
            peak_rps: 12.0,
            p99_rps: 7.0,
            throttled: 4,
            failed: 1,
        });
        let text = String::from_utf8(summary_csv(&[loaded])).unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .ends_with(",exact_give_up,peak_rps,p99_rps,throttled_calls,failed_calls")
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("p,constant,1,1,0,0,3.0,"), "{row}");
        assert!(row.ends_with(",,,,12.0,7.0,4,1"), "{row}");
    }
}
