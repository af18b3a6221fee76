//! The two halves of the drive contract: per-client policy and per-job poller.

use super::calibrated::History;
use super::envelope::Limits;
use super::spec::{Family, PolicySpec};
use super::steps::Steps;
use super::{JobHint, JobOutcome, JobSchedule, Observation, PollPolicy, Response};
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
            Family::RetryAfter(f) => Steps::RetryAfter(f.steps()),
            Family::EtaHint(f) => Steps::EtaHint(f.steps()),
            Family::LongPoll(f) => Steps::LongPoll(f.steps()),
        };
        JobPoller {
            steps,
            limits: *self.spec.limits(),
            transport_failures: 0,
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
    /// Checks in a row that got no answer.
    transport_failures: u32,
}

impl JobSchedule for JobPoller {
    #[inline]
    fn first_delay(&mut self, rng: &mut JobRng) -> Option<f64> {
        let limits = &self.limits;
        let wait = match limits.initial_delay {
            Some(wait) => wait,
            None => self.steps.next(None, rng)?,
        };
        limits.admit(0.0, wait)
    }

    #[inline(always)]
    fn next_delay(&mut self, obs: &Observation, rng: &mut JobRng) -> Option<f64> {
        if obs.response == Response::TransportFailure {
            self.transport_failures += 1;
            if self.transport_failures >= self.limits.max_transport_failures {
                return None;
            }
        } else {
            self.transport_failures = 0;
        }
        let steps = &mut self.steps;
        envelope(&self.limits, obs, rng, |rng| steps.next(Some(obs), rng))
    }
}

/// The envelope around one step: attempts, `Retry-After`, timeout, minimum delay.
#[inline(always)]
fn envelope(
    limits: &Limits,
    obs: &Observation,
    rng: &mut JobRng,
    step: impl FnOnce(&mut JobRng) -> Option<f64>,
) -> Option<f64> {
    if !limits.allows_another(obs) {
        return None;
    }
    let wait = step(rng)?;
    limits.admit(obs.elapsed, limits.respect_server(obs, wait))
}

impl JobPoller {
    /// Whether the last checks, in a row, reached the policy's
    /// `max_transport_failures`: why it gave up, if it did.
    pub fn unreachable(&self) -> bool {
        self.transport_failures >= self.limits.max_transport_failures
    }

    /// How long this job's checks ask the server to hold an answer while the job
    /// is pending (long polling; `?wait=` in HTTP), or `None` for plain checks.
    #[inline]
    pub fn hold(&self) -> Option<f64> {
        match &self.steps {
            Steps::LongPoll(s) => Some(s.max_wait()),
            _ => None,
        }
    }

    /// Replays this job on a virtual clock against a server that answers
    /// "pending" until `done_at` seconds and a final state from then on: exactly
    /// what a driver calling [`JobSchedule::next_delay`] after every check would
    /// do, with the family chosen once instead of at every step (the simulator's
    /// inner loop). Gives up after `max_calls` checks.
    pub fn replay(&mut self, done_at: f64, max_calls: u32, rng: &mut JobRng) -> JobOutcome {
        let Some(first) = self.first_delay(rng) else {
            return JobOutcome {
                calls: 0,
                seen_at: None,
                last_pending: 0.0,
            };
        };
        let limits = self.limits;
        match &mut self.steps {
            Steps::Exponential(s) => replay(first, done_at, max_calls, rng, |obs, rng| {
                envelope(&limits, obs, rng, |rng| Some(s.next(rng)))
            }),
            steps => replay(first, done_at, max_calls, rng, |obs, rng| {
                envelope(&limits, obs, rng, |rng| steps.next(Some(obs), rng))
            }),
        }
    }
}

#[inline(always)]
fn replay(
    first: f64,
    done_at: f64,
    max_calls: u32,
    rng: &mut JobRng,
    mut next: impl FnMut(&Observation, &mut JobRng) -> Option<f64>,
) -> JobOutcome {
    let mut t = first;
    let mut calls = 1u32;
    let mut last_pending = 0.0;
    loop {
        if t >= done_at {
            return JobOutcome {
                calls,
                seen_at: Some(t),
                last_pending,
            };
        }
        last_pending = t;
        if calls >= max_calls {
            break;
        }
        match next(&Observation::pending(calls, t), rng) {
            Some(wait) => {
                t += wait;
                calls += 1;
            }
            None => break,
        }
    }
    JobOutcome {
        calls,
        seen_at: None,
        last_pending,
    }
}
