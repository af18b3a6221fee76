//! Duration-aware polling: sleep through most of the expected duration, then
//! check densely with backoff.

use super::Observation;
use super::error::{PolicyError, growth, require, seconds};
use super::kind::{Growth, JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Sleeps through `lead` of the expected duration, then backs off from `interval`.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationAware {
    /// Expected duration, seconds. Default: the job's own hint (the workload must
    /// then provide hints, see `hint_error`).
    pub expected: Option<f64>,
    /// First check at `lead · expected`. Default 0.9.
    pub lead: f64,
    /// First interval after that check, seconds. Default 1.
    pub interval: f64,
    /// Growth per check after the first, at least 1. Default 1.5.
    pub factor: f64,
    /// Longest interval, seconds. Default 30.
    pub cap: f64,
}

impl DurationAware {
    /// Default `lead`.
    pub const DEFAULT_LEAD: f64 = 0.9;
    /// Default `interval`, seconds.
    pub const DEFAULT_INTERVAL: f64 = 1.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 1.5;
    /// Default `cap`, seconds.
    pub const DEFAULT_CAP: f64 = 30.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(
        expected: Option<f64>,
        lead: f64,
        interval: f64,
        factor: f64,
        cap: f64,
    ) -> Result<Self, PolicyError> {
        if let Some(e) = expected {
            seconds("expected", e)?;
        }
        Ok(Self {
            expected,
            lead: require(
                "lead",
                lead,
                lead > 0.0,
                "is not a positive fraction of the expected duration",
            )?,
            interval: seconds("interval", interval)?,
            factor: growth("factor", factor)?,
            cap: seconds("cap", cap)?,
        })
    }

    pub(crate) fn steps(&self, hint: Option<f64>) -> DurationAwareSteps {
        // Without any estimate the policy degrades to plain backoff from `interval`.
        let expected = self.expected.or(hint);
        DurationAwareSteps {
            wait: expected.map(|e| (self.lead * e).max(self.interval)),
            growth: Growth::new(self.interval, self.factor, self.cap),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct DurationAwareSteps {
    wait: Option<f64>,
    growth: Growth,
}

impl DurationAwareSteps {
    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        if let Some(wait) = self.wait.take() {
            return wait;
        }
        self.growth.next()
    }
}

impl Kind for DurationAware {
    const KIND: &'static str = "duration_aware";
    const DOC: &'static str = "first check at `lead·expected`, then `interval·factor^k` capped at `cap`; without `expected` the workload must set `hint_error`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "interval",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first interval after the first check",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("1.5"),
            range: "≥ 1",
            doc: "growth per check after the first",
        },
        Param {
            name: "cap",
            unit: Unit::Seconds,
            default: Some("30"),
            range: "> 0",
            doc: "longest interval",
        },
        Param {
            name: "expected",
            unit: Unit::Seconds,
            default: None,
            range: "the job's hint",
            doc: "expected duration",
        },
        Param {
            name: "lead",
            unit: Unit::Ratio,
            default: Some("0.9"),
            range: "> 0",
            doc: "first check at lead · expected",
        },
    ];
    type Steps = DurationAwareSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.expected,
            raw.lead.unwrap_or(Self::DEFAULT_LEAD),
            raw.interval.unwrap_or(Self::DEFAULT_INTERVAL),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
            raw.cap.unwrap_or(Self::DEFAULT_CAP),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.expected = self.expected;
        raw.lead = Some(self.lead);
        raw.interval = Some(self.interval);
        raw.factor = Some(self.factor);
        raw.cap = Some(self.cap);
    }

    fn steps(&self, start: &JobStart<'_>) -> DurationAwareSteps {
        DurationAware::steps(self, start.hint.expected)
    }

    fn is_deterministic(&self) -> bool {
        self.expected.is_some()
    }

    fn needs_hint(&self) -> bool {
        self.expected.is_none()
    }
}

impl Step for DurationAwareSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_most_of_the_hint_then_backs_off() {
        let spec = DurationAware::new(None, 0.9, 1.0, 2.0, 4.0).unwrap();
        let mut steps = spec.steps(Some(100.0));
        let got: Vec<f64> = (0..5).map(|_| steps.next()).collect();
        assert_eq!(got, [90.0, 1.0, 2.0, 4.0, 4.0]);
        let fixed = DurationAware::new(Some(50.0), 0.5, 1.0, 1.0, 4.0).unwrap();
        assert_eq!(fixed.steps(Some(999.0)).next(), 25.0);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(
            DurationAware::new(Some(-1.0), 0.9, 1.0, 1.5, 30.0)
                .unwrap_err()
                .field,
            "expected"
        );
        assert_eq!(
            DurationAware::new(None, 0.0, 1.0, 1.5, 30.0)
                .unwrap_err()
                .field,
            "lead"
        );
    }
}
