//! `observed.csv`: real jobs' durations, bracketed by dense polling.
//!
//! Columns, in this order (the `observed` workload kind reads exactly these):
//! `job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s`.
//! Times are job seconds (real seconds against a real service): `submitted_s`
//! from the run's start to the job's submission; `last_pending_s` and
//! `first_final_s` from the submission to the *sending* of the last check
//! that saw the job pending (0 when the first check already saw it final) and
//! to the *arrival of the answer* of the first check that saw it final, so
//! the job's duration lies in `(last_pending_s, first_final_s]` whatever the
//! round trips. `first_final_s` is empty for a job given up (right-censored
//! at `last_pending_s`). `progress` and `eta_s` are the last pending answer's
//! readings, empty when the service sent none.

use crate::compare::{CheckResult, JobEnd, JobReport};
use serde::Serialize;

/// The header line, exactly.
pub const OBSERVED_COLUMNS: &str =
    "job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s";

/// How an observed job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservedState {
    /// A check saw it completed.
    Completed,
    /// A check saw it failed.
    Error,
    /// Polling stopped first (deadline, the policy's limits, a refused
    /// check): its duration is only known to exceed `last_pending_s`.
    GaveUp,
}

/// One row of `observed.csv`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservedJob {
    /// The service's job id.
    pub job: String,
    /// Seconds from the run's start to the submission.
    pub submitted_s: f64,
    /// Seconds after submission of the last check that saw it pending.
    pub last_pending_s: f64,
    /// Seconds after submission of the first answer that showed it final.
    pub first_final_s: Option<f64>,
    /// How it ended.
    pub state: ObservedState,
    /// Checks made.
    pub calls: u32,
    /// The last pending answer's share done.
    pub progress: Option<f64>,
    /// The last pending answer's seconds left.
    pub eta_s: Option<f64>,
}

impl ObservedJob {
    /// The row of a polled job, with times from `start` (the run's start, at
    /// `time_scale` real seconds per job second); `None` for a job that was
    /// never created.
    pub fn from_report(
        report: &JobReport,
        start: std::time::Instant,
        time_scale: f64,
    ) -> Option<Self> {
        let submitted = report.submitted?;
        let lag = report.creation_lag;
        let last_pending = report
            .checks
            .iter()
            .rev()
            .find(|c| c.result == CheckResult::Pending)
            .map_or(0.0, |c| c.sent + lag);
        let state = match report.end {
            JobEnd::Completed => ObservedState::Completed,
            JobEnd::Error => ObservedState::Error,
            _ => ObservedState::GaveUp,
        };
        let first_final = match state {
            ObservedState::GaveUp => None,
            _ => report.final_check().map(|c| c.received + lag),
        };
        Some(Self {
            job: report.id.clone(),
            submitted_s: submitted.saturating_duration_since(start).as_secs_f64() / time_scale,
            last_pending_s: last_pending,
            first_final_s: first_final,
            state,
            calls: report.calls,
            progress: report.last_hints.0,
            eta_s: report.last_hints.1,
        })
    }

    /// How wide the bracket around the duration is (`None` when given up).
    pub fn bracket(&self) -> Option<f64> {
        Some(self.first_final_s? - self.last_pending_s)
    }
}

/// The file's bytes.
pub fn observed_csv(rows: &[ObservedJob]) -> Vec<u8> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Serializing plain fields into memory cannot fail.
        writer.serialize(row).expect("a row of plain fields");
    }
    if rows.is_empty() {
        return format!("{OBSERVED_COLUMNS}\n").into_bytes();
    }
    writer.into_inner().unwrap_or_default()
}

