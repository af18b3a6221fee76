//! History-based calibration: learn from the last few jobs when to start checking.
//!
//! The client remembers, for each of its last `window` jobs, an estimate of the
//! duration (the midpoint between the last check that saw it pending and the check
//! that saw it done). A new job waits until the shortest remembered estimate —
//! the earliest it plausibly ends — and then backs off from `min` by `factor`,
//! capped at `max`. Jobs that run long raise the wait; jobs seen done at the first
//! check lower it. Without history the first check is at `min`.

use super::JobOutcome;
use super::Observation;
use super::error::{PolicyError, growth, require, seconds};
use super::history::History;
use super::kind::{Growth, JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// History-based calibration: wait until the shortest remembered duration, then back off.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibrated {
    /// First interval after the learned wait, seconds. Default 1.
    pub min: f64,
    /// Longest interval, seconds. Default 60.
    pub max: f64,
    /// Growth per check, at least 1. Default 2.
    pub factor: f64,
    /// Jobs remembered. Default 5.
    pub window: usize,
}

impl Calibrated {
    /// Default `min`, seconds.
    pub const DEFAULT_MIN: f64 = 1.0;
    /// Default `max`, seconds.
    pub const DEFAULT_MAX: f64 = 60.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 2.0;
    /// Default `window`, jobs.
    pub const DEFAULT_WINDOW: usize = 5;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(min: f64, max: f64, factor: f64, window: usize) -> Result<Self, PolicyError> {
        let min = seconds("min", min)?;
        let max = seconds("max", max)?;
        require("max", max, max >= min, "is below min")?;
        let factor = growth("factor", factor)?;
        if window == 0 {
            return Err(PolicyError::new(
                "window",
                "0 jobs: must remember at least one job",
            ));
        }
        Ok(Self {
            min,
            max,
            factor,
            window,
        })
    }

    pub(crate) fn steps(&self, history: &History) -> CalibratedSteps {
        CalibratedSteps {
            wait: history.earliest().map(|w| w.max(self.min)),
            growth: Growth::new(self.min, self.factor, self.max),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CalibratedSteps {
    wait: Option<f64>,
    growth: Growth,
}

impl CalibratedSteps {
    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        if let Some(wait) = self.wait.take() {
            return wait;
        }
        self.growth.next()
    }
}

impl Kind for Calibrated {
    const KIND: &'static str = "calibrated";
    const DOC: &'static str = "learns across jobs: waits until the shortest duration estimate of the client's last `window` jobs (midpoint of last pending and first final check), then `min·factor^k` capped at `max`; with no history starts at `min`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "min",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first interval after the learned wait",
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
            range: "≥ 1",
            doc: "growth per check",
        },
        Param {
            name: "window",
            unit: Unit::Jobs,
            default: Some("5"),
            range: "≥ 1",
            doc: "jobs remembered",
        },
    ];
    type Steps = CalibratedSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.min.unwrap_or(Self::DEFAULT_MIN),
            raw.max.unwrap_or(Self::DEFAULT_MAX),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
            raw.window.unwrap_or(Self::DEFAULT_WINDOW),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.min = Some(self.min);
        raw.max = Some(self.max);
        raw.factor = Some(self.factor);
        raw.window = Some(self.window);
    }

    fn steps(&self, start: &JobStart<'_>) -> CalibratedSteps {
        Calibrated::steps(self, start.history)
    }

    fn is_deterministic(&self) -> bool {
        false
    }

    fn learns(&self) -> bool {
        true
    }

    fn finished(&self, history: &mut History, outcome: &JobOutcome) {
        history.record(outcome, self.window);
    }
}

impl Step for CalibratedSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(last_pending: f64, seen_at: f64) -> JobOutcome {
        JobOutcome {
            calls: 2,
            seen_at: Some(seen_at),
            last_pending,
        }
    }

    #[test]
    fn learns_the_earliest_recent_duration_and_forgets_old_ones() {
        let spec = Calibrated::new(1.0, 60.0, 2.0, 2).unwrap();
        let mut history = History::default();
        let mut steps = spec.steps(&history);
        assert_eq!([steps.next(), steps.next(), steps.next()], [1.0, 2.0, 4.0]);
        history.record(&seen(100.0, 110.0), spec.window);
        history.record(&seen(200.0, 220.0), spec.window);
        let mut steps = spec.steps(&history);
        assert_eq!(
            [steps.next(), steps.next(), steps.next()],
            [105.0, 1.0, 2.0]
        );
        // The window is 2: the 105 s estimate drops out, leaving min(210, 305).
        history.record(&seen(300.0, 310.0), spec.window);
        assert_eq!(spec.steps(&history).next(), 210.0);
    }

    #[test]
    fn rejects_empty_window() {
        assert_eq!(
            Calibrated::new(1.0, 60.0, 2.0, 0).unwrap_err().field,
            "window"
        );
    }
}
