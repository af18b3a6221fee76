//! `RawPolicy`: one policy table as a config writes it, `kind` plus every
//! family's parameters as optional fields. Serde reads it (with the field's
//! own line for errors) and writes it back in this field order, which is
//! the key order of `tuned.toml`; the families read and fill their own fields.

use super::jitter::Jitter;
use super::schedule::ScheduleEnd;
use serde::{Deserialize, Serialize};

/// `retry_budget = { … }`: the AWS SDK retry quota's parameters, each optional
/// (AWS's defaults: 500, 5, 10, 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetryBudget {
    /// Tokens in a full bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_capacity: Option<u32>,
    /// Tokens a retry takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_cost: Option<u32>,
    /// Tokens a retry after a timeout takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_retry_cost: Option<u32>,
    /// Tokens a first-attempt success returns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_retry_increment: Option<u32>,
}

/// `adaptive_throttle = { … }`: Google SRE's throttle, each field optional
/// (defaults: k = 2.0, window = 120 s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Accepts multiplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// Seconds of history, whole seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<u32>,
}

/// `circuit_breaker = { … }`, each field optional (defaults: 5 failures
/// within 10 s open it for 30 s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreaker {
    /// Failures within the window that open the breaker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u32>,
    /// Seconds over which failures are counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<f64>,
    /// Seconds the breaker stays open before its probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_s: Option<f64>,
}

/// One policy as written in a config: `[[policies]]` with `name`, `kind` and parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// The policy's name, unique in the config.
    pub name: String,
    /// The family (`constant`, `exponential`, …).
    pub kind: String,
    /// See [`JobLimits::initial_delay`](super::JobLimits::initial_delay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<f64>,
    /// See [`JobLimits::timeout`](super::JobLimits::timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// See [`JobLimits::max_attempts`](super::JobLimits::max_attempts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// See [`JobLimits::max_transport_failures`](super::JobLimits::max_transport_failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_transport_failures: Option<u32>,
    /// See [`JobLimits::honor_retry_after`](super::JobLimits::honor_retry_after).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honor_retry_after: Option<bool>,
    /// See [`JobLimits::retry_delay`](super::JobLimits::retry_delay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<f64>,
    /// See [`Limits::retry_budget`](super::Limits::retry_budget).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_budget: Option<RawRetryBudget>,
    /// See [`Limits::adaptive_throttle`](super::Limits::adaptive_throttle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptive_throttle: Option<RawThrottle>,
    /// See [`Limits::circuit_breaker`](super::Limits::circuit_breaker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<RawBreaker>,
    /// Interval, seconds (`constant`, `duration_aware`, `eta_hint`, `long_poll`, `retry_after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    /// Fibonacci unit, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<f64>,
    /// First exponential interval, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<f64>,
    /// Growth (or shrink) factor per check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// Longest interval, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    /// Exponential jitter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<Jitter>,
    /// First `exponential_decrease` interval, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// Interval `exponential_decrease` approaches, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
    /// Shortest interval, seconds (`calibrated`, `oscillating`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Longest interval, seconds (`calibrated`, `oscillating`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Jobs `calibrated` remembers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Expected duration, seconds (`duration_aware`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<f64>,
    /// Share of the expected duration or ETA to sleep through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<f64>,
    /// Check times of a `schedule`, seconds since submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<f64>>,
    /// What a `schedule` does after its last time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub then: Option<ScheduleEnd>,
    /// How long a long poll asks the server to hold a check, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<f64>,
    /// Price of one check the `learned` policy optimizes for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<f64>,
    /// Price of one second of delay the `learned` policy optimizes for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_s: Option<f64>,
    /// Jobs between two refits of the `learned` policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refit: Option<usize>,
    /// How much the `learned` policy explores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explore: Option<f64>,
}

impl RawPolicy {
    /// Family parameters and whether each is set (the envelope's are always allowed).
    pub(crate) fn family_fields(&self) -> [(&'static str, bool); 20] {
        [
            ("interval", self.interval.is_some()),
            ("unit", self.unit.is_some()),
            ("initial", self.initial.is_some()),
            ("factor", self.factor.is_some()),
            ("cap", self.cap.is_some()),
            ("jitter", self.jitter.is_some()),
            ("start", self.start.is_some()),
            ("floor", self.floor.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("window", self.window.is_some()),
            ("expected", self.expected.is_some()),
            ("lead", self.lead.is_some()),
            ("times", self.times.is_some()),
            ("then", self.then.is_some()),
            ("max_wait", self.max_wait.is_some()),
            ("call", self.call.is_some()),
            ("delay_s", self.delay_s.is_some()),
            ("refit", self.refit.is_some()),
            ("explore", self.explore.is_some()),
        ]
    }
}