/// `service_validation_jobs.csv`: every policy's jobs on the service, one
/// row each: the policy, then `observed.csv`'s columns.
pub fn policy_jobs_csv(policies: &[(&str, Vec<ObservedJob>)]) -> Vec<u8> {
    // csv cannot flatten one struct into another: the columns are spelled out.
    #[derive(Serialize)]
    struct Row<'a> {
        policy: &'a str,
        job: &'a str,
        submitted_s: f64,
        last_pending_s: f64,
        first_final_s: Option<f64>,
        state: ObservedState,
        calls: u32,
        progress: Option<f64>,
        eta_s: Option<f64>,
    }
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for (policy, rows) in policies {
        for r in rows {
            let row = Row {
                policy,
                job: &r.job,
                submitted_s: r.submitted_s,
                last_pending_s: r.last_pending_s,
                first_final_s: r.first_final_s,
                state: r.state,
                calls: r.calls,
                progress: r.progress,
                eta_s: r.eta_s,
            };
            // Plain fields into memory cannot fail.
            writer.serialize(row).expect("a row of plain fields");
        }
    }
    writer.into_inner().unwrap_or_default()
}

/// The median and the largest bracket width over the jobs seen final.
pub fn bracket_widths(rows: &[ObservedJob]) -> Option<(f64, f64)> {
    let mut widths: Vec<f64> = rows.iter().filter_map(ObservedJob::bracket).collect();
    if widths.is_empty() {
        return None;
    }
    widths.sort_by(f64::total_cmp);
    let n = widths.len();
    let median = if n % 2 == 1 {
        widths[n / 2]
    } else {
        (widths[n / 2 - 1] + widths[n / 2]) / 2.0
    };
    Some((median, widths[n - 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::CheckRecord;
    use std::time::{Duration, Instant};

    fn check(sent: f64, received: f64, result: CheckResult) -> CheckRecord {
        CheckRecord {
            at: sent,
            sent,
            received,
            result,
        }
    }

    #[test]
    fn a_report_becomes_its_bracket() {
        let start = Instant::now();
        let report = JobReport {
            id: "tr-1".into(),
            index: 0,
            end: JobEnd::Completed,
            calls: 3,
            elapsed: Duration::from_secs(3),
            creation_lag: 0.25,
            checks: vec![
                check(1.0, 1.5, CheckResult::Pending),
                check(2.0, 2.1, CheckResult::RateLimited),
                check(3.0, 3.5, CheckResult::Final),
            ],
            errors: Vec::new(),
            submitted: Some(start + Duration::from_secs(2)),
            last_hints: (Some(0.5), None),
        };
        let row = ObservedJob::from_report(&report, start, 1.0).unwrap();
        assert_eq!(row.submitted_s, 2.0);
        assert_eq!((row.last_pending_s, row.first_final_s), (1.25, Some(3.75)));
        assert_eq!(row.bracket(), Some(2.5));
        let given_up = JobReport {
            end: JobEnd::DeadlineExceeded,
            ..report.clone()
        };
        let row_g = ObservedJob::from_report(&given_up, start, 1.0).unwrap();
        assert_eq!(
            (row_g.state, row_g.first_final_s),
            (ObservedState::GaveUp, None)
        );
        let text = String::from_utf8(observed_csv(&[row.clone(), row_g])).unwrap();
        assert_eq!(
            text,
            format!(
                "{OBSERVED_COLUMNS}\ntr-1,2.0,1.25,3.75,completed,3,0.5,\ntr-1,2.0,1.25,,gave_up,3,0.5,\n"
            )
        );
        assert_eq!(
            observed_csv(&[]),
            format!("{OBSERVED_COLUMNS}\n").into_bytes()
        );
        let per_policy = String::from_utf8(policy_jobs_csv(&[("p", vec![row.clone()])])).unwrap();
        assert_eq!(
            per_policy,
            format!("policy,{OBSERVED_COLUMNS}\np,tr-1,2.0,1.25,3.75,completed,3,0.5,\n")
        );
        let seen_at_once = JobReport {
            checks: vec![check(1.0, 1.5, CheckResult::Final)],
            ..report
        };
        let row = ObservedJob::from_report(&seen_at_once, start, 1.0).unwrap();
        assert_eq!((row.last_pending_s, row.first_final_s), (0.0, Some(1.75)));
        assert_eq!(bracket_widths(&[row]), Some((1.75, 1.75)));
    }
}
