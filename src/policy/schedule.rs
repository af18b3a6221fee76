//! An explicit list of check times: what the optimizer emits as the optimal schedule.

use super::Observation;
use super::error::{PolicyError, seconds};
use super::kind::{JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What happens after the last listed time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleEnd {
    /// Keep checking at the last listed interval, so no job is ever lost.
    #[default]
    Repeat,
    /// Give up after the last listed time.
    Stop,
}

/// An explicit list of check times.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Check times in seconds since submission, strictly increasing.
    times: Arc<[f64]>,
    /// What happens after the last time. Default repeat.
    pub then: ScheduleEnd,
}

impl Schedule {
    /// Validates the times (positive, finite, strictly increasing).
    pub fn new(times: Vec<f64>, then: ScheduleEnd) -> Result<Self, PolicyError> {
        if times.is_empty() {
            return Err(PolicyError::new(
                "times",
                "is empty: list at least one check time",
            ));
        }
        let mut previous = 0.0;
        for (i, &t) in times.iter().enumerate() {
            seconds(&format!("times[{i}]"), t)?;
            if t <= previous {
                return Err(PolicyError::new(
                    format!("times[{i}]"),
                    format!("{t} is not after the previous time {previous}: times must increase"),
                ));
            }
            previous = t;
        }
        Ok(Self {
            times: times.into(),
            then,
        })
    }

    /// Check times, seconds since submission.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    pub(crate) fn steps(&self) -> ScheduleSteps {
        ScheduleSteps {
            times: Arc::clone(&self.times),
            next: 0,
            then: self.then,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ScheduleSteps {
    times: Arc<[f64]>,
    next: usize,
    then: ScheduleEnd,
}

impl ScheduleSteps {
    /// Intervals between listed times; the first is measured from submission.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<f64> {
        let i = self.next;
        let n = self.times.len();
        if i < n {
            self.next += 1;
            let previous = if i == 0 { 0.0 } else { self.times[i - 1] };
            return Some(self.times[i] - previous);
        }
        match self.then {
            ScheduleEnd::Stop => None,
            ScheduleEnd::Repeat if n == 1 => Some(self.times[0]),
            ScheduleEnd::Repeat => Some(self.times[n - 1] - self.times[n - 2]),
        }
    }
}

impl Kind for Schedule {
    const KIND: &'static str = "schedule";
    const DOC: &'static str = "checks at the listed times; after the last, `\"repeat\"` keeps the last interval, `\"stop\"` gives up";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "times",
            unit: Unit::SecondsList,
            default: None,
            range: "required, increasing",
            doc: "check times since submission",
        },
        Param {
            name: "then",
            unit: Unit::Choice,
            default: Some("`\"repeat\"`"),
            range: "",
            doc: "what follows the last time",
        },
    ];
    type Steps = ScheduleSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        let times = raw.times.clone().ok_or_else(|| {
            PolicyError::new("times", "is missing: schedule needs a list of check times")
        })?;
        Self::new(times, raw.then.unwrap_or_default())
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.times = Some(self.times().to_vec());
        raw.then = Some(self.then);
    }

    fn steps(&self, _start: &JobStart<'_>) -> ScheduleSteps {
        Schedule::steps(self)
    }
}

impl Step for ScheduleSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        self.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_follow_the_times_then_repeat_or_stop() {
        let repeat = Schedule::new(vec![10.0, 15.0, 18.0], ScheduleEnd::Repeat).unwrap();
        let mut steps = repeat.steps();
        let got: Vec<_> = (0..5).map(|_| steps.next()).collect();
        assert_eq!(
            got,
            [Some(10.0), Some(5.0), Some(3.0), Some(3.0), Some(3.0)]
        );
        let stop = Schedule::new(vec![10.0], ScheduleEnd::Stop).unwrap();
        let mut steps = stop.steps();
        assert_eq!([steps.next(), steps.next()], [Some(10.0), None]);
    }

    #[test]
    fn rejects_unsorted_or_empty_times() {
        assert_eq!(
            Schedule::new(vec![], ScheduleEnd::Stop).unwrap_err().field,
            "times"
        );
        let err = Schedule::new(vec![5.0, 5.0], ScheduleEnd::Stop).unwrap_err();
        assert_eq!(err.field, "times[1]");
    }
}
