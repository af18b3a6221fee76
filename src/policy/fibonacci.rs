//! Fibonacci backoff: intervals `unit · (1, 1, 2, 3, 5, 8, …)`, capped.

use super::Observation;
use super::error::{PolicyError, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Grows more gently than doubling: the classic "fibonacci polling" answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Fibonacci {
    /// Seconds per Fibonacci unit. Default 1.
    pub unit: f64,
    /// Longest interval, seconds. Default 60.
    pub cap: f64,
}

impl Fibonacci {
    /// Default `unit`, seconds.
    pub const DEFAULT_UNIT: f64 = 1.0;
    /// Default `cap`, seconds.
    pub const DEFAULT_CAP: f64 = 60.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(unit: f64, cap: f64) -> Result<Self, PolicyError> {
        Ok(Self {
            unit: seconds("unit", unit)?,
            cap: seconds("cap", cap)?,
        })
    }

    pub(crate) fn steps(&self) -> FibonacciSteps {
        FibonacciSteps {
            current: self.unit,
            next: self.unit,
            cap: self.cap,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct FibonacciSteps {
    current: f64,
    next: f64,
    cap: f64,
}

impl FibonacciSteps {
    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        let out = self.current.min(self.cap);
        if self.current < self.cap {
            let following = self.current + self.next;
            self.current = self.next;
            self.next = following;
        }
        out
    }
}

impl Kind for Fibonacci {
    const KIND: &'static str = "fibonacci";
    const DOC: &'static str = "`unit·(1, 1, 2, 3, 5, 8, …)`, each capped at `cap`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "unit",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "seconds per Fibonacci unit",
        },
        Param {
            name: "cap",
            unit: Unit::Seconds,
            default: Some("60"),
            range: "> 0",
            doc: "longest interval",
        },
    ];
    type Steps = FibonacciSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.unit.unwrap_or(Self::DEFAULT_UNIT),
            raw.cap.unwrap_or(Self::DEFAULT_CAP),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.unit = Some(self.unit);
        raw.cap = Some(self.cap);
    }

    fn steps(&self, _start: &JobStart<'_>) -> FibonacciSteps {
        Fibonacci::steps(self)
    }
}

impl Step for FibonacciSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_fibonacci_then_capped() {
        let mut steps = Fibonacci::new(1.0, 16.0).unwrap().steps();
        let got: Vec<f64> = (0..10).map(|_| steps.next()).collect();
        assert_eq!(got, [1.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 16.0, 16.0, 16.0]);
        let mut half = Fibonacci::new(0.5, 100.0).unwrap().steps();
        let got: Vec<f64> = (0..5).map(|_| half.next()).collect();
        assert_eq!(got, [0.5, 0.5, 1.0, 1.5, 2.5]);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(Fibonacci::new(0.0, 5.0).unwrap_err().field, "unit");
        assert_eq!(Fibonacci::new(1.0, -5.0).unwrap_err().field, "cap");
    }
}
