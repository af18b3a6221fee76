//! Long polling: the push-style baseline. Each check asks the server to hold the
//! answer until the job ends or `max_wait` seconds pass, and the next check goes
//! out as soon as a held answer comes back.
//!
//! The driver reads [`crate::policy::JobPoller::hold`] to know how long to ask
//! the server to wait (`?wait=` in HTTP). The policy never checks more than once
//! per `interval` seconds, measured from when it sent the previous check: after
//! an answer that was held that long it re-polls at once, after one that was not
//! (an error, a 429, a server without long polling) it waits out the rest of
//! `interval`. Against a server that never holds, that is constant polling.

use super::Observation;
use super::envelope::MIN_DELAY;
use super::error::{PolicyError, seconds};

#[derive(Clone, Debug, PartialEq)]
pub struct LongPoll {
    /// How long each check asks the server to hold it, seconds. Default 30.
    pub max_wait: f64,
    /// Least time between sending two checks, seconds. Default 1.
    pub interval: f64,
}

impl LongPoll {
    pub const DEFAULT_MAX_WAIT: f64 = 30.0;
    pub const DEFAULT_INTERVAL: f64 = 1.0;

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
            sent: 0.0,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct LongPollSteps {
    max_wait: f64,
    interval: f64,
    /// When the policy meant its last check to go out (elapsed seconds). A
    /// `Retry-After` may have delayed it further; the policy then underestimates
    /// the time since, which only makes it re-poll sooner after a paced answer.
    sent: f64,
}

impl LongPollSteps {
    pub(crate) fn max_wait(&self) -> f64 {
        self.max_wait
    }

    #[inline]
    pub(crate) fn next(&mut self, obs: Option<&Observation>) -> f64 {
        let wait = match obs {
            // The first check goes out at once (the envelope's minimum delay).
            None => 0.0,
            Some(o) => (self.interval - (o.elapsed - self.sent)).max(0.0),
        };
        // The envelope never waits less than MIN_DELAY.
        self.sent = obs.map_or(0.0, |o| o.elapsed) + wait.max(MIN_DELAY);
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repolls_after_a_held_answer_and_paces_quick_ones() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        let mut steps = LongPoll::new(30.0, 2.0).unwrap().steps();
        assert_eq!(steps.next(None), 0.0);
        // Held for 30 s: go again at once.
        assert_eq!(steps.next(Some(&Observation::pending(1, 30.0))), 0.0);
        // Answered 0.5 s after it was sent: wait the rest of the interval.
        close(
            steps.next(Some(&Observation::pending(2, 30.5 + MIN_DELAY))),
            1.5,
        );
        // Not held at all: constant polling at `interval`.
        close(
            steps.next(Some(&Observation::pending(3, 32.0 + MIN_DELAY))),
            2.0,
        );
        close(
            steps.next(Some(&Observation::pending(4, 34.0 + MIN_DELAY))),
            2.0,
        );
        assert_eq!(LongPoll::new(-1.0, 1.0).unwrap_err().field, "max_wait");
    }
}
