//! `PolicySpec`: a validated policy configuration, and its TOML form `RawPolicy`.
//!
//! The raw form is one flat table per policy (`kind` plus that family's
//! parameters), so that configs read naturally and every mistake can be reported
//! by name: a parameter the family does not take, a missing one, a bad value.
//! `to_raw` writes the exact same syntax back, which is how tuned parameters
//! reach `tuned.toml`, `simulate --policies` and the HTTP client unchanged.

use super::JobHint;
use super::envelope::{JobLimits, Limits};
use super::error::{PolicyError, clip};
use super::guards::{BreakerParams, ThrottleParams};
use super::poll::{JobPoll, PENDING};
use super::raw::{RawBreaker, RawPolicy, RawThrottle};
use super::registry::{self, Family, KINDS};
use crate::rng::JobRng;

/// The longest policy name: names label terminal tables, plots and CSV rows.
pub(super) const MAX_NAME_CHARS: usize = 100;

/// A validated policy: builds fresh [`ClientPolicy`](super::ClientPolicy) state for each client.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySpec {
    name: String,
    family: Family,
    limits: Limits,
}

/// Check times of a deterministic policy, from submission.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckTimes {
    pub times: Vec<f64>,
    /// The policy gave up after the last time (rather than the horizon being reached).
    pub gives_up: bool,
}

