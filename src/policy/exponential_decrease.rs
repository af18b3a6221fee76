//! Exponential decrease: start with long waits and close in on a floor.
//!
//! Intervals `floor + (start − floor) · factor^−k` (the "2^−x + 1" family): for jobs
//! that are unlikely to finish early but should be seen quickly once they might.

use super::Observation;
use super::error::{PolicyError, require, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Intervals shrinking from `start` towards `floor`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialDecrease {
    /// First interval, seconds. Default 60.
    pub start: f64,
    /// Interval approached from above, seconds. Default 1.
    pub floor: f64,
    /// Shrink factor of the excess over the floor, above 1. Default 2.
    pub factor: f64,
}

impl ExponentialDecrease {
    /// Default `start`, seconds.
    pub const DEFAULT_START: f64 = 60.0;
    /// Default `floor`, seconds.
    pub const DEFAULT_FLOOR: f64 = 1.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 2.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(start: f64, floor: f64, factor: f64) -> Result<Self, PolicyError> {
        let start = seconds("start", start)?;
        let floor = seconds("floor", floor)?;
        require(
            "floor",
            floor,
            floor <= start,
            "is above start: the intervals would grow",
        )?;
        let factor = require(
            "factor",
            factor,
            factor > 1.0,
            "is not a shrink factor: it must be above 1",
        )?;
        Ok(Self {
            start,
            floor,
            factor,
        })
    }

    pub(crate) fn steps(&self) -> DecreaseSteps {
        DecreaseSteps {
            excess: self.start - self.floor,
            floor: self.floor,
            factor: self.factor,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct DecreaseSteps {
    excess: f64,
    floor: f64,
    factor: f64,
}

impl DecreaseSteps {
    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        let out = self.floor + self.excess;
        self.excess /= self.factor;
        out
    }
}

impl Kind for ExponentialDecrease {
    const KIND: &'static str = "exponential_decrease";
    const DOC: &'static str =
        "`floor + (start − floor)·factor^−k`: long waits first, closing in on `floor`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "start",
            unit: Unit::Seconds,
            default: Some("60"),
            range: "> 0",
            doc: "first interval",
        },
        Param {
            name: "floor",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0, at most start",
            doc: "interval approached",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("2"),
            range: "> 1",
            doc: "how fast the gap to the floor shrinks",
        },
    ];
    type Steps = DecreaseSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.start.unwrap_or(Self::DEFAULT_START),
            raw.floor.unwrap_or(Self::DEFAULT_FLOOR),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.start = Some(self.start);
        raw.floor = Some(self.floor);
        raw.factor = Some(self.factor);
    }

    fn steps(&self, _start: &JobStart<'_>) -> DecreaseSteps {
        ExponentialDecrease::steps(self)
    }
}

impl Step for DecreaseSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_the_excess_each_step() {
        let mut steps = ExponentialDecrease::new(33.0, 1.0, 2.0).unwrap().steps();
        let got: Vec<f64> = (0..6).map(|_| steps.next()).collect();
        assert_eq!(got, [33.0, 17.0, 9.0, 5.0, 3.0, 2.0]);
    }

    #[test]
    fn rejects_floor_above_start_and_growth() {
        assert_eq!(
            ExponentialDecrease::new(5.0, 10.0, 2.0).unwrap_err().field,
            "floor"
        );
        assert_eq!(
            ExponentialDecrease::new(50.0, 1.0, 1.0).unwrap_err().field,
            "factor"
        );
    }
}
