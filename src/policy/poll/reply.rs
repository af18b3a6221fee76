//! The machine's entries for answers: [`JobPoll::on_reply`] for a pending or
//! failed one, [`JobPoll::on_final`] for a final one, each with the job's
//! client's guards or none, so that every driver (the simulator, the HTTP
//! client) runs the same retries, quota, throttle and breaker bookkeeping.

use super::JobPoll;
use crate::policy::envelope::MIN_DELAY;
use crate::policy::guards::Guards;
use crate::policy::protect::RetryQuota;
use crate::policy::{JobOutcome, JobSchedule, Response};
use crate::rng::JobRng;

/// A non-final answer to one check: sent at `sent`, arrived at `received`
/// (seconds since submission), saying `response`, with an optional
/// `Retry-After` (job seconds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reply {
    /// When the check went out (the time the policy sees as `elapsed`).
    pub sent: f64,
    /// When its answer arrived.
    pub received: f64,
    /// What it said: pending, or a failure.
    pub response: Response,
    /// The answer's `Retry-After`.
    pub retry_after: Option<f64>,
}

impl Reply {
    /// The answer to the check sent at `sent`, arrived at `received`.
    #[inline(always)]
    pub fn new(sent: f64, received: f64, response: Response, retry_after: Option<f64>) -> Self {
        Self {
            sent,
            received,
            response,
            retry_after,
        }
    }

    #[inline(always)]
    fn parts(self) -> (f64, f64, Response, Option<f64>) {
        (self.sent, self.received, self.response, self.retry_after)
    }
}

impl JobPoll {
    /// A non-final answer, as a driver hands it over, with the job's
    /// client's `guards` (none: the client keeps no retry quota, throttle or
    /// breaker) and the job's submission `submitted` on that client's clock
    /// (read only with guards). The one entry for a
    /// pending or failed answer, for every driver: when the next check goes
    /// out, or `None`: give up.
    ///
    /// Under the policy's retries, after a failed check (5xx, 429, no answer)
    /// the next goes out `retry_delay` after the answer (still not before its
    /// `Retry-After`: [`send_time`](super::send_time)) when the client's retry quota (its
    /// `retry_budget`, if the policy has one) grants the retry, and after the
    /// family's interval otherwise; a status answer returns the retry's
    /// tokens to the quota (or its first-attempt increment). First the
    /// throttle and the breaker learn whether the server accepted the check
    /// (a pending answer did; a 5xx, 429 or no answer did not), at
    /// `submitted + received` on the client's clock.
    #[inline(always)]
    pub fn on_reply(
        &mut self,
        reply: Reply,
        rng: &mut JobRng,
        guards: Option<&mut Guards>,
        submitted: f64,
    ) -> Option<f64> {
        // The simulator's hot path: no client state, no retries.
        if guards.is_none() && self.poller.limits().retry_delay.is_none() {
            return self.advance(reply, rng);
        }
        self.on_reply_protected(reply, rng, guards, submitted)
    }

    /// [`Self::on_reply`] for a job whose client keeps no guards, answered
    /// `(sent, received, response, retry_after)`: the shorthand of the
    /// ideal-server walks (the schedule's check times, tests).
    #[inline(always)]
    pub fn on_answer(
        &mut self,
        sent: f64,
        received: f64,
        response: Response,
        retry_after: Option<f64>,
        rng: &mut JobRng,
    ) -> Option<f64> {
        let reply = Reply::new(sent, received, response, retry_after);
        self.on_reply(reply, rng, None, 0.0)
    }

    /// The family's and the envelope's next send time, nothing else.
    #[inline(always)]
    fn advance(&mut self, reply: Reply, rng: &mut JobRng) -> Option<f64> {
        let poller = &mut self.poller;
        let limits = *poller.limits();
        self.tally.advance(reply.parts(), &limits, rng, |obs, rng| {
            poller.next_delay(obs, rng)
        })
    }

    /// [`Self::on_reply`] with guards or retries: out of line, so that the
    /// plain path stays as short as it was.
    #[inline(never)]
    fn on_reply_protected(
        &mut self,
        reply: Reply,
        rng: &mut JobRng,
        guards: Option<&mut Guards>,
        submitted: f64,
    ) -> Option<f64> {
        let accepted = matches!(reply.response, Response::Pending { .. });
        let quota = match guards {
            Some(guards) => {
                let probe = std::mem::take(&mut self.probe);
                guards.record(submitted + reply.received, accepted, probe);
                guards.quota_mut()
            }
            None => None,
        };
        if accepted {
            self.succeeded(quota);
            return self.advance(reply, rng);
        }
        let Some(delay) = self.poller.limits().retry_delay else {
            return self.advance(reply, rng);
        };
        self.retrying = match quota {
            None => Some(0),
            Some(q) => q.acquire(reply.response == Response::TransportFailure),
        };
        if self.retrying.is_none() {
            return self.advance(reply, rng);
        }
        let poller = &mut self.poller;
        let limits = *poller.limits();
        let (sent, received) = (reply.sent, reply.received);
        self.tally.advance(reply.parts(), &limits, rng, |obs, rng| {
            // The family and the envelope still decide whether to go on.
            poller.next_delay(obs, rng)?;
            Some((received - sent + delay).max(MIN_DELAY))
        })
    }

    /// A check got a status answer: the quota gets back what its retry took,
    /// or its first-attempt increment.
    fn succeeded(&mut self, quota: Option<&mut RetryQuota>) {
        let took = self.retrying.take();
        if let Some(q) = quota {
            q.release(took.filter(|&c| c > 0));
        }
    }

    /// The check sent last showed the final state; its answer arrived at
    /// `received`. The one entry for a final answer, for every driver: with
    /// the client's `guards` (see [`Self::on_reply`]) it is an accepted check
    /// for the throttle and the breaker and a success for the retry quota.
    pub fn on_final(
        &mut self,
        received: f64,
        guards: Option<&mut Guards>,
        submitted: f64,
    ) -> JobOutcome {
        if let Some(guards) = guards {
            let probe = std::mem::take(&mut self.probe);
            guards.record(submitted + received, true, probe);
            self.succeeded(guards.quota_mut());
        }
        self.tally.calls += 1;
        self.tally.outcome(Some(received))
    }

    /// The driver stopped waiting for the check out now at `now` (since
    /// submission) without an answer the machine can read (a deadline): if
    /// that check was the half-open breaker's probe, the breaker counts it
    /// failed, so that the client's other jobs are not held back for ever
    /// by a probe nobody waits for. A simulated check is always answered.
    pub fn abandon(&mut self, now: f64, guards: Option<&mut Guards>, submitted: f64) {
        if let Some(guards) = guards
            && std::mem::take(&mut self.probe)
        {
            guards.record(submitted + now, false, true);
        }
    }
}
