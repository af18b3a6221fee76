//! Constant: the same interval every time, the naive answer every other
//! family is measured against.

use super::Observation;
use super::error::{PolicyError, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Checks every `interval` seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    /// Seconds between checks. Required.
    pub interval: f64,
}

impl Constant {
    /// A constant policy; `interval` must be a positive number of seconds.
    pub fn new(interval: f64) -> Result<Self, PolicyError> {
        Ok(Self {
            interval: seconds("interval", interval)?,
        })
    }
}

impl Kind for Constant {
    const KIND: &'static str = "constant";
    const DOC: &'static str = "`interval, interval, …`";
    const PARAMS: &'static [Param] = &[Param {
        name: "interval",
        unit: Unit::Seconds,
        default: None,
        range: "required",
        doc: "seconds between checks",
    }];
    type Steps = ConstantSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        let interval = raw.interval.ok_or_else(|| {
            PolicyError::new(
                "interval",
                "is missing: constant needs an interval in seconds",
            )
        })?;
        Self::new(interval)
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.interval = Some(self.interval);
    }

    fn steps(&self, _start: &JobStart<'_>) -> ConstantSteps {
        ConstantSteps(self.interval)
    }
}

/// The interval, every time.
#[derive(Clone, Debug)]
pub(crate) struct ConstantSteps(f64);

impl Step for ConstantSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_a_positive_interval() {
        assert_eq!(Constant::new(0.0).unwrap_err().field, "interval");
        let raw = RawPolicy {
            kind: "constant".into(),
            ..RawPolicy::default()
        };
        assert!(
            Constant::from_raw(&raw)
                .unwrap_err()
                .problem
                .contains("missing")
        );
    }
}
