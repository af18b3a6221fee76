//! ETA-guided polling: sleep until the server's estimate of the remaining time,
//! then back off.
//!
//! A pending answer may carry the server's ETA (seconds until the final state).
//! The policy waits `lead · eta`, but never less than its current backoff
//! interval; every check at which the ETA no longer dominates (the estimate was
//! short, or absent) grows that interval by `factor` up to `cap`. With an
//! accurate ETA the job is seen one check after it ends; with a noisy one the
//! backoff bounds the calls spent once the estimate has run out. Without any ETA
//! it is capped exponential backoff from `interval`.

use super::error::{PolicyError, growth, require, seconds};
use super::kind::{Growth, JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use super::{Observation, Response};
use crate::rng::JobRng;

/// Waits `lead` times the server's ETA, backing off when the ETA is short or absent.
#[derive(Clone, Debug, PartialEq)]
pub struct EtaHint {
    /// Fraction of the ETA to wait, > 0. Default 1.
    pub lead: f64,
    /// First interval (and first backoff step), seconds. Default 1.
    pub interval: f64,
    /// Growth of the backoff, at least 1. Default 1.5.
    pub factor: f64,
    /// Longest backoff interval, seconds. Default 30.
    pub cap: f64,
}

impl EtaHint {
    /// Default `lead`.
    pub const DEFAULT_LEAD: f64 = 1.0;
    /// Default `interval`, seconds.
    pub const DEFAULT_INTERVAL: f64 = 1.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 1.5;
    /// Default `cap`, seconds.
    pub const DEFAULT_CAP: f64 = 30.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(lead: f64, interval: f64, factor: f64, cap: f64) -> Result<Self, PolicyError> {
        Ok(Self {
            lead: require(
                "lead",
                lead,
                lead > 0.0,
                "is not a positive fraction of the ETA",
            )?,
            interval: seconds("interval", interval)?,
            factor: growth("factor", factor)?,
            cap: seconds("cap", cap)?,
        })
    }

    pub(crate) fn steps(&self) -> EtaHintSteps {
        EtaHintSteps {
            growth: Growth::new(self.interval, self.factor, self.cap),
            lead: self.lead,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct EtaHintSteps {
    growth: Growth,
    lead: f64,
}

impl EtaHintSteps {
    #[inline]
    pub(crate) fn next(&mut self, obs: Option<&Observation>) -> f64 {
        let eta = match obs.map(|o| o.response) {
            Some(Response::Pending { eta: Some(eta), .. }) => Some(self.lead * eta),
            _ => None,
        };
        match eta {
            Some(wait) if wait > self.growth.nominal() => wait,
            _ => self.growth.next(),
        }
    }
}

impl Kind for EtaHint {
    const KIND: &'static str = "eta_hint";
    const DOC: &'static str = "waits `lead·ETA` when a pending answer carries the server's ETA and that is longer than the backoff; otherwise backs off `interval·factor^k` capped at `cap`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "interval",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first backoff interval",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("1.5"),
            range: "≥ 1",
            doc: "backoff growth per check",
        },
        Param {
            name: "cap",
            unit: Unit::Seconds,
            default: Some("30"),
            range: "> 0",
            doc: "longest backoff interval",
        },
        Param {
            name: "lead",
            unit: Unit::Ratio,
            default: Some("1"),
            range: "> 0",
            doc: "share of the ETA to sleep",
        },
    ];
    type Steps = EtaHintSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.lead.unwrap_or(Self::DEFAULT_LEAD),
            raw.interval.unwrap_or(Self::DEFAULT_INTERVAL),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
            raw.cap.unwrap_or(Self::DEFAULT_CAP),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.lead = Some(self.lead);
        raw.interval = Some(self.interval);
        raw.factor = Some(self.factor);
        raw.cap = Some(self.cap);
    }

    fn steps(&self, _start: &JobStart<'_>) -> EtaHintSteps {
        EtaHint::steps(self)
    }

    fn uses_server(&self) -> bool {
        true
    }
}

impl Step for EtaHintSteps {
    #[inline(always)]
    fn step(&mut self, obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next(obs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eta(attempt: u32, elapsed: f64, eta: Option<f64>) -> Observation {
        Observation {
            response: Response::Pending {
                progress: None,
                eta,
            },
            ..Observation::pending(attempt, elapsed)
        }
    }

    #[test]
    fn sleeps_through_the_eta_then_backs_off() {
        let mut steps = EtaHint::new(1.0, 1.0, 2.0, 8.0).unwrap().steps();
        assert_eq!(steps.next(None), 1.0);
        assert_eq!(steps.next(Some(&eta(1, 1.0, Some(100.0)))), 100.0);
        // The estimate ran out: back off from where the backoff stood.
        assert_eq!(steps.next(Some(&eta(2, 101.0, Some(0.5)))), 2.0);
        assert_eq!(steps.next(Some(&eta(3, 103.0, None))), 4.0);
        assert_eq!(steps.next(Some(&eta(4, 107.0, None))), 8.0);
        assert_eq!(steps.next(Some(&eta(5, 115.0, None))), 8.0);
        assert_eq!(steps.next(Some(&eta(6, 123.0, Some(20.0)))), 20.0);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(EtaHint::new(0.0, 1.0, 1.5, 30.0).unwrap_err().field, "lead");
        assert_eq!(
            EtaHint::new(1.0, 1.0, 0.5, 30.0).unwrap_err().field,
            "factor"
        );
    }
}
