//! The two halves of the drive contract: per-client policy and per-job poller.

use super::calibrated::History;
use super::envelope::Limits;
use super::spec::{Family, PolicySpec};
use super::steps::Steps;
use super::{JobHint, JobOutcome, JobSchedule, Observation, PollPolicy};
use crate::rng::JobRng;
use std::sync::Arc;

/// A policy as one client runs it: the spec plus what the client has learned.
#[derive(Clone, Debug)]
pub struct ClientPolicy {
    spec: Arc<PolicySpec>,
    history: History,
}

impl ClientPolicy {
    pub(crate) fn new(spec: Arc<PolicySpec>) -> Self {
        Self {
            spec,
            history: History::default(),
        }
    }

    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }
}

impl PollPolicy for ClientPolicy {
    type Job = JobPoller;

    fn start(&mut self, hint: &JobHint) -> JobPoller {
        let steps = match self.spec.family() {
            Family::Manual => Steps::Manual,
            Family::Constant { interval } => Steps::Constant(*interval),
            Family::Fibonacci(f) => Steps::Fibonacci(f.steps()),
            Family::Exponential(f) => Steps::Exponential(f.steps()),
            Family::ExponentialDecrease(f) => Steps::ExponentialDecrease(f.steps()),
            Family::Oscillating(f) => Steps::Oscillating(f.steps()),
            Family::Calibrated(f) => Steps::Calibrated(f.steps(&self.history)),
            Family::DurationAware(f) => Steps::DurationAware(f.steps(hint.expected)),
            Family::Schedule(f) => Steps::Schedule(f.steps()),
        };
        JobPoller {
            steps,
            limits: *self.spec.limits(),
        }
    }

    fn finished(&mut self, outcome: &JobOutcome) {
        if let Family::Calibrated(f) = self.spec.family() {
            self.history.record(outcome, f.window);
        }
    }
}

/// One job's polling state.
#[derive(Clone, Debug)]
pub struct JobPoller {
    steps: Steps,
    // A copy, not a shared pointer: no reference counting per job in the hot loop.
    limits: Limits,
}

impl JobSchedule for JobPoller {
    #[inline]
    fn first_delay(&mut self, rng: &mut JobRng) -> Option<f64> {
        let limits = &self.limits;
        let wait = match limits.initial_delay {
            Some(wait) => wait,
            None => self.steps.next(rng)?,
        };
        limits.admit(0.0, wait)
    }

    #[inline]
    fn next_delay(&mut self, obs: &Observation, rng: &mut JobRng) -> Option<f64> {
        let limits = &self.limits;
        if !limits.allows_another(obs) {
            return None;
        }
        let wait = self.steps.next(rng)?;
        limits.admit(obs.elapsed, limits.respect_server(obs, wait))
    }
}
