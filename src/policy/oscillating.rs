//! Backoff that oscillates at its cap.
//!
//! Grows by `factor` from `min` to `max`, then alternates between one step below
//! the cap (`max / factor`) and the cap, so that long jobs are still checked a
//! little more often than a flat cap would.

use super::Observation;
use super::error::{PolicyError, growth, require, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Backoff from `min` to `max`, then alternating between the cap and one step below it.
#[derive(Clone, Debug, PartialEq)]
pub struct Oscillating {
    /// First interval, seconds. Default 1.
    pub min: f64,
    /// The cap, seconds. Default 60.
    pub max: f64,
    /// Growth per check, above 1. Default 2.
    pub factor: f64,
}

impl Oscillating {
    /// Default `min`, seconds.
    pub const DEFAULT_MIN: f64 = 1.0;
    /// Default `max`, seconds.
    pub const DEFAULT_MAX: f64 = 60.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 2.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(min: f64, max: f64, factor: f64) -> Result<Self, PolicyError> {
        let min = seconds("min", min)?;
        let max = seconds("max", max)?;
        require("max", max, max >= min, "is below min")?;
        let factor = growth("factor", factor)?;
        require(
            "factor",
            factor,
            factor > 1.0,
            "must be above 1 to reach the cap",
        )?;
        Ok(Self { min, max, factor })
    }

    pub(crate) fn steps(&self) -> OscillatingSteps {
        OscillatingSteps {
            current: self.min,
            at_cap: false,
            spec: self.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct OscillatingSteps {
    current: f64,
    at_cap: bool,
    spec: Oscillating,
}

impl OscillatingSteps {
    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        let s = &self.spec;
        if self.at_cap {
            let out = self.current;
            self.current = if out >= s.max {
                (s.max / s.factor).max(s.min)
            } else {
                s.max
            };
            return out;
        }
        let out = self.current.min(s.max);
        self.current *= s.factor;
        if out >= s.max {
            self.at_cap = true;
            self.current = (s.max / s.factor).max(s.min);
        } else if self.current >= s.max {
            self.at_cap = true;
            self.current = s.max;
        }
        out
    }
}

impl Kind for Oscillating {
    const KIND: &'static str = "oscillating";
    const DOC: &'static str = "`min·factor^k` up to `max`, then alternating `max/factor`, `max`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "min",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first interval",
        },
        Param {
            name: "max",
            unit: Unit::Seconds,
            default: Some("60"),
            range: "> 0, at least min",
            doc: "longest interval",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("2"),
            range: "> 1",
            doc: "growth per check, and the dip below max",
        },
    ];
    type Steps = OscillatingSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.min.unwrap_or(Self::DEFAULT_MIN),
            raw.max.unwrap_or(Self::DEFAULT_MAX),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.min = Some(self.min);
        raw.max = Some(self.max);
        raw.factor = Some(self.factor);
    }

    fn steps(&self, _start: &JobStart<'_>) -> OscillatingSteps {
        Oscillating::steps(self)
    }
}

impl Step for OscillatingSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_alternates_below_and_at_the_cap() {
        let mut steps = Oscillating::new(1.0, 16.0, 2.0).unwrap().steps();
        let got: Vec<f64> = (0..10).map(|_| steps.next()).collect();
        assert_eq!(got, [1.0, 2.0, 4.0, 8.0, 16.0, 8.0, 16.0, 8.0, 16.0, 8.0]);
        // A cap between powers: growth lands on the cap, then alternates.
        let mut steps = Oscillating::new(1.0, 10.0, 2.0).unwrap().steps();
        let got: Vec<f64> = (0..8).map(|_| steps.next()).collect();
        assert_eq!(got, [1.0, 2.0, 4.0, 8.0, 10.0, 5.0, 10.0, 5.0]);
    }

    #[test]
    fn rejects_factor_one() {
        assert_eq!(
            Oscillating::new(1.0, 10.0, 1.0).unwrap_err().field,
            "factor"
        );
        assert_eq!(
            Oscillating::new(1.0, 10.0, 0.5).unwrap_err().field,
            "factor"
        );
    }
}
