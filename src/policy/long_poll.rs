//! Long polling: the push-style baseline. Each check asks the server to hold the
//! answer until the job ends or `max_wait` seconds pass, and the next check goes
//! out as soon as a held answer comes back.
//!
//! The driver reads [`crate::policy::JobPoller::hold`] to know how long to ask
//! the server to wait (`?wait=` in HTTP). The policy never checks more than once
//! per `interval` seconds, measured from when it sent the previous check (the
//! `elapsed` both drivers report): after an answer that was held that long it
//! re-polls at once (a driver never sends before the answer arrived), after one
//! that was not (an error, a 429, a server without long polling) it waits out
//! the rest of `interval`. Against a server that never holds, that is constant
//! polling.

use super::Observation;
use super::error::{PolicyError, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Asks the server to hold each check up to `max_wait`; checks again on each answer.
#[derive(Clone, Debug, PartialEq)]
pub struct LongPoll {
    /// How long each check asks the server to hold it, seconds. Default 30.
    pub max_wait: f64,
    /// Least time between sending two checks, seconds. Default 1.
    pub interval: f64,
}

impl LongPoll {
    /// Default `max_wait`, seconds.
    pub const DEFAULT_MAX_WAIT: f64 = 30.0;
    /// Default `interval`, seconds.
    pub const DEFAULT_INTERVAL: f64 = 1.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(max_wait: f64, interval: f64) -> Result<Self, PolicyError> {
        Ok(Self {
            max_wait: seconds("max_wait", max_wait)?,
            interval: seconds("interval", interval)?,
        })
    }

    pub(crate) fn steps(&self) -> LongPollSteps {
        LongPollSteps {
            max_wait: self.max_wait,
            interval: self.interval,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct LongPollSteps {
    max_wait: f64,
    interval: f64,
}

impl LongPollSteps {
    pub(crate) fn max_wait(&self) -> f64 {
        self.max_wait
    }

    /// Both drivers count a wait from when the previous check was sent and
    /// never send before its answer arrived: `interval` after the send, or at
    /// once when the answer was held that long.
    #[inline]
    pub(crate) fn next(&mut self, obs: Option<&Observation>) -> f64 {
        match obs {
            // The first check goes out at once (the envelope's minimum delay).
            None => 0.0,
            Some(_) => self.interval,
        }
    }
}

impl Kind for LongPoll {
    const KIND: &'static str = "long_poll";
    const DOC: &'static str = "each check asks the server to hold it up to `max_wait` (capped by the server's `max_wait_s`); the next check goes out when the answer comes back, but never sooner than `interval` after the previous one was sent; a server that never holds gets constant polling";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "interval",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "least time between sending two checks",
        },
        Param {
            name: "max_wait",
            unit: Unit::Seconds,
            default: Some("30"),
            range: "> 0",
            doc: "how long each check asks the server to hold it",
        },
    ];
    type Steps = LongPollSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.max_wait.unwrap_or(Self::DEFAULT_MAX_WAIT),
            raw.interval.unwrap_or(Self::DEFAULT_INTERVAL),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.max_wait = Some(self.max_wait);
        raw.interval = Some(self.interval);
    }

    fn steps(&self, _start: &JobStart<'_>) -> LongPollSteps {
        LongPoll::steps(self)
    }

    fn uses_server(&self) -> bool {
        true
    }
}

impl Step for LongPollSteps {
    #[inline(always)]
    fn step(&mut self, obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next(obs))
    }

    fn hold(&self) -> Option<f64> {
        Some(self.max_wait())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_interval_from_each_send() {
        let mut steps = LongPoll::new(30.0, 2.0).unwrap().steps();
        assert_eq!(steps.max_wait(), 30.0);
        assert_eq!(steps.next(None), 0.0);
        // Whether the answer was held (the driver then sends at once, the
        // answer having come after the interval) or quick (sent 2 s after the last).
        assert_eq!(steps.next(Some(&Observation::pending(1, 0.0))), 2.0);
        assert_eq!(steps.next(Some(&Observation::pending(2, 30.0))), 2.0);
        assert_eq!(LongPoll::new(-1.0, 1.0).unwrap_err().field, "max_wait");
    }
}
