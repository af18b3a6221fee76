//! `JobPoll`: one job's whole timing contract, the state machine every driver
//! runs (the engine's replay, the discrete-event simulator, the HTTP client).
//!
//! Time is passed in, never read: a driver asks for the first check's time,
//! sends the check then, and hands back what came of it: when it was sent,
//! when the answer arrived and what it said. The machine answers with when the
//! next check goes out, or that the job is given up. The attempt cap, the
//! timeout, `Retry-After` and the policy's own waits all live here, so the
//! rule for when a check goes out, [`send_time`], exists once. Against an ideal
//! server (answers arrive as they are sent) the same machine gives the check
//! times of deterministic policies, the exact evaluation and the schedule plot.

mod replay;
mod reply;

pub use reply::Reply;

use super::client::{ClientPolicy, JobPoller};
use super::envelope::JobLimits;
use super::guards::{Admit, Gate, Guards};
use super::{JobHint, JobOutcome, JobSchedule, Observation, PollPolicy, Response};
use crate::rng::JobRng;

/// When the check after an answer goes out: the policy's wait from when the
/// previous check was sent, but never before its answer arrived (a client
/// waits for the answer) nor, if the policy honours it, before the answer's
/// `Retry-After` has run out from its arrival.
#[inline(always)]
pub fn send_time(
    sent: f64,
    wait: f64,
    received: f64,
    retry_after: Option<f64>,
    honor_retry_after: bool,
) -> f64 {
    let at = sent + wait;
    // Compared, not `f64::max`: no operand is NaN, and in the replay (answers
    // as they are sent) this add is the loop's critical path, which the
    // NaN-aware max would double. A late answer is a rare branch.
    let at = if received > at { later(received) } else { at };
    match (honor_retry_after, retry_after) {
        (true, Some(after)) if received + after > at => received + after,
        _ => at,
    }
}

/// The send time an answer later than the policy's wait gives: out of line,
/// so that the common case is a predicted branch, not a data dependency.
#[cold]
#[inline(never)]
fn later(received: f64) -> f64 {
    std::hint::black_box(received)
}

/// One job's polling state: the policy's per-job steps, the checks made, and
/// what a learning policy will be told when the job is over.
#[derive(Clone, Debug)]
pub struct JobPoll {
    poller: JobPoller,
    tally: Tally,
    /// Tokens the check out now took from the client's retry quota (a retry).
    retrying: Option<u32>,
    /// The check out now is the client's half-open breaker's probe.
    probe: bool,
    /// Checks the client's guards rejected locally (never sent).
    rejected: u32,
}

/// What the machine counts of a job, apart from the policy's own state (so
/// that the replay can borrow the steps and the tally at once).
#[derive(Clone, Copy, Debug)]
struct Tally {
    calls: u32,
    last_pending: f64,
    max_calls: u32,
}

/// A plain "pending" answer, without hints.
pub(crate) const PENDING: Response = Response::Pending {
    progress: None,
    eta: None,
};

impl JobPoll {
    /// A job of `client`'s, polled at most `max_calls` times (a guard against
    /// configs that would run for hours; the job is then given up).
    pub fn start(client: &mut ClientPolicy, hint: &JobHint, max_calls: u32) -> Self {
        Self {
            poller: client.start(hint),
            tally: Tally::new(max_calls),
            retrying: None,
            probe: false,
            rejected: 0,
        }
    }

    /// When the first check goes out, in seconds since submission, or `None`:
    /// give up without checking.
    #[inline]
    pub fn first_check(&mut self, rng: &mut JobRng) -> Option<f64> {
        self.poller.first_delay(rng)
    }

    /// How long checks ask the server to hold a pending answer (long
    /// polling; `?wait=` in HTTP), or `None` for plain checks.
    #[inline]
    pub fn hold(&self) -> Option<f64> {
        self.poller.hold()
    }

    /// Whether the last checks, in a row, got no answer as often as the
    /// policy's `max_transport_failures` allows: why it gave up, if it did.
    pub fn unreachable(&self) -> bool {
        self.poller.unreachable()
    }

    /// Checks answered so far.
    pub fn calls(&self) -> u32 {
        self.tally.calls
    }

