//! Job-by-job comparison of the simulator's prediction with a real run: pure
//! functions of the two records, so reports and plots use it without the
//! HTTP stack.
//!
//! The real client follows the simulator's schedule exactly, but each check
//! reaches the server a little late: timer lag plus the request's round trip
//! ("lateness", measured per check). A job that ends inside that window is seen
//! one check earlier than predicted. Such a difference is *explained* when the
//! measurements allow it: the check was scheduled before the job's end, and its
//! answer arrived after it on the server's clock for the job (which started
//! during the creation request, up to its round trip before the client's).
//! Anything else is unexplained and fails validation.

mod criteria;
mod overload;
mod policy;
mod record;
mod service;
#[cfg(test)]
mod tests;

pub use criteria::{Criteria, DEFAULT_MIN_AGREEMENT};
pub use overload::{MAX_OVERLOAD_ERROR, OverloadComparison};
pub use policy::{Delays, PolicyComparison};
pub use record::{CheckRecord, CheckResult, JobEnd, JobReport};
pub use service::ServiceComparison;

use crate::policy::JobOutcome;
use crate::sim::LoadTimeline;
use crate::workload::Job;

/// One job under one policy: predicted and measured.
#[derive(Clone, Debug, PartialEq)]
pub struct JobComparison {
    /// Job index.
    pub job: u64,
    /// Job seconds.
    pub duration: f64,
    /// Whether the job ends in the error state.
    pub failed: bool,
    /// Status calls the simulator made.
    pub predicted_calls: u32,
    /// Status calls the real client made.
    pub measured_calls: u32,
    /// When the simulator's client learned the final state (job seconds).
    pub predicted_seen_at: Option<f64>,
    /// Send time of the real check that saw the final state (job seconds).
    pub measured_seen_at: Option<f64>,
    /// When that check's answer arrived (job seconds).
    pub measured_received: Option<f64>,
    /// How the real polling ended.
    pub end: String,
    /// Failed checks (transient errors and rate limits) on the wire.
    pub errors: usize,
    /// Whether the job agrees, or differs only by a check the wire's lateness explains.
    pub explained: bool,
}

impl JobComparison {
    /// Compares one job's prediction with its real polling.
    pub fn new(job: &Job, predicted: &JobOutcome, measured: &JobReport) -> Self {
        let final_check = measured.final_check();
        let agree = predicted.calls == measured.calls
            && predicted.seen_at.is_some() == final_check.is_some();
        // Seen early because the check landed after the job's end (the
        // simulator's next checks may include a 500 or 429 before the final one).
        let seen_early = final_check.is_some_and(|c| {
            predicted.calls > measured.calls
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

    /// Same calls, and both saw (or both missed) the final state.
    pub fn agrees(&self) -> bool {
        self.predicted_calls == self.measured_calls
            && self.predicted_seen_at.is_some() == self.measured_seen_at.is_some()
    }

    /// Check lateness of the final check: answer arrival minus schedule (job seconds).
    pub fn lateness(&self) -> Option<f64> {
        Some(self.measured_received? - self.measured_seen_at?)
    }
}

/// The server's requests per second under one policy: predicted and counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadComparison {
    /// Requests per second the simulator predicted.
    pub predicted: LoadTimeline,
    /// Requests per second the server counted.
    pub measured: LoadTimeline,
    /// Time at the server and recovery, when the server has capacity keys.
    pub overload: Option<OverloadComparison>,
}

impl LoadComparison {
    /// Peak requests per second: (predicted, measured).
    pub fn peaks(&self) -> (f64, f64) {
        (
            self.predicted.stats().peak_rps,
            self.measured.stats().peak_rps,
        )
    }

    /// |measured − predicted| / predicted peak (0 when neither saw a request).
    pub fn peak_error(&self) -> f64 {
        let (predicted, measured) = self.peaks();
        relative_error(predicted, measured)
    }
}

pub(crate) fn relative_error(predicted: f64, measured: f64) -> f64 {
    if predicted == measured {
        0.0
    } else {
        (measured - predicted).abs() / predicted.abs().max(f64::MIN_POSITIVE)
    }
}
