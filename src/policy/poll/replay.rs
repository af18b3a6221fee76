//! The replay against an ideal server, which answers each check as it is
//! sent: "pending" until the job is done, its final state from then on. The
//! simulator's inner loop, for one job ([`JobPoll::replay`]) or for many jobs
//! of one client in a row ([`ClientPolicy::replay_each`]). Both run the
//! machine's own steps (`Tally::advance`, hence [`super::send_time`], for
//! every check; the family's waits through [`Step::drive`]) with the family
//! chosen once per job, or once per run of jobs, rather than at every step.

use super::{JobPoll, PENDING, Tally};
use crate::policy::client::ClientPolicy;
use crate::policy::envelope::JobLimits;
use crate::policy::history::History;
use crate::policy::kind::{Drive, JobStart, Kind, Step, Visit};
use crate::policy::{JobHint, JobOutcome, Observation};
use crate::rng::JobRng;

impl JobPoll {
    /// Runs the job against an ideal server: exactly the driver loop
    /// ([`Self::first_check`], then one answer after another), with the
    /// family chosen once per job rather than at every step.
    pub fn replay(&mut self, done_at: f64, rng: &mut JobRng) -> JobOutcome {
        let (steps, limits) = self.poller.parts_mut();
        // The loop works on a local copy of the counts, written back at the
        // end, so that they live in registers rather than behind `&mut self`.
        let mut tally = self.tally;
        let outcome = steps.drive(Replay {
            tally: &mut tally,
            limits,
            done_at,
            rng,
        });
        self.tally = tally;
        outcome
    }
}

impl ClientPolicy {
    /// Replays `n` jobs of this client in a row against an ideal server, as
    /// [`JobPoll::start`] (at most `max_calls` checks) and [`JobPoll::replay`]
    /// job by job would: `job(i, rng)` readies job `i`'s draws in `rng` and
    /// says when it is done and what the client is told of it; `outcome(i, …)`
    /// takes how it went. The client learns nothing meanwhile (its history
    /// is not updated): for policies that do not learn. The family is chosen
    /// once for all `n` jobs, so that the loop, each job's steps included, is
    /// compiled for it.
    pub fn replay_each(
        &self,
        n: usize,
        max_calls: u32,
        rng: &mut JobRng,
        job: impl FnMut(usize, &mut JobRng) -> (f64, JobHint),
        outcome: impl FnMut(usize, JobOutcome),
    ) {
        self.spec().family().visit(Each {
            history: self.history(),
            limits: self.spec().limits().job(),
            max_calls,
            rng,
            n,
            job,
            outcome,
        });
    }
}

/// [`ClientPolicy::replay_each`] with the family's own type.
struct Each<'a, J, O> {
    history: &'a History,
    limits: JobLimits,
    max_calls: u32,
    rng: &'a mut JobRng,
    n: usize,
    job: J,
    outcome: O,
}

impl<J, O> Visit for Each<'_, J, O>
where
    J: FnMut(usize, &mut JobRng) -> (f64, JobHint),
    O: FnMut(usize, JobOutcome),
{
    type Output = ();

    #[inline]
    fn visit<K: Kind>(mut self, kind: &K) {
        for i in 0..self.n {
            let (done_at, hint) = (self.job)(i, self.rng);
            // What `JobPoll::start` builds, with the family known.
            let mut steps = kind.steps(&JobStart {
                hint: &hint,
                history: self.history,
            });
            let mut tally = Tally::new(self.max_calls);
            let outcome = steps.drive(Replay {
                tally: &mut tally,
                limits: &self.limits,
                done_at,
                rng: self.rng,
            });
            (self.outcome)(i, outcome);
        }
    }
}

/// One job's replay, handed the family's closure by [`Step::drive`].
struct Replay<'a> {
    tally: &'a mut Tally,
    limits: &'a JobLimits,
    done_at: f64,
    rng: &'a mut JobRng,
}

impl Drive for Replay<'_> {
    type Output = JobOutcome;

    #[inline(always)]
    fn run(
        self,
        mut step: impl FnMut(Option<&Observation>, &mut JobRng) -> Option<f64>,
    ) -> JobOutcome {
        let Replay {
            tally,
            limits,
            done_at,
            rng,
        } = self;
        // As `JobPoll::first_check`.
        let Some(first) = limits.first(rng, |rng| step(None, rng)) else {
            return tally.outcome(None);
        };
        // Without a timeout or an attempt cap (most replays) the loop runs on
        // a copy of the limits whose unset fields the compiler can see, so
        // their checks fold away.
        if limits.timeout.is_none() && limits.max_attempts.is_none() {
            let plain = JobLimits {
                timeout: None,
                max_attempts: None,
                ..*limits
            };
            tally.replay(first, done_at, &plain, rng, |obs, rng| {
                plain.envelope(obs, rng, |rng| step(Some(obs), rng))
            })
        } else {
            tally.replay(first, done_at, limits, rng, |obs, rng| {
                limits.envelope(obs, rng, |rng| step(Some(obs), rng))
            })
        }
    }
}

impl Tally {
    /// The answers of an ideal server from the first check at `first` on:
    /// each check is answered as it is sent, "pending" before `done_at`.
    #[inline(always)]
    fn replay(
        &mut self,
        first: f64,
        done_at: f64,
        limits: &JobLimits,
        rng: &mut JobRng,
        mut wait: impl FnMut(&Observation, &mut JobRng) -> Option<f64>,
    ) -> JobOutcome {
        let mut t = first;
        loop {
            if t >= done_at {
                self.calls += 1;
                return self.outcome(Some(t));
            }
            match self.advance((t, t, PENDING, None), limits, rng, &mut wait) {
                Some(next) => t = next,
                None => return self.outcome(None),
            }
        }
    }
}