    /// Checks of this job the client's guards rejected locally: never sent,
    /// not counted in [`Self::calls`].
    pub fn rejected(&self) -> u32 {
        self.rejected
    }

    /// Consults made so far (checks sent plus checks rejected locally): the
    /// index of the next consult's throttle draw, so that a driver keys the
    /// draw by (seed, policy, job, this index), never by event order.
    pub fn consults(&self) -> u64 {
        u64::from(self.tally.calls) + u64::from(self.rejected)
    }

    /// Before sending the check due at `at` (since submission; the job was
    /// submitted at `submitted` on the client's clock): may it go out under
    /// the client's `guards`? `draw` gives the throttle's uniform draw (taken
    /// only when the policy has a throttle). On a rejection the check is not
    /// sent, and the gate says when the next is due: the family's wait from
    /// `at`, not before an open breaker's probe may go (see [`Guards`]).
    pub fn consult(
        &mut self,
        at: f64,
        submitted: f64,
        guards: &mut Guards,
        draw: impl FnOnce() -> f64,
        rng: &mut JobRng,
    ) -> Gate {
        let until = match guards.admit(submitted + at, draw) {
            Admit::Send { probe } => {
                self.probe = probe;
                return Gate::Send;
            }
            Admit::Reject { until } => until,
        };
        self.rejected += 1;
        // The guard against runaway configs counts rejections too: a job
        // whose every check is rejected ends like one that checked too often.
        if self.consults() >= u64::from(self.tally.max_calls) {
            return Gate::Rejected(None);
        }
        let obs = Observation {
            attempt: self.tally.calls,
            elapsed: at,
            response: Response::TransientError,
            retry_after: None,
        };
        let Some(wait) = self.poller.next_delay_rejected(&obs, rng) else {
            return Gate::Rejected(None);
        };
        let next = at + wait;
        let next = match until {
            Some(until) if until - submitted > next => until - submitted,
            _ => next,
        };
        // As in `Tally::advance`: only the breaker's end can pass the timeout.
        match self.poller.limits().timeout {
            Some(timeout) if next > at + wait && next > timeout => Gate::Rejected(None),
            _ => Gate::Rejected(Some(next)),
        }
    }

    /// The job as it ended when the machine gave it up.
    pub fn gave_up(&self) -> JobOutcome {
        self.tally.outcome(None)
    }
}

impl Tally {
    /// No checks yet, at most `max_calls` (at least one).
    #[inline(always)]
    fn new(max_calls: u32) -> Self {
        Tally {
            calls: 0,
            last_pending: 0.0,
            max_calls: max_calls.max(1),
        }
    }

    #[inline(always)]
    fn outcome(&self, seen_at: Option<f64>) -> JobOutcome {
        JobOutcome {
            calls: self.calls,
            seen_at,
            last_pending: self.last_pending,
        }
    }

    /// Counts the answer `(sent, received, response, retry_after)`, then asks
    /// `wait` for the policy's next wait and turns it into a send time; a
    /// check that could only go out after the policy's timeout (a late answer,
    /// a `Retry-After` past it) is not sent: the job is given up.
    #[inline(always)]
    fn advance(
        &mut self,
        (sent, received, response, retry_after): (f64, f64, Response, Option<f64>),
        limits: &JobLimits,
        rng: &mut JobRng,
        wait: impl FnOnce(&Observation, &mut JobRng) -> Option<f64>,
    ) -> Option<f64> {
        self.calls += 1;
        if matches!(response, Response::Pending { .. }) {
            self.last_pending = received;
        }
        if self.calls >= self.max_calls {
            return None;
        }
        let obs = Observation {
            attempt: self.calls,
            elapsed: sent,
            response,
            retry_after,
        };
        let wait = wait(&obs, rng)?;
        let at = send_time(sent, wait, received, retry_after, limits.honor_retry_after);
        // The policy's own wait already stops at the timeout (the envelope
        // clamps it); only a later answer or a Retry-After can pass it.
        match limits.timeout {
            Some(timeout) if at > sent + wait && at > timeout => None,
            _ => Some(at),
        }
    }
}
