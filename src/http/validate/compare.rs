//! Job-by-job comparison of the simulator's prediction with a real run.
//!
//! The real client follows the simulator's schedule exactly, but each check
//! reaches the server a little late: timer lag plus the request's round trip
//! ("lateness", measured per check). A job that ends inside that window is seen
//! one check earlier than predicted. Such a difference is *explained* when the
//! measurements allow it: the check was scheduled before the job's end, and its
//! answer arrived after it on the server's clock for the job (which started
//! during the creation request, up to its round trip before the client's).
//! Anything else is unexplained and fails validation.

use crate::http::client::JobReport;
use crate::policy::JobOutcome;
use crate::workload::Job;

/// One job under one policy: predicted and measured.
#[derive(Clone, Debug, PartialEq)]
pub struct JobComparison {
    pub job: u64,
    /// Job seconds.
    pub duration: f64,
    pub failed: bool,
    pub predicted_calls: u32,
    pub measured_calls: u32,
    /// Scheduled time of the check that saw the final state (job seconds).
    pub predicted_seen_at: Option<f64>,
    pub measured_seen_at: Option<f64>,
    /// When that check's answer arrived (job seconds).
    pub measured_received: Option<f64>,
    /// How the real polling ended.
    pub end: String,
    pub errors: usize,
    pub explained: bool,
}

impl JobComparison {
    pub fn new(job: &Job, predicted: &JobOutcome, measured: &JobReport) -> Self {
        let final_check = measured.final_check();
        let agree = predicted.calls == measured.calls
            && predicted.seen_at.is_some() == final_check.is_some();
        // Seen one check early because the check landed after the job's end.
        let seen_early = final_check.is_some_and(|c| {
            predicted.calls == measured.calls + 1
                && c.at < job.duration
                && c.received + measured.creation_lag >= job.duration
        });
        Self {
            job: job.index,
            duration: job.duration,
            failed: job.failed,
            predicted_calls: predicted.calls,
            measured_calls: measured.calls,
            predicted_seen_at: predicted.seen_at,
            measured_seen_at: final_check.map(|c| c.at),
            measured_received: final_check.map(|c| c.received),
            end: measured.end.to_string(),
            errors: measured.errors.len(),
            explained: agree || seen_early,
        }
    }

    pub fn agrees(&self) -> bool {
        self.predicted_calls == self.measured_calls
            && self.predicted_seen_at.is_some() == self.measured_seen_at.is_some()
    }

    /// Check lateness of the final check: answer arrival minus schedule (job seconds).
    pub fn lateness(&self) -> Option<f64> {
        Some(self.measured_received? - self.measured_seen_at?)
    }
}

/// One policy's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyComparison {
    pub policy: String,
    /// Learning policies learn in completion order on the wire but in job order in
    /// the simulator: compared, but not held to the threshold.
    pub learns: bool,
    pub jobs: Vec<JobComparison>,
}

impl PolicyComparison {
    /// Share of jobs with the same number of calls.
    pub fn agreement(&self) -> f64 {
        self.jobs.iter().filter(|j| j.agrees()).count() as f64 / self.jobs.len().max(1) as f64
    }

    pub fn unexplained(&self) -> usize {
        self.jobs.iter().filter(|j| !j.explained).count()
    }

    /// Mean detection delay (job seconds) predicted, and measured up to the answer's
    /// arrival, over jobs both saw end; and the mean lateness of the final checks.
    pub fn delays(&self) -> Delays {
        let both: Vec<&JobComparison> = self
            .jobs
            .iter()
            .filter(|j| j.predicted_seen_at.is_some() && j.measured_received.is_some())
            .collect();
        let mean = |f: &dyn Fn(&JobComparison) -> f64| {
            both.iter().map(|j| f(j)).sum::<f64>() / both.len().max(1) as f64
        };
        Delays {
            jobs: both.len(),
            predicted: mean(&|j| j.predicted_seen_at.unwrap_or(0.0) - j.duration),
            measured: mean(&|j| j.measured_received.unwrap_or(0.0) - j.duration),
            lateness: mean(&|j| j.lateness().unwrap_or(0.0)),
        }
    }

    pub fn passes(&self, min_agreement: f64) -> bool {
        self.learns || (self.agreement() >= min_agreement && self.unexplained() == 0)
    }
}

/// Mean delays in job seconds. `measured - predicted - lateness` is what lateness
/// does not explain: zero when every job agrees, negative by the checks saved on
/// jobs seen one check early.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delays {
    pub jobs: usize,
    pub predicted: f64,
    pub measured: f64,
    pub lateness: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::client::{CheckRecord, CheckResult, JobEnd};
    use std::time::Duration;

    fn report(checks: &[(f64, f64, CheckResult)]) -> JobReport {
        JobReport {
            id: "1".into(),
            index: 0,
            end: JobEnd::Completed,
            calls: checks.len() as u32,
            elapsed: Duration::ZERO,
            creation_lag: 0.0,
            checks: checks
                .iter()
                .map(|&(at, received, result)| CheckRecord {
                    at,
                    sent: at,
                    received,
                    result,
                })
                .collect(),
            errors: Vec::new(),
        }
    }

    fn job(duration: f64) -> Job {
        Job {
            index: 0,
            duration,
            failed: false,
            hint: None,
        }
    }

    fn predicted(calls: u32, seen_at: f64) -> JobOutcome {
        JobOutcome {
            calls,
            seen_at: Some(seen_at),
            last_pending: 0.0,
        }
    }

    #[test]
    fn early_detection_is_explained_only_by_a_late_answer() {
        use CheckResult::*;
        // Same calls: agreement, and lateness is the answer's delay.
        let same = JobComparison::new(
            &job(7.0),
            &predicted(2, 10.0),
            &report(&[(5.0, 5.1, Pending), (10.0, 10.1, Final)]),
        );
        assert!(same.agrees() && same.explained);
        assert!((same.lateness().unwrap() - 0.1).abs() < 1e-12);
        // The check at 5.0 answered at 5.2, after the job's end at 5.1: explained.
        let early = JobComparison::new(
            &job(5.1),
            &predicted(2, 10.0),
            &report(&[(5.0, 5.2, Final)]),
        );
        assert!(!early.agrees() && early.explained);
        // Seen complete before it ended: impossible, so unexplained.
        let wrong = JobComparison::new(
            &job(6.0),
            &predicted(2, 10.0),
            &report(&[(5.0, 5.2, Final)]),
        );
        assert!(!wrong.explained);
        // One call more than predicted: unexplained without faults.
        let late = JobComparison::new(
            &job(4.0),
            &predicted(1, 5.0),
            &report(&[(5.0, 5.1, Pending), (10.0, 10.1, Final)]),
        );
        assert!(!late.explained);
        let policy = PolicyComparison {
            policy: "p".into(),
            learns: false,
            jobs: vec![same, early, wrong, late],
        };
        assert_eq!(policy.agreement(), 0.25);
        assert_eq!(policy.unexplained(), 2);
        assert!(!policy.passes(0.2));
    }
}
