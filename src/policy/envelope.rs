//! Limits every policy shares: initial delay, timeout, attempts, consecutive
//! transport failures, `Retry-After`, retries, and the protections a client
//! keeps across its jobs (retry budget, adaptive throttle, circuit breaker:
//! [`super::Guards`]).

use super::Observation;
use super::error::{PolicyError, seconds};
use super::guards::{BreakerParams, ThrottleParams};
use super::kind::{Param, Unit};
use super::protect::RetryQuotaParams;
use crate::rng::JobRng;

/// The limits' parameters, which every policy accepts beside its family's.
pub const LIMIT_PARAMS: &[Param] = &[
    Param {
        name: "initial_delay",
        unit: Unit::Seconds,
        default: Some("the family's first interval"),
        range: "> 0",
        doc: "wait before the first check; the family's intervals start after it",
    },
    Param {
        name: "timeout",
        unit: Unit::Seconds,
        default: Some("none"),
        range: "> 0",
        doc: "give up once this much time has passed; the last check lands exactly at the timeout",
    },
    Param {
        name: "max_attempts",
        unit: Unit::Checks,
        default: Some("none"),
        range: "≥ 1",
        doc: "give up after this many checks",
    },
    Param {
        name: "max_transport_failures",
        unit: Unit::Checks,
        default: Some("10"),
        range: "≥ 1",
        doc: "give up after this many checks in a row got no answer (connection refused or reset, timeout); in the simulator only a server with capacity keys leaves checks unanswered (a dropped connection, an outage without answers, a request timeout)",
    },
    Param {
        name: "honor_retry_after",
        unit: Unit::Flag,
        default: Some("`true`"),
        range: "",
        doc: "wait at least as long as a server's `Retry-After`",
    },
    Param {
        name: "retry_delay",
        unit: Unit::Seconds,
        default: Some("none"),
        range: "≥ 0",
        doc: "after a failed check (5xx, 429, no answer), retry after this wait instead of the family's interval",
    },
    Param {
        name: "retry_budget",
        unit: Unit::Flag,
        default: Some("none"),
        range: "",
        doc: "the AWS SDK retry quota per client, `{ initial_capacity = 500, retry_cost = 5, timeout_retry_cost = 10, no_retry_increment = 1 }` (each optional; costs from 1 to `initial_capacity`): a retry without tokens waits the family's interval",
    },
    Param {
        name: "adaptive_throttle",
        unit: Unit::Flag,
        default: Some("none"),
        range: "",
        doc: "Google SRE's adaptive throttling per client, `{ k = 2.0, window = 120 }` (each optional; k in [1, 100], window whole seconds): a check is rejected locally, not sent, with probability max(0, (requests − k·accepts) / (requests + 1)) over the window; the job tries again after the family's interval",
    },
    Param {
        name: "circuit_breaker",
        unit: Unit::Flag,
        default: Some("none"),
        range: "",
        doc: "a circuit breaker per client, `{ failures = 5, window = 10.0, open_s = 30.0 }` (each optional): after `failures` failed checks within `window` seconds no check is sent for `open_s` seconds; then one probe goes out, whose answer closes the breaker or opens it again; a job whose check it rejected tries again after the family's interval, not before the probe may go",
    },
];

/// No wait is shorter than this (seconds): jittered draws near zero would otherwise
/// make a client check twice at one instant.
pub const MIN_DELAY: f64 = 1e-3;

/// The envelope around a family's intervals: what each job's checks read
/// ([`JobLimits`]), and the protections a client keeps across its jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Limits {
    /// The limits one job's own checks run under.
    pub job: JobLimits,
    /// The client's retry quota (AWS SDK standard mode); only with `retry_delay`.
    pub retry_budget: Option<RetryQuotaParams>,
    /// The client's adaptive throttle (Google SRE). Default: none.
    pub adaptive_throttle: Option<ThrottleParams>,
    /// The client's circuit breaker. Default: none.
    pub circuit_breaker: Option<BreakerParams>,
}

impl Limits {
    /// Default `max_transport_failures`.
    pub const DEFAULT_MAX_TRANSPORT_FAILURES: u32 = 10;