impl PolicySpec {
    /// A policy named `name` of `family` within `limits`; fails on a bad name or limit.
    pub fn new(
        name: impl Into<String>,
        family: Family,
        limits: Limits,
    ) -> Result<Self, PolicyError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(PolicyError::new(
                "name",
                "is empty: every policy needs a name",
            ));
        }
        let length = name.chars().count();
        if length > MAX_NAME_CHARS {
            return Err(PolicyError::new(
                "name",
                format!(
                    "is {length} characters long: a policy name has at most {MAX_NAME_CHARS} (it labels tables, plots and files)"
                ),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(PolicyError::new(
                "name",
                format!(
                    "{:?} holds a control character (a newline or tab): use letters, digits, spaces and punctuation",
                    clip(&name, 40)
                ),
            ));
        }
        let limits = limits.validate()?;
        family.check_limits(&limits)?;
        Ok(Self {
            name,
            family,
            limits,
        })
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its family and the family's parameters.
    pub fn family(&self) -> &Family {
        &self.family
    }

    /// Its limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The family name as written in `kind`.
    pub fn kind(&self) -> &'static str {
        self.family.kind()
    }

    /// True when every job sees the same check times: no jitter, no learning, no
    /// per-job hint. Such policies can be evaluated exactly from the distribution.
    /// Against a server that sends hints (`Retry-After`, ETA) or holds checks, the
    /// server-aware families are not: [`Self::uses_server`] tells them apart.
    pub fn is_deterministic(&self) -> bool {
        self.family.is_deterministic()
    }

    /// Whether the policy reads what the server adds to an answer (`Retry-After`,
    /// ETA) or asks it to hold checks: its check times then depend on the server.
    pub fn uses_server(&self) -> bool {
        self.family.uses_server()
    }

    /// Whether the policy draws random numbers (jitter).
    pub fn draws_jitter(&self) -> bool {
        self.family.draws_jitter()
    }

    /// Whether jobs depend on earlier jobs of the same client.
    pub fn learns(&self) -> bool {
        self.family.learns()
    }

    /// Whether the policy needs a per-job duration hint from the workload.
    pub fn needs_hint(&self) -> bool {
        self.family.needs_hint()
    }

    /// The check times of a deterministic policy up to the first at or after
    /// `horizon` (or until it gives up, or `max_checks`), driven through the same
    /// poller the simulator and the HTTP client use. `None` if not deterministic.
    pub fn check_times(&self, horizon: f64, max_checks: usize) -> Option<CheckTimes> {
        if !self.is_deterministic() {
            return None;
        }
        // Never drawn from: deterministic policies take no randomness.
        let mut rng = JobRng::empty(0, 0);
        // The driver loop against an ideal server that never says "done"; the
        // horizon and `max_checks` end it, not the machine's own cap.
        let mut poll = JobPoll::start(&mut self.client(), &JobHint::default(), u32::MAX);
        let mut times = Vec::new();
        let mut next = poll.first_check(&mut rng);
        while let Some(t) = next {
            times.push(t);
            if t >= horizon || times.len() >= max_checks {
                return Some(CheckTimes {
                    times,
                    gives_up: false,
                });
            }
            next = poll.on_answer(t, t, PENDING, None, &mut rng);
        }
        Some(CheckTimes {
            times,
            gives_up: true,
        })
    }

    /// Parses and validates one policy table (handy in docs and tests).
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let raw: RawPolicy = toml::from_str(text)
            .map_err(|e| PolicyError::new("policy", e.message().to_string()))?;
        Self::from_raw(&raw)
    }

    /// Validates a raw policy: the kind exists, it gets only its own parameters, all in range.
    pub fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        let Some(params) = registry::params(&raw.kind) else {
            return Err(PolicyError::new(
                "kind",
                format!(
                    "'{}' is not a policy family; use one of: {}",
                    raw.kind,
                    KINDS.join(", ")
                ),
            ));
        };
        for (field, present) in raw.family_fields() {
            if present && !params.iter().any(|p| p.name == field) {
                let takes = if params.is_empty() {
                    "no parameters of its own".to_string()
                } else {
                    let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                    names.join(", ")
                };
                return Err(PolicyError::new(
                    field,
                    format!("is not a parameter of {} (it takes {takes})", raw.kind),
                ));
            }
        }
        let family = Family::read(raw).expect("the kind has a parameter table")?;
        let limits = Limits {
            job: JobLimits {
                initial_delay: raw.initial_delay,
                timeout: raw.timeout,
                max_attempts: raw.max_attempts,
                max_transport_failures: raw
                    .max_transport_failures
                    .unwrap_or(Limits::DEFAULT_MAX_TRANSPORT_FAILURES),
                honor_retry_after: raw.honor_retry_after.unwrap_or(true),
                retry_delay: raw.retry_delay,
            },
            retry_budget: raw.retry_budget.map(|b| {
                let d = super::RetryQuotaParams::default();
                super::RetryQuotaParams {
                    initial_capacity: b.initial_capacity.unwrap_or(d.initial_capacity),
                    retry_cost: b.retry_cost.unwrap_or(d.retry_cost),
                    timeout_retry_cost: b.timeout_retry_cost.unwrap_or(d.timeout_retry_cost),
                    no_retry_increment: b.no_retry_increment.unwrap_or(d.no_retry_increment),
                }
            }),
            adaptive_throttle: raw.adaptive_throttle.map(|t| {
                let d = ThrottleParams::default();
                ThrottleParams {
                    k: t.k.unwrap_or(d.k),
                    window: t.window.unwrap_or(d.window),
                }
            }),
            circuit_breaker: raw.circuit_breaker.map(|b| {
                let d = BreakerParams::default();
                BreakerParams {
                    failures: b.failures.unwrap_or(d.failures),
                    window: b.window.unwrap_or(d.window),
                    open_s: b.open_s.unwrap_or(d.open_s),
                }
            }),
        };
        Self::new(raw.name.clone(), family, limits)
    }

    /// The config syntax of this policy, with every parameter written out.
    pub fn to_raw(&self) -> RawPolicy {
        let mut raw = RawPolicy {
            name: self.name.clone(),
            kind: self.kind().to_string(),
            initial_delay: self.limits.job.initial_delay,
            timeout: self.limits.job.timeout,
            max_attempts: self.limits.job.max_attempts,
            max_transport_failures: (self.limits.job.max_transport_failures
                != Limits::DEFAULT_MAX_TRANSPORT_FAILURES)
                .then_some(self.limits.job.max_transport_failures),
            honor_retry_after: (!self.limits.job.honor_retry_after).then_some(false),
            retry_delay: self.limits.job.retry_delay,
            retry_budget: self
                .limits
                .retry_budget
                .map(|b| super::raw::RawRetryBudget {
                    initial_capacity: Some(b.initial_capacity),
                    retry_cost: Some(b.retry_cost),
                    timeout_retry_cost: Some(b.timeout_retry_cost),
                    no_retry_increment: Some(b.no_retry_increment),
                }),
            adaptive_throttle: self.limits.adaptive_throttle.map(|t| RawThrottle {
                k: Some(t.k),
                window: Some(t.window),
            }),
            circuit_breaker: self.limits.circuit_breaker.map(|b| RawBreaker {
                failures: Some(b.failures),
                window: Some(b.window),
                open_s: Some(b.open_s),
            }),
            ..RawPolicy::default()
        };
        self.family.write(&mut raw);
        raw
    }
}
