//! `PolicySpec`: a validated policy configuration, and its TOML form `RawPolicy`.
//!
//! The raw form is one flat table per policy (`kind` plus that family's
//! parameters), so that configs read naturally and every mistake can be reported
//! by name: a parameter the family does not take, a missing one, a bad value.
//! `to_raw` writes the exact same syntax back, which is how tuned parameters
//! reach `tuned.toml`, `simulate --policies` and the HTTP client unchanged.

use super::calibrated::Calibrated;
use super::client::ClientPolicy;
use super::duration_aware::DurationAware;
use super::envelope::Limits;
use super::error::{PolicyError, clip, seconds};
use super::eta_hint::EtaHint;
use super::exponential::Exponential;
use super::exponential_decrease::ExponentialDecrease;
use super::fibonacci::Fibonacci;
use super::jitter::Jitter;
use super::long_poll::LongPoll;
use super::oscillating::Oscillating;
use super::retry_after::RetryAfter;
use super::schedule::{Schedule, ScheduleEnd};
use super::{JobHint, JobSchedule, Observation, PollPolicy};
use crate::rng::JobRng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One policy as written in a config: `[[policies]]` with `name`, `kind` and parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_transport_failures: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honor_retry_after: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<Jitter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub then: Option<ScheduleEnd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<f64>,
}

/// The policy families and their parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Family {
    Manual,
    Constant { interval: f64 },
    Fibonacci(Fibonacci),
    Exponential(Exponential),
    ExponentialDecrease(ExponentialDecrease),
    Oscillating(Oscillating),
    Calibrated(Calibrated),
    DurationAware(DurationAware),
    Schedule(Schedule),
    RetryAfter(RetryAfter),
    EtaHint(EtaHint),
    LongPoll(LongPoll),
}

/// The family names as written in `kind`, in documentation order.
pub const KINDS: [&str; 12] = [
    "manual",
    "constant",
    "fibonacci",
    "exponential",
    "exponential_decrease",
    "oscillating",
    "calibrated",
    "duration_aware",
    "schedule",
    "retry_after",
    "eta_hint",
    "long_poll",
];

/// The longest policy name: names label terminal tables, plots and CSV rows.
pub const MAX_NAME_CHARS: usize = 100;

