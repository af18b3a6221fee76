//! The two halves of the drive contract: per-client policy and per-job poller.

use super::envelope::JobLimits;
use super::history::History;
use super::kind::JobStart;
use super::registry::Steps;
use super::spec::PolicySpec;
use super::{JobHint, JobOutcome, JobSchedule, Observation, PollPolicy, Response};
use crate::rng::JobRng;
use std::sync::Arc;

/// A policy as one client runs it: the spec plus what the client has learned.
#[derive(Clone, Debug)]
pub struct ClientPolicy {
    spec: Arc<PolicySpec>,
    history: History,
}

impl PolicySpec {
    /// State for one client. (Defined here, beside the state it builds, so
    /// that the spec does not depend on its drivers' types.)
    pub fn client(&self) -> ClientPolicy {
        ClientPolicy {
            spec: Arc::new(self.clone()),
            history: History::default(),
        }
    }
}

impl ClientPolicy {
    /// The policy this client runs.
    pub fn spec(&self) -> &PolicySpec {
        &self.spec
    }

    /// What the client has learned from its earlier jobs.
    pub(crate) fn history(&self) -> &History {
        &self.history
    }
}

impl PollPolicy for ClientPolicy {
    type Job = JobPoller;

    fn start(&mut self, hint: &JobHint) -> JobPoller {
        let steps = self.spec.family().steps(&JobStart {
            hint,
            history: &self.history,
        });
        JobPoller {
            steps,
            limits: self.spec.limits().job(),
            transport_failures: 0,
        }
    }

    fn finished(&mut self, outcome: &JobOutcome) {
        self.spec.family().finished(&mut self.history, outcome);
    }
}

/// One job's polling state.
#[derive(Clone, Debug)]
pub struct JobPoller {
    steps: Steps,
    // A copy, not a shared pointer: no reference counting per job in the hot loop.
    limits: JobLimits,
    /// Checks in a row that got no answer.
    transport_failures: u32,
}

impl JobSchedule for JobPoller {
    #[inline]
    fn first_delay(&mut self, rng: &mut JobRng) -> Option<f64> {
        let steps = &mut self.steps;
        self.limits.first(rng, |rng| steps.next(None, rng))
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
        self.limits
            .envelope(obs, rng, |rng| steps.next(Some(obs), rng))
    }
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
        self.steps.hold()
    }

    /// The family's next wait after a check the client's guards rejected
    /// locally at `obs.elapsed` (not sent: no transport failure in a row
    /// is counted or broken), within the envelope; `None`: give up.
    pub(crate) fn next_delay_rejected(
        &mut self,
        obs: &Observation,
        rng: &mut JobRng,
    ) -> Option<f64> {
        let steps = &mut self.steps;
        self.limits
            .envelope(obs, rng, |rng| steps.next(Some(obs), rng))
    }

    /// This job's copy of the limits its own checks read.
    pub fn limits(&self) -> &JobLimits {
        &self.limits
    }

    /// The steps and the limits apart, for the replay's specialised loop.
    pub(crate) fn parts_mut(&mut self) -> (&mut Steps, &JobLimits) {
        (&mut self.steps, &self.limits)
    }
}
