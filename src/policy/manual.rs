//! Manual: a single check at `initial_delay`, then give up. The family of
//! "check once when it should be done", and the optimizer's baseline for how
//! much a second check is worth.

use super::Observation;
use super::envelope::Limits;
use super::error::PolicyError;
use super::kind::{JobStart, Kind, Param, Step};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// One check; the time comes from the shared `initial_delay`.
#[derive(Clone, Debug, PartialEq)]
pub struct Manual;

impl Kind for Manual {
    const KIND: &'static str = "manual";
    const DOC: &'static str = "a single check at `initial_delay` (which it needs), then give up";
    const PARAMS: &'static [Param] = &[];
    type Steps = ManualSteps;

    fn from_raw(_raw: &RawPolicy) -> Result<Self, PolicyError> {
        Ok(Manual)
    }

    fn write(&self, _raw: &mut RawPolicy) {}

    fn steps(&self, _start: &JobStart<'_>) -> ManualSteps {
        ManualSteps
    }

    fn check_limits(&self, limits: &Limits) -> Result<(), PolicyError> {
        match limits.job.initial_delay {
            Some(_) => Ok(()),
            None => Err(PolicyError::new(
                "initial_delay",
                "is missing: manual makes a single check, at initial_delay",
            )),
        }
    }
}

/// No step after the first check.
#[derive(Clone, Debug)]
pub(crate) struct ManualSteps;

impl Step for ManualSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        None
    }
}
