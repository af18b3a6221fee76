//! Enum dispatch over the families' per-job interval sequences.
//!
//! The simulator calls this tens of millions of times per second; an enum keeps the
//! call static and the state inline (no allocation per job).

use super::calibrated::CalibratedSteps;
use super::duration_aware::DurationAwareSteps;
use super::exponential::ExponentialSteps;
use super::exponential_decrease::DecreaseSteps;
use super::fibonacci::FibonacciSteps;
use super::oscillating::OscillatingSteps;
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
}

impl Steps {
    #[inline(always)]
    pub(crate) fn next(&mut self, rng: &mut JobRng) -> Option<f64> {
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
        })
    }
}