    /// Checks every limit; the error names the first bad one.
    pub fn validate(self) -> Result<Self, PolicyError> {
        if let Some(d) = self.job.initial_delay {
            seconds("initial_delay", d)?;
        }
        if let Some(t) = self.job.timeout {
            seconds("timeout", t)?;
        }
        if self.job.max_attempts == Some(0) {
            return Err(PolicyError::new(
                "max_attempts",
                "0: must allow at least one check",
            ));
        }
        if let Some(d) = self.job.retry_delay
            && !(d.is_finite() && (0.0..=86_400.0).contains(&d))
        {
            return Err(PolicyError::new(
                "retry_delay",
                format!("{d} is not a number of seconds in [0, 86400]"),
            ));
        }
        if self.retry_budget.is_some() && self.job.retry_delay.is_none() {
            return Err(PolicyError::new(
                "retry_budget",
                "is set without retry_delay: a client that never retries needs no budget; add retry_delay = 0.0",
            ));
        }
        if let Some(b) = self.retry_budget {
            b.validate()?;
        }
        if let Some(t) = self.adaptive_throttle {
            t.validate()?;
        }
        if let Some(b) = self.circuit_breaker {
            b.validate()?;
        }
        if self.job.max_transport_failures == 0 {
            return Err(PolicyError::new(
                "max_transport_failures",
                "0: must allow at least one failed check (default 10)",
            ));
        }
        Ok(self)
    }

    /// The limits one job's checks run under: [`JobLimits`].
    pub fn job(&self) -> JobLimits {
        self.job
    }
}

/// The part of [`Limits`] a job's own checks read, copied into every job's
/// state ([`super::JobPoller`]); the protections (retry budget, throttle,
/// breaker) live once per client in its [`super::Guards`] instead. 64 bytes
/// rather than 144: the discrete-event simulator keeps tens of thousands of
/// jobs in flight and fetches each one's state from memory at every check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobLimits {
    /// Wait before the first check, seconds. Default: the family's first interval
    /// (the family's sequence then starts after this wait).
    pub initial_delay: Option<f64>,
    /// Give up once this many seconds have passed; the last check lands exactly at
    /// the timeout. Default: never.
    pub timeout: Option<f64>,
    /// Give up after this many checks. Default: no limit.
    pub max_attempts: Option<u32>,
    /// Give up after this many consecutive checks that got no answer at all
    /// ([`super::Response::TransportFailure`]: connection refused or reset, a
    /// timeout), so a client of a server that went away stops. Default
    /// [`Limits::DEFAULT_MAX_TRANSPORT_FAILURES`]. The simulator's server
    /// leaves checks unanswered only with capacity keys (a dropped
    /// connection, an outage without answers, a request timeout).
    pub max_transport_failures: u32,
    /// Wait at least as long as a server's `Retry-After`. Default true.
    pub honor_retry_after: bool,
    /// After a failed check, retry after this many seconds instead of the
    /// family's interval. Default: no retries (the family's interval).
    pub retry_delay: Option<f64>,
}

impl Default for JobLimits {
    fn default() -> Self {
        Self {
            initial_delay: None,
            timeout: None,
            max_attempts: None,
            max_transport_failures: Limits::DEFAULT_MAX_TRANSPORT_FAILURES,
            honor_retry_after: true,
            retry_delay: None,
        }
    }
}

impl JobLimits {
    /// Applies the limits to a wait proposed at `elapsed` seconds.
    #[inline]
    pub(crate) fn admit(&self, elapsed: f64, wait: f64) -> Option<f64> {
        // As `wait.max(MIN_DELAY)`, NaN included, in one instruction.
        let wait = if wait > MIN_DELAY { wait } else { MIN_DELAY };
        match self.timeout {
            Some(timeout) if elapsed >= timeout => None,
            Some(timeout) => Some(wait.min(timeout - elapsed)),
            None => Some(wait),
        }
    }

    /// When the first check goes out: `initial_delay` if set, else the
    /// family's first wait (`step`), within the limits; `None`: give up
    /// without checking.
    #[inline(always)]
    pub(crate) fn first(
        &self,
        rng: &mut JobRng,
        step: impl FnOnce(&mut JobRng) -> Option<f64>,
    ) -> Option<f64> {
        let wait = match self.initial_delay {
            Some(wait) => wait,
            None => step(rng)?,
        };
        self.admit(0.0, wait)
    }

    /// Whether another check is allowed after `obs`.
    #[inline]
    pub(crate) fn allows_another(&self, obs: &Observation) -> bool {
        self.max_attempts.is_none_or(|max| obs.attempt < max)
    }

    /// The envelope around one step: attempts, timeout, minimum delay.
    /// (`Retry-After` is applied once, where the send time is decided:
    /// [`crate::policy::send_time`].)
    #[inline(always)]
    pub(crate) fn envelope(
        &self,
        obs: &Observation,
        rng: &mut JobRng,
        step: impl FnOnce(&mut JobRng) -> Option<f64>,
    ) -> Option<f64> {
        if !self.allows_another(obs) {
            return None;
        }
        let wait = step(rng)?;
        self.admit(obs.elapsed, wait)
    }
}