/// A validated policy: builds fresh [`ClientPolicy`] state for each client.
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
        if matches!(family, Family::Manual) && limits.initial_delay.is_none() {
            return Err(PolicyError::new(
                "initial_delay",
                "is missing: manual makes a single check, at initial_delay",
            ));
        }
        Ok(Self {
            name,
            family,
            limits,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn family(&self) -> &Family {
        &self.family
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The family name as written in `kind`.
    pub fn kind(&self) -> &'static str {
        match self.family {
            Family::Manual => "manual",
            Family::Constant { .. } => "constant",
            Family::Fibonacci(_) => "fibonacci",
            Family::Exponential(_) => "exponential",
            Family::ExponentialDecrease(_) => "exponential_decrease",
            Family::Oscillating(_) => "oscillating",
            Family::Calibrated(_) => "calibrated",
            Family::DurationAware(_) => "duration_aware",
            Family::Schedule(_) => "schedule",
            Family::RetryAfter(_) => "retry_after",
            Family::EtaHint(_) => "eta_hint",
            Family::LongPoll(_) => "long_poll",
        }
    }

    /// State for one client.
    pub fn client(&self) -> ClientPolicy {
        ClientPolicy::new(Arc::new(self.clone()))
    }

    /// True when every job sees the same check times: no jitter, no learning, no
    /// per-job hint. Such policies can be evaluated exactly from the distribution.
    /// Against a server that sends hints (`Retry-After`, ETA) or holds checks, the
    /// server-aware families are not: [`Self::uses_server`] tells them apart.
    pub fn is_deterministic(&self) -> bool {
        match &self.family {
            Family::Exponential(e) => !e.jitter.is_random(),
            Family::Calibrated(_) => false,
            Family::DurationAware(d) => d.expected.is_some(),
            _ => true,
        }
    }

    /// Whether the policy reads what the server adds to an answer (`Retry-After`,
    /// ETA) or asks it to hold checks: its check times then depend on the server.
    pub fn uses_server(&self) -> bool {
        matches!(
            self.family,
            Family::RetryAfter(_) | Family::EtaHint(_) | Family::LongPoll(_)
        )
    }

    /// Whether the policy draws random numbers (jitter).
    pub fn draws_jitter(&self) -> bool {
        matches!(&self.family, Family::Exponential(e) if e.jitter.is_random())
    }

    /// Whether jobs depend on earlier jobs of the same client.
    pub fn learns(&self) -> bool {
        matches!(self.family, Family::Calibrated(_))
    }

    /// Whether the policy needs a per-job duration hint from the workload.
    pub fn needs_hint(&self) -> bool {
        matches!(&self.family, Family::DurationAware(d) if d.expected.is_none())
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
        let mut poller = self.client().start(&JobHint::default());
        let mut times = Vec::new();
        let Some(first) = poller.first_delay(&mut rng) else {
            return Some(CheckTimes {
                times,
                gives_up: true,
            });
        };
        let mut t = first;
        loop {
            times.push(t);
            if t >= horizon || times.len() >= max_checks {
                return Some(CheckTimes {
                    times,
                    gives_up: false,
                });
            }
            let obs = Observation::pending(times.len() as u32, t);
            match poller.next_delay(&obs, &mut rng) {
                Some(wait) => t += wait,
                None => {
                    return Some(CheckTimes {
                        times,
                        gives_up: true,
                    });
                }
            }
        }
    }

    /// Parses and validates one policy table (handy in docs and tests).
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let raw: RawPolicy = toml::from_str(text)
            .map_err(|e| PolicyError::new("policy", e.message().to_string()))?;
        Self::from_raw(&raw)
    }

    /// Validates a raw policy: the kind exists, it gets only its own parameters, all in range.
    pub fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        let allowed: &[&str] = match raw.kind.as_str() {
            "manual" => &[],
            "constant" => &["interval"],
            "fibonacci" => &["unit", "cap"],
            "exponential" => &["initial", "factor", "cap", "jitter"],
            "exponential_decrease" => &["start", "floor", "factor"],
            "oscillating" => &["min", "max", "factor"],
            "calibrated" => &["min", "max", "factor", "window"],
            "duration_aware" => &["expected", "lead", "interval", "factor", "cap"],
            "schedule" => &["times", "then"],
            "retry_after" => &["interval"],
            "eta_hint" => &["lead", "interval", "factor", "cap"],
            "long_poll" => &["max_wait", "interval"],
            other => {
                return Err(PolicyError::new(
                    "kind",
                    format!(
                        "'{other}' is not a policy family; use one of: {}",
                        KINDS.join(", ")
                    ),
                ));
            }
        };
        for (field, present) in raw.family_fields() {
            if present && !allowed.contains(&field) {
                let takes = if allowed.is_empty() {
                    "no parameters of its own".to_string()
                } else {
                    allowed.join(", ")
                };
                return Err(PolicyError::new(
                    field,
                    format!("is not a parameter of {} (it takes {takes})", raw.kind),
                ));
            }
        }
        let or = |value: Option<f64>, default: f64| value.unwrap_or(default);
        let family = match raw.kind.as_str() {
            "manual" => Family::Manual,
            "constant" => {
                let interval = raw.interval.ok_or_else(|| {
                    PolicyError::new(
                        "interval",
                        "is missing: constant needs an interval in seconds",
                    )
                })?;
                Family::Constant {
                    interval: seconds("interval", interval)?,
                }
            }
            "fibonacci" => Family::Fibonacci(Fibonacci::new(
                or(raw.unit, Fibonacci::DEFAULT_UNIT),
                or(raw.cap, Fibonacci::DEFAULT_CAP),
            )?),
            "exponential" => Family::Exponential(Exponential::new(
                or(raw.initial, Exponential::DEFAULT_INITIAL),
                or(raw.factor, Exponential::DEFAULT_FACTOR),
                or(raw.cap, Exponential::DEFAULT_CAP),
                raw.jitter.unwrap_or_default(),
            )?),
            "exponential_decrease" => Family::ExponentialDecrease(ExponentialDecrease::new(
                or(raw.start, ExponentialDecrease::DEFAULT_START),
                or(raw.floor, ExponentialDecrease::DEFAULT_FLOOR),
                or(raw.factor, ExponentialDecrease::DEFAULT_FACTOR),
            )?),
            "oscillating" => Family::Oscillating(Oscillating::new(
                or(raw.min, Oscillating::DEFAULT_MIN),
                or(raw.max, Oscillating::DEFAULT_MAX),
                or(raw.factor, Oscillating::DEFAULT_FACTOR),
            )?),
            "calibrated" => Family::Calibrated(Calibrated::new(
                or(raw.min, Calibrated::DEFAULT_MIN),
                or(raw.max, Calibrated::DEFAULT_MAX),
                or(raw.factor, Calibrated::DEFAULT_FACTOR),
                raw.window.unwrap_or(Calibrated::DEFAULT_WINDOW),
            )?),
            "duration_aware" => Family::DurationAware(DurationAware::new(
                raw.expected,
                or(raw.lead, DurationAware::DEFAULT_LEAD),
                or(raw.interval, DurationAware::DEFAULT_INTERVAL),
                or(raw.factor, DurationAware::DEFAULT_FACTOR),
                or(raw.cap, DurationAware::DEFAULT_CAP),
            )?),
            "schedule" => Family::Schedule(Schedule::new(
                raw.times.clone().ok_or_else(|| {
                    PolicyError::new("times", "is missing: schedule needs a list of check times")
                })?,
                raw.then.unwrap_or_default(),
            )?),
            "retry_after" => Family::RetryAfter(RetryAfter::new(or(
                raw.interval,
                RetryAfter::DEFAULT_INTERVAL,
            ))?),
            "eta_hint" => Family::EtaHint(EtaHint::new(
                or(raw.lead, EtaHint::DEFAULT_LEAD),
                or(raw.interval, EtaHint::DEFAULT_INTERVAL),
                or(raw.factor, EtaHint::DEFAULT_FACTOR),
                or(raw.cap, EtaHint::DEFAULT_CAP),
            )?),
            "long_poll" => Family::LongPoll(LongPoll::new(
                or(raw.max_wait, LongPoll::DEFAULT_MAX_WAIT),
                or(raw.interval, LongPoll::DEFAULT_INTERVAL),
            )?),
            _ => unreachable!("kinds were checked above"),
        };
        let limits = Limits {
            initial_delay: raw.initial_delay,
            timeout: raw.timeout,
            max_attempts: raw.max_attempts,
            max_transport_failures: raw
                .max_transport_failures
                .unwrap_or(Limits::DEFAULT_MAX_TRANSPORT_FAILURES),
            honor_retry_after: raw.honor_retry_after.unwrap_or(true),
        };
        Self::new(raw.name.clone(), family, limits)
    }

    /// The config syntax of this policy, with every parameter written out.
    pub fn to_raw(&self) -> RawPolicy {
        let mut raw = RawPolicy {
            name: self.name.clone(),
            kind: self.kind().to_string(),
            initial_delay: self.limits.initial_delay,
            timeout: self.limits.timeout,
            max_attempts: self.limits.max_attempts,
            max_transport_failures: (self.limits.max_transport_failures
                != Limits::DEFAULT_MAX_TRANSPORT_FAILURES)
                .then_some(self.limits.max_transport_failures),
            honor_retry_after: (!self.limits.honor_retry_after).then_some(false),
            ..RawPolicy::default()
        };
        match &self.family {
            Family::Manual => {}
            Family::Constant { interval } => raw.interval = Some(*interval),
            Family::Fibonacci(f) => {
                raw.unit = Some(f.unit);
                raw.cap = Some(f.cap);
            }
            Family::Exponential(f) => {
                raw.initial = Some(f.initial);
                raw.factor = Some(f.factor);
                raw.cap = Some(f.cap);
                raw.jitter = Some(f.jitter);
            }
            Family::ExponentialDecrease(f) => {
                raw.start = Some(f.start);
                raw.floor = Some(f.floor);
                raw.factor = Some(f.factor);
            }
            Family::Oscillating(f) => {
                raw.min = Some(f.min);
                raw.max = Some(f.max);
                raw.factor = Some(f.factor);
            }
            Family::Calibrated(f) => {
                raw.min = Some(f.min);
                raw.max = Some(f.max);
                raw.factor = Some(f.factor);
                raw.window = Some(f.window);
            }
            Family::DurationAware(f) => {
                raw.expected = f.expected;
                raw.lead = Some(f.lead);
                raw.interval = Some(f.interval);
                raw.factor = Some(f.factor);
                raw.cap = Some(f.cap);
            }
            Family::Schedule(f) => {
                raw.times = Some(f.times().to_vec());
                raw.then = Some(f.then);
            }
            Family::RetryAfter(f) => raw.interval = Some(f.interval),
            Family::EtaHint(f) => {
                raw.lead = Some(f.lead);
                raw.interval = Some(f.interval);
                raw.factor = Some(f.factor);
                raw.cap = Some(f.cap);
            }
            Family::LongPoll(f) => {
                raw.max_wait = Some(f.max_wait);
                raw.interval = Some(f.interval);
            }
        }
        raw
    }
}

impl RawPolicy {
    /// Family parameters and whether each is set (the envelope's are always allowed).
    fn family_fields(&self) -> [(&'static str, bool); 16] {
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
        ]
    }
}
