//! Server-paced polling: check again exactly when the server's `Retry-After`
//! says, and at a fixed fallback interval when it says nothing.
//!
//! A server that knows its queue can spread its clients far better than any
//! client-side jitter; this policy hands the pacing over to it. Against a server
//! that sends no hints it is plain constant polling.

use super::Observation;
use super::error::{PolicyError, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Checks again when the server's `Retry-After` says, else after `interval`.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryAfter {
    /// Wait when the server gives no `Retry-After` (and before the first check),
    /// seconds. Default 5.
    pub interval: f64,
}

impl RetryAfter {
    /// Default `interval`, seconds.
    pub const DEFAULT_INTERVAL: f64 = 5.0;

    /// Validates the parameter.
    pub fn new(interval: f64) -> Result<Self, PolicyError> {
        Ok(Self {
            interval: seconds("interval", interval)?,
        })
    }

    pub(crate) fn steps(&self) -> RetryAfterSteps {
        RetryAfterSteps {
            interval: self.interval,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RetryAfterSteps {
    interval: f64,
}

impl RetryAfterSteps {
    #[inline]
    pub(crate) fn next(&mut self, obs: Option<&Observation>) -> f64 {
        // Exactly the server's word, even when it is shorter than the fallback.
        obs.and_then(|o| o.retry_after).unwrap_or(self.interval)
    }
}

impl Kind for RetryAfter {
    const KIND: &'static str = "retry_after";
    const DOC: &'static str = "checks again exactly when the server's `Retry-After` says (429 or a pending answer with hints), else after `interval`";
    const PARAMS: &'static [Param] = &[Param {
        name: "interval",
        unit: Unit::Seconds,
        default: Some("5"),
        range: "> 0",
        doc: "wait when the server sends no Retry-After",
    }];
    type Steps = RetryAfterSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(raw.interval.unwrap_or(Self::DEFAULT_INTERVAL))
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.interval = Some(self.interval);
    }

    fn steps(&self, _start: &JobStart<'_>) -> RetryAfterSteps {
        RetryAfter::steps(self)
    }

    fn uses_server(&self) -> bool {
        true
    }
}

impl Step for RetryAfterSteps {
    #[inline(always)]
    fn step(&mut self, obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next(obs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Response;

    #[test]
    fn follows_the_server_else_the_fallback() {
        let mut steps = RetryAfter::new(5.0).unwrap().steps();
        assert_eq!(steps.next(None), 5.0);
        let hinted = Observation {
            retry_after: Some(2.0),
            ..Observation::pending(1, 5.0)
        };
        assert_eq!(steps.next(Some(&hinted)), 2.0);
        let failed = Observation {
            response: Response::TransientError,
            ..Observation::pending(2, 7.0)
        };
        assert_eq!(steps.next(Some(&failed)), 5.0);
        assert_eq!(RetryAfter::new(0.0).unwrap_err().field, "interval");
    }
}
