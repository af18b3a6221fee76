//! The protections one client keeps across its jobs, as the envelope
//! configures them: [`Guards`] bundles the client's retry quota, adaptive
//! throttle and circuit breaker (each present only when its key is set), so
//! a driver holds one value per client and hands it to every
//! [`JobPoll`](super::JobPoll) of that client's jobs.
//!
//! The drive contract (every driver, simulator or HTTP client, follows it;
//! times are on the client's own clock, seconds from one origin shared by
//! all its jobs, since the throttle's window and the breaker's timers span
//! jobs):
//!
//! 1. Before sending a check due at `at` (since the job's submission
//!    `submitted`), ask [`JobPoll::consult`](super::JobPoll::consult). On
//!    [`Gate::Send`] send it. On [`Gate::Rejected`] the check is **not
//!    sent**: it is a local rejection (a failed call that never reached the
//!    server, counted apart from the server's load and from the job's calls),
//!    and the gate says when the job's next check is due (or `None`: give
//!    the job up). Only with a throttle or a breaker is there anything to
//!    consult ([`Guards::gates`]); without, a driver may skip the call.
//! 2. Feed every answer through
//!    [`JobPoll::on_reply`](super::JobPoll::on_reply) or, for a final one,
//!    [`JobPoll::on_final`](super::JobPoll::on_final), with the client's
//!    guards: they tell the throttle and the breaker whether the server
//!    accepted the check, and run the retry quota. A driver that stops
//!    waiting for a check without an answer (the HTTP client's deadline)
//!    tells [`JobPoll::abandon`](super::JobPoll::abandon), so that a probe
//!    nobody waits for does not hold a half-open breaker.
//!
//! When a locally rejected job tries next: after the family's own wait from
//! the rejected check's due time (as after a failure without retries: a
//! rejected check is never retried at `retry_delay`, which would only spin
//! against the same closed gate), and, when an open breaker rejected it, not
//! before the breaker lets its probe through. A local rejection asks the
//! family for its next wait (so a backoff backs off) but is not a check: it
//! counts neither towards `max_attempts` nor `max_transport_failures`.

use super::error::PolicyError;
use super::protect::{
    AdaptiveThrottle, BreakerState, CircuitBreaker, RetryQuota, RetryQuotaParams,
};

/// `adaptive_throttle = { k = 2.0, window = 120 }`: Google SRE's rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThrottleParams {
    /// Accepts multiplier: requests are throttled once they exceed `k` times
    /// the accepts. SRE: 2 (1.1 is aggressive, 1 rejects anything above the
    /// accepted rate). Range [1, 100].
    pub k: f64,
    /// Seconds of history the counts cover (whole seconds). SRE: 120 (two
    /// minutes). Range [1, 86400].
    pub window: u32,
}

impl Default for ThrottleParams {
    fn default() -> Self {
        Self {
            k: 2.0,
            window: 120,
        }
    }
}

/// `circuit_breaker = { failures = 5, window = 10.0, open_s = 30.0 }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerParams {
    /// Failures (5xx, 429, no answer) within `window` that open the breaker.
    /// Default 5. Range [1, 1000000].
    pub failures: u32,
    /// Seconds over which failures are counted. Default 10. Range (0, 86400].
    pub window: f64,
    /// Seconds the breaker stays open before it lets one probe through.
    /// Default 30. Range (0, 86400].
    pub open_s: f64,
}

impl Default for BreakerParams {
    fn default() -> Self {
        Self {
            failures: 5,
            window: 10.0,
            open_s: 30.0,
        }
    }
}

fn in_range<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    (lo, hi): (T, T),
    instead: &str,
) -> Result<(), PolicyError> {
    if value >= lo && value <= hi {
        return Ok(());
    }
    Err(PolicyError::new(
        field,
        format!("{value} is out of range: write a value in [{lo}, {hi}] ({instead})"),
    ))
}

fn positive_seconds(field: &str, value: f64, default: f64) -> Result<(), PolicyError> {
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        return Ok(());
    }
    Err(PolicyError::new(
        field,
        format!(
            "{value} is not a number of seconds in (0, 86400]: write e.g. {default:?} (the default)"
        ),
    ))
}

impl ThrottleParams {
    /// Checks the ranges; the error names the field.
    pub fn validate(self) -> Result<Self, PolicyError> {
        if !self.k.is_finite() {
            return Err(PolicyError::new(
                "adaptive_throttle.k",
                format!("{} is not a number: write e.g. 2.0 (SRE's choice)", self.k),
            ));
        }
        in_range(
            "adaptive_throttle.k",
            self.k,
            (1.0, 100.0),
            "2.0 is SRE's choice; below 1 a healthy server is throttled",
        )?;
        in_range(
            "adaptive_throttle.window",
            self.window,
            (1, 86_400),
            "whole seconds; 120 is SRE's two minutes",
        )?;
        Ok(self)
    }
}

impl BreakerParams {
    /// Checks the ranges; the error names the field.
    pub fn validate(self) -> Result<Self, PolicyError> {
        in_range(
            "circuit_breaker.failures",
            self.failures,
            (1, 1_000_000),
            "failures within the window that open the breaker; default 5",
        )?;
        positive_seconds("circuit_breaker.window", self.window, 10.0)?;
        positive_seconds("circuit_breaker.open_s", self.open_s, 30.0)?;
        Ok(self)
    }
}

