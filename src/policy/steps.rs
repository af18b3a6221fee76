//! Enum dispatch over the families' per-job interval sequences.
//!
//! The simulator calls this tens of millions of times per second; an enum keeps the
//! call static and the state inline (no allocation per job).

use super::Observation;
use super::calibrated::CalibratedSteps;
use super::duration_aware::DurationAwareSteps;
use super::eta_hint::EtaHintSteps;
use super::exponential::ExponentialSteps;
use super::exponential_decrease::DecreaseSteps;
use super::fibonacci::FibonacciSteps;
use super::long_poll::LongPollSteps;
use super::oscillating::OscillatingSteps;
use super::retry_after::RetryAfterSteps;
use super::schedule::ScheduleSteps;
use crate::rng::JobRng;

/// A family's sequence of nominal waits for one job; the envelope applies limits.
#[derive(Clone, Debug)]
pub(crate) enum Steps {
    /// One check (at the initial delay), then give up.
    Manual,
    Constant(f64),
    Fibonacci(FibonacciSteps),
    Exponential(ExponentialSteps),
    ExponentialDecrease(DecreaseSteps),
    Oscillating(OscillatingSteps),
    Calibrated(CalibratedSteps),
    DurationAware(DurationAwareSteps),
    Schedule(ScheduleSteps),
    RetryAfter(RetryAfterSteps),
    EtaHint(EtaHintSteps),
    LongPoll(LongPollSteps),
}

impl Steps {
    /// The next nominal wait. `obs` is what the last check showed (`None` before
    /// the first check): the families that use server information read it.
    #[inline(always)]
    pub(crate) fn next(&mut self, obs: Option<&Observation>, rng: &mut JobRng) -> Option<f64> {
        Some(match self {
            Steps::Manual => return None,
            Steps::Constant(interval) => *interval,
            Steps::Fibonacci(s) => s.next(),
            Steps::Exponential(s) => s.next(rng),
            Steps::ExponentialDecrease(s) => s.next(),
            Steps::Oscillating(s) => s.next(),
            Steps::Calibrated(s) => s.next(),
            Steps::DurationAware(s) => s.next(),
            Steps::Schedule(s) => return s.next(),
            Steps::RetryAfter(s) => s.next(obs),
            Steps::EtaHint(s) => s.next(obs),
            Steps::LongPoll(s) => s.next(obs),
        })
    }
}
