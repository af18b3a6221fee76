//! What happened to one job: how it ended, every check, and the errors met.

use crate::policy::JobOutcome;
use std::fmt;
use std::time::Duration;

/// How polling a job ended. Every job ends in exactly one of these.
#[derive(Clone, Debug, PartialEq)]
pub enum JobEnd {
    /// A check saw `completed`.
    Completed,
    /// A check saw `error` (the job failed; polling worked).
    Error,
    /// The policy stopped (its timeout, attempts or the call guard).
    GaveUp,
    /// The client's overall deadline passed first.
    DeadlineExceeded,
    /// The server refused a check (unknown or expired job, bad request).
    Rejected(String),
    /// The policy's `max_transport_failures` checks in a row got no answer:
    /// says which server and the last failure.
    Unreachable(String),
}

impl JobEnd {
    /// The job's final state was seen.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Error)
    }
}

impl fmt::Display for JobEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Completed => f.write_str("completed"),
            Self::Error => f.write_str("error"),
            Self::GaveUp => f.write_str("gave up"),
            Self::DeadlineExceeded => f.write_str("deadline exceeded"),
            Self::Rejected(why) => write!(f, "rejected: {why}"),
            Self::Unreachable(why) => write!(f, "gave up: {why}"),
        }
    }
}

/// What one check answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckResult {
    /// Still running.
    Pending,
    /// The final state (completed or error).
    Final,
    /// A server failure (5xx, 408, an unreadable body) or no answer.
    Transient,
    /// Refused by the rate limiter (429).
    RateLimited,
    /// Refused outright (another 4xx).
    Rejected,
    /// Never sent: the client's own adaptive throttle or circuit breaker
    /// rejected it (a local rejection, not a call).
    RejectedLocally,
}

/// One status check. Times are job seconds since the job was created.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckRecord {
    /// When the schedule placed the check: the time the policy saw as `elapsed`.
    pub at: f64,
    /// When the request left (later than `at` by timer and scheduling lag).
    pub sent: f64,
    /// When the answer arrived.
    pub received: f64,
    /// What the check answered.
    pub result: CheckResult,
}

/// One job's polling, start to end.
#[derive(Clone, Debug, PartialEq)]
pub struct JobReport {
    /// The server's job id (`-` when the job was never created).
    pub id: String,
    /// The job's index in the run (keys its jitter and its simulated twin).
    pub index: u64,
    /// How polling ended.
    pub end: JobEnd,
    /// Status requests made (checks rejected locally are not requests).
    pub calls: u32,
    /// Real time from creation to the end of polling.
    pub elapsed: Duration,
    /// Job seconds the creation request took: the server's clock for the job
    /// started up to this much before the client's.
    pub creation_lag: f64,
    /// Every check, in send order, with those the client's guards rejected
    /// locally (never sent: `sent` and `received` are when it was rejected).
    pub checks: Vec<CheckRecord>,
    /// One line per failed check: transient errors and rate limits.
    pub errors: Vec<String>,
    /// When the creation request was sent (or polling an existing id began);
    /// none for a job never created.
    pub submitted: Option<std::time::Instant>,
    /// The last pending answer's hints: share done and seconds left.
    pub last_hints: (Option<f64>, Option<f64>),
}

impl JobReport {
    /// A job that was never created: `end` says why.
    pub fn not_created(index: u64, end: JobEnd) -> Self {
        let why = end.to_string();
        Self {
            id: "-".into(),
            index,
            end,
            calls: 0,
            elapsed: Duration::ZERO,
            creation_lag: 0.0,
            checks: Vec::new(),
            errors: vec![why],
            submitted: None,
            last_hints: (None, None),
        }
    }

    /// Checks the client's adaptive throttle or circuit breaker rejected
    /// locally: never sent, so not in [`Self::calls`].
    pub fn rejected(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.result == CheckResult::RejectedLocally)
            .count()
    }

    /// The check that saw the final state.
    pub fn final_check(&self) -> Option<&CheckRecord> {
        self.checks
            .last()
            .filter(|c| c.result == CheckResult::Final)
    }

    /// When (job seconds) the answer that showed the final state arrived: the
    /// simulator's `seen_at`.
    pub fn seen_at(&self) -> Option<f64> {
        self.final_check().map(|c| c.received)
    }

    /// The outcome as a learning policy records it, with answer times (as the
    /// simulator gives them).
    pub fn outcome(&self) -> JobOutcome {
        let last_pending = self
            .checks
            .iter()
            .rev()
            .find(|c| c.result == CheckResult::Pending)
            .map_or(0.0, |c| c.received);
        JobOutcome {
            calls: self.calls,
            seen_at: self.seen_at(),
            last_pending,
        }
    }
}