impl RetryQuotaParams {
    /// Checks the ranges (today's AWS values pass); the error names the field.
    pub fn validate(self) -> Result<Self, PolicyError> {
        let cap = self.initial_capacity;
        in_range(
            "retry_budget.initial_capacity",
            cap,
            (1, 1_000_000_000),
            "AWS: 500; a client that may never retry needs no retry_delay instead",
        )?;
        in_range(
            "retry_budget.retry_cost",
            self.retry_cost,
            (1, cap),
            "AWS: 5; at most initial_capacity, or no retry is ever made; for unbudgeted retries drop retry_budget",
        )?;
        in_range(
            "retry_budget.timeout_retry_cost",
            self.timeout_retry_cost,
            (1, cap),
            "AWS: 10; at most initial_capacity, or no timeout is ever retried",
        )?;
        in_range(
            "retry_budget.no_retry_increment",
            self.no_retry_increment,
            (0, cap),
            "AWS: 1; 0 lets only a retry's success return tokens",
        )?;
        Ok(self)
    }
}

/// Whether a check may go out (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gate {
    /// Send it.
    Send,
    /// Rejected locally, not sent: the job's next check is due then (seconds
    /// since submission), or `None`: give the job up.
    Rejected(Option<f64>),
}

/// What the guards said of one check, before the job's timing is applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Admit {
    /// It goes out; `probe`: it is the half-open breaker's probe.
    Send {
        /// The breaker's probe.
        probe: bool,
    },
    /// Rejected locally; `until`: an open breaker's end (client clock).
    Reject {
        /// When the breaker lets a probe through, if the breaker rejected.
        until: Option<f64>,
    },
}

/// One client's protections: one value per client, shared by its jobs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Guards {
    quota: Option<RetryQuota>,
    throttle: Option<AdaptiveThrottle>,
    breaker: Option<CircuitBreaker>,
}

impl Guards {
    /// A fresh client's protections under `limits` (a full bucket, no
    /// history, a closed breaker); empty when the policy sets none.
    pub fn new(limits: &super::Limits) -> Self {
        Self {
            quota: limits.retry_budget.map(RetryQuota::new),
            throttle: limits
                .adaptive_throttle
                .map(|p| AdaptiveThrottle::new(p.k, p.window)),
            breaker: limits
                .circuit_breaker
                .map(|p| CircuitBreaker::new(p.failures, p.window, p.open_s)),
        }
    }

    /// Whether checks must be consulted before they are sent (a throttle or a breaker).
    pub fn gates(&self) -> bool {
        self.throttle.is_some() || self.breaker.is_some()
    }

    /// Whether a consult takes a random draw (a throttle).
    pub fn draws(&self) -> bool {
        self.throttle.is_some()
    }

    /// The retry quota, if the policy has a `retry_budget`.
    pub fn quota_mut(&mut self) -> Option<&mut RetryQuota> {
        self.quota.as_mut()
    }

    /// The retry quota's state.
    pub fn quota(&self) -> Option<&RetryQuota> {
        self.quota.as_ref()
    }

    /// The breaker's state, if the policy has one.
    pub fn breaker(&self) -> Option<BreakerState> {
        self.breaker.as_ref().map(CircuitBreaker::state)
    }

    /// The throttle's rejection probability at `now`, if the policy has one.
    pub fn reject_probability(&mut self, now: f64) -> Option<f64> {
        Some(self.throttle.as_mut()?.reject_probability(now))
    }

    /// The throttle (with draw `draw()`), then the breaker, at `now`. The
    /// throttle goes first so that a probe the breaker lets through is sent:
    /// a half-open breaker waits for its probe's answer.
    pub(super) fn admit(&mut self, now: f64, draw: impl FnOnce() -> f64) -> Admit {
        if let Some(t) = &mut self.throttle
            && !t.allow(now, draw())
        {
            return Admit::Reject { until: None };
        }
        let Some(b) = &mut self.breaker else {
            return Admit::Send { probe: false };
        };
        if b.allow(now) {
            return Admit::Send {
                probe: matches!(b.state(), BreakerState::HalfOpen { .. }),
            };
        }
        Admit::Reject {
            until: match b.state() {
                BreakerState::Open { until } => Some(until),
                // Half-open: wait for the probe, as the family's wait says.
                _ => None,
            },
        }
    }

    /// A check sent earlier was answered at `now`: `accepted` (a status,
    /// pending or final) or not (5xx, 429, no answer). While the breaker is
    /// half-open only its `probe`'s answer decides: a check sent before it
    /// opened says nothing of the server since.
    pub(super) fn record(&mut self, now: f64, accepted: bool, probe: bool) {
        if let Some(t) = &mut self.throttle
            && accepted
        {
            t.accepted(now);
        }
        if let Some(b) = &mut self.breaker
            && (probe || !matches!(b.state(), BreakerState::HalfOpen { .. }))
        {
            b.record(now, accepted);
        }
    }
}
