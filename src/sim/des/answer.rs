//! How a job's client takes the server's answers: the answer read from the
//! job's state (held for long polling), the hints of a pending answer, the
//! next check's send time from the job's `JobPoll`, and the job's end; and
//! how it consults its guards (throttle, breaker) before a check goes out.

use super::{Des, Event};
use crate::policy::{Gate, JobOutcome, PollPolicy, Reply, Response};
use crate::rng::throttle_unit;
use crate::sim::record::JobRecord;
use crate::sim::server::retry_after_hint;

impl Des<'_> {
    /// The server answers the check from the job's state, now (`clock`).
    pub(super) fn served(&mut self, slot: u32) {
        if let Some(capacity) = &mut self.capacity {
            capacity.stats.good += 1;
        }
        let live = &mut self.slots[slot as usize];
        let elapsed = live.clock;
        let remaining = live.duration - elapsed;
        if remaining <= 0.0 {
            let guards = self.guards.get_mut(live.client as usize);
            let outcome = live.poll.on_final(elapsed, guards, live.submitted);
            return self.finish(slot, outcome);
        }
        let max_wait = self.server.model().max_wait_s;
        match live.poll.hold() {
            Some(hold) if max_wait > 0.0 => {
                let hold = hold.min(max_wait);
                live.done_at_release = remaining <= hold;
                self.holds += 1;
                live.clock = elapsed + remaining.min(hold);
                self.queue
                    .push(live.submitted + live.clock, Event::Release(slot));
            }
            _ => self.pending(slot),
        }
    }

    pub(super) fn release(&mut self, slot: u32) {
        let live = &mut self.slots[slot as usize];
        if live.done_at_release {
            // Answered the moment the job ended (never before, despite rounding).
            let seen = live.clock.max(live.duration);
            let guards = self.guards.get_mut(live.client as usize);
            let outcome = live.poll.on_final(seen, guards, live.submitted);
            self.finish(slot, outcome);
        } else {
            self.pending(slot);
        }
    }

    /// A pending answer, with the hints the server is configured to give.
    pub(super) fn pending(&mut self, slot: u32) {
        let live = &mut self.slots[slot as usize];
        let model = self.server.model();
        let elapsed = live.clock;
        let (mut progress, mut eta, mut retry_after) = (None, None, None);
        if model.eta_hints || model.retry_after_hints {
            let estimate = model.estimate(live.duration - elapsed, live.u_noise);
            if model.eta_hints {
                eta = Some(estimate);
                progress = Some(elapsed / (elapsed + estimate));
            }
            if model.retry_after_hints {
                retry_after = Some(retry_after_hint(estimate));
            }
        }
        self.respond(slot, Response::Pending { progress, eta }, retry_after);
    }

    /// The client reads a non-final answer, received now (`clock`), and sends
    /// its next check when its `JobPoll` says, or gives up.
    pub(super) fn respond(&mut self, slot: u32, response: Response, retry_after: Option<f64>) {
        let live = &mut self.slots[slot as usize];
        let reply = Reply::new(live.sent, live.clock, response, retry_after);
        let guards = self.guards.get_mut(live.client as usize);
        let next = live
            .poll
            .on_reply(reply, &mut live.jitter, guards, live.submitted);
        match next {
            Some(at) => self.send(slot, at),
            None => {
                let outcome = live.poll.gave_up();
                self.finish(slot, outcome)
            }
        }
    }

    /// The check due now (`sent`) meets its client's throttle and breaker:
    /// it goes out, or is rejected locally and the job's next is due later.
    pub(super) fn consult(&mut self, slot: u32) {
        let live = &mut self.slots[slot as usize];
        let guards = &mut self.guards[live.client as usize];
        let job = self.indices[slot as usize];
        let (seed, sid, consult) = (self.seed, self.sid, live.poll.consults());
        let draw = || throttle_unit(seed, sid, job, consult);
        let gate = live
            .poll
            .consult(live.sent, live.submitted, guards, draw, &mut live.jitter);
        match gate {
            Gate::Send => {
                let sent = live.sent;
                self.transmit(slot, sent)
            }
            Gate::Rejected(next) => {
                self.rejected_locally += 1;
                match next {
                    Some(at) => self.send(slot, at),
                    None => {
                        let outcome = live.poll.gave_up();
                        self.finish(slot, outcome)
                    }
                }
            }
        }
    }

    /// The job is over for its client: seen final (`outcome.seen_at`), or given up.
    pub(super) fn finish(&mut self, slot: u32, outcome: JobOutcome) {
        let live = &self.slots[slot as usize];
        let seen_at = outcome.seen_at;
        if self.learns {
            self.clients[live.client as usize].finished(&outcome);
        }
        let (duration, failed) = (live.duration, live.failed);
        self.run
            .accumulator
            .add(duration, failed, outcome.calls, seen_at);
        if let Some(records) = &mut self.run.records {
            records.push(JobRecord {
                job: self.indices[slot as usize],
                duration,
                failed,
                calls: outcome.calls,
                seen_at,
            });
        }
        self.free.push(slot);
    }
}
