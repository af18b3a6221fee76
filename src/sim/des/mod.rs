//! The discrete-event simulator: many clients, one server, one virtual clock.
//!
//! Jobs are submitted by [`Arrivals`], each owned by client `index % clients`.
//! Every check is one `Arrive` event at the time it reaches the server; the
//! server fails it, throttles it, holds it (long polling, a `Release` event) or
//! answers, and the job's [`JobPoll`] turns the answer into the next check's
//! send time through [`JobPoll::on_reply`] — the same call the HTTP client makes.
//! Events are ordered by (time, insertion) on the [`EventQueue`], so
//! simultaneous events resolve the same way every run.
//!
//! # Timing: the HTTP client's
//!
//! A job's client times its checks exactly as the HTTP client does, since
//! both ask the job's `JobPoll` ([`crate::policy::send_time`]), in seconds
//! since the job's submission:
//!
//! - the policy schedules check `k` at `at_k`: its first delay, then
//!   `at_{k+1} = s_k + wait_k` with `wait_k` the policy's next delay;
//! - check `k` is *sent* at `s_k = max(at_k, r_{k-1}, r_{k-1} + retry_after)`:
//!   never before the previous answer was received, nor before that answer's
//!   `Retry-After` ran out (only when the policy honours `Retry-After` and the
//!   answer carried one: a 429, or a pending answer with hints);
//! - it reaches the server at `a_k = s_k + latency_k`, where the server decides
//!   as before (fail, throttle, admit, read the job's state, hold); the answer
//!   is received at `r_k = a_k`, or at the release of a held check;
//! - the policy observes check `k` with `elapsed = s_k`, the send time.
//!
//! A slow answer or a `Retry-After` delays the next check, and the policy's
//! later waits count from when it went out; latency alone, answered before the
//! next check is due, does not accumulate. A job is seen final at
//! the `r_k` of the check that saw it (never before it ended, for a held check).
//! Why the HTTP client's model: one policy, two drivers, the same checks.
//! Validation runs the simulator's jobs on the bundled server with the real
//! client and compares them job by job, so the simulator may not time checks
//! its own way.
//!
//! Randomness never depends on event order: durations come from the
//! [`JobSource`] by job index, jitter from the policy's stream by job, server
//! draws from the job's server stream, [`DRAWS_PER_REQUEST`] per check (so by
//! (seed, job, attempt)), and Poisson gaps by job. Policies are independent
//! runs (each has the server to itself) and run in parallel, collected in order.
//!
//! Against the ideal server (no latency, faults, limits, hints or holds) a job's
//! checks are exactly those [`super::engine`] replays (there
//! `s_k = a_k = r_k = at_k`): the same waits added to the same clock from submission. The integration tests check this job by job
//! on every bundled config; the single-job engine stays the fast path for that case.

mod answer;
mod live;
mod overload;

use super::arrivals::Arrivals;
use super::engine::PROGRESS_STEP;
use super::load::{LoadTimeline, Outcome};
use super::queue::EventQueue;
use super::record::{MAX_CALLS_PER_JOB, PolicyRun, RunOptions};
use super::server::{DRAWS_PER_REQUEST, Server, ServerModel, Verdict};
use crate::metrics::Accumulator;
use crate::policy::{ClientPolicy, Guards, JobHint, JobPoll, PolicySpec, Response};
use crate::rng::{Domain, JITTER_WINDOW, JobRng, SimRng, seek_record, stream, stream_id};
use crate::workload::{Job, JobSource};
use live::{LOOK_AHEAD, Live, prefetch};
pub use overload::{BASELINE, CapacityRun, Fate, OverloadSecond, OverloadStats, RECOVERY_WINDOW};
use rayon::prelude::*;

/// What the simulator needs besides the policies.
#[derive(Clone, Copy, Debug)]
pub struct Contention<'a> {
    /// Draws the jobs.
    pub source: &'a JobSource,
    /// When jobs are submitted.
    pub arrivals: &'a Arrivals,
    /// What checks meet at the server.
    pub server: &'a ServerModel,
    /// Jobs to submit at most (a trace or a Poisson horizon may submit fewer).
    pub jobs: u64,
    /// Seed of the server's and the arrivals' streams.
    pub seed: u64,
    /// `clients`: jobs are owned round robin; `per_job`, `exact_percentiles` as in the engine.
    pub options: RunOptions,
}

/// One policy's run against the server.
#[derive(Clone, Debug)]
pub struct ContendedRun {
    /// Per-job results, as the single-job engine reports them (records in job order).
    pub run: PolicyRun,
    /// Requests per second by outcome.
    pub load: LoadTimeline,
    /// Events processed: submissions, checks reaching the server, held checks released.
    pub events: u64,
    /// Checks the server held (long polling): each ends in one release event.
    pub holds: u64,
    /// What the server's capacity measured, when it has capacity keys.
    pub overload: Option<OverloadStats>,
    /// Checks the clients' adaptive throttle or circuit breaker rejected
    /// locally: never sent, so in neither `load` nor the jobs' calls.
    pub rejected_locally: u64,
}

impl ContendedRun {
    /// The capacity figures of summary.csv, when the server has capacity keys.
    pub fn overload_figures(
        &self,
        server: &ServerModel,
    ) -> Option<crate::metrics::OverloadFigures> {
        let capacity = server.capacity.as_ref()?;
        let stats = self.overload.as_ref()?;
        Some(stats.figures(capacity, self.run.accumulator.jobs))
    }
}

/// Runs every policy against its own copy of the server, in parallel, in order.
pub fn simulate_contention(setup: &Contention, policies: &[PolicySpec]) -> Vec<ContendedRun> {
    simulate_contention_with_progress(setup, policies, &|_| {})
}

/// [`simulate_contention`], telling `progress` how many jobs each policy's
/// run has submitted, a few thousand at a time.
pub fn simulate_contention_with_progress(
    setup: &Contention,
    policies: &[PolicySpec],
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<ContendedRun> {
    policies
        .par_iter()
        .map(|spec| run_policy(setup, spec, progress))
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next job in index order is submitted.
    Submit,
    /// A check of the job in this slot reaches the server.
    Arrive(u32),
    /// A held (long-polled) check of the job in this slot is answered.
    Release(u32),
    /// A check of the job in this slot that waited for a worker is answered.
    Served(u32),
    /// The client of the job in this slot stopped waiting for its check.
    TimedOut(u32),
    /// The client of the job in this slot is about to send a check and
    /// consults its throttle and breaker (only when the policy has either).
    Consult(u32),
}

/// Jobs read from the source per refill: sequential reads of the workload stream.
const JOB_BUFFER: u64 = 4096;

struct Des<'a> {
    setup: &'a Contention<'a>,
    queue: EventQueue<Event>,
    slots: Vec<Live>,
    /// Each slot's job index, kept beside the slots: a check never reads it.
    indices: Vec<u64>,
    free: Vec<u32>,
    server: Server,
    load: LoadTimeline,
    /// One per client when the policy learns, else one shared (state-free) client.
    clients: Vec<ClientPolicy>,
    learns: bool,
    /// Each client's protections (retry quota, throttle, breaker), when the
    /// policy has any; else empty.
    guards: Vec<Guards>,
    /// The policy has a throttle or a breaker: checks are consulted first.
    gates: bool,
    rejected_locally: u64,
    client_count: u64,
    run: PolicyRun,
    seed: u64,
    sid: u64,
    jitter_bulk: Option<SimRng>,
    server_bulk: Option<SimRng>,
    service_bulk: Option<SimRng>,
    /// Each slot's service-time draws, with capacity keys only: kept beside
    /// the slots rather than in them, so that a slot without capacity keys
    /// (BENCH-3's) is two cache lines shorter to fetch.
    service_rngs: Vec<JobRng>,
    capacity: Option<CapacityRun>,
    buffer: Vec<Job>,
    buffered: usize,
    next_job: u64,
    holds: u64,
}

fn run_policy(
    setup: &Contention,
    spec: &PolicySpec,
    progress: &(dyn Fn(u64) + Sync),
) -> ContendedRun {
    let jobs = setup
        .arrivals
        .limit()
        .map_or(setup.jobs, |l| l.min(setup.jobs));
    let client_count = setup.options.clients.clamp(1, jobs.max(1));
    let learns = spec.learns();
    let sid = stream_id(spec.name());
    let jitter_bulk = spec.draws_jitter().then(|| {
        let mut bulk = stream(setup.seed, Domain::Jitter, sid);
        seek_record(&mut bulk, 0, JITTER_WINDOW as u64);
        bulk
    });
    let server_bulk = setup
        .server
        .draws()
        .then(|| JobRng::server_bulk(setup.seed, 0));
    let service_bulk = setup
        .server
        .capacity
        .as_ref()
        .map(|_| JobRng::service_bulk(setup.seed, 0));
    let mut des = Des {
        setup,
        queue: EventQueue::new(),
        slots: Vec::new(),
        indices: Vec::new(),
        free: Vec::new(),
        server: Server::new(setup.server.clone(), client_count),
        load: LoadTimeline::default(),
        clients: (0..if learns { client_count } else { 1 })
            .map(|_| spec.client())
            .collect(),
        learns,
        guards: {
            let guards = Guards::new(spec.limits());
            if guards == Guards::default() {
                Vec::new()
            } else {
                vec![guards; client_count as usize]
            }
        },
        gates: Guards::new(spec.limits()).gates(),
        rejected_locally: 0,
        client_count,
        run: PolicyRun {
            accumulator: Accumulator::new(setup.options.exact_percentiles),
            records: setup.options.per_job.then(Vec::new),
        },
        seed: setup.seed,
        sid,
        jitter_bulk,
        server_bulk,
        service_bulk,
        service_rngs: Vec::new(),
        capacity: setup.server.capacity.as_ref().map(CapacityRun::new),
        buffer: Vec::new(),
        buffered: 0,
        next_job: 0,
        holds: 0,
    };
    let mut times = setup.arrivals.times(jobs, setup.seed);
    if let Some(t) = times.next() {
        des.queue.push(t, Event::Submit);
    }
    while let Some((t, event)) = des.queue.pop() {
        // The next events' jobs are known now: start loading them while
        // this one runs.
        let (slots, service) = (&des.slots, &des.service_rngs);
        des.queue.look_ahead(LOOK_AHEAD, |next| {
            if let Event::Arrive(next)
            | Event::Release(next)
            | Event::Served(next)
            | Event::TimedOut(next)
            | Event::Consult(next) = *next
            {
                prefetch(&slots[next as usize]);
                // With capacity keys, its service draws too (kept beside the slots).
                if let Some(service) = service.get(next as usize) {
                    prefetch(service);
                }
            }
        });
        match event {
            Event::Submit => {
                des.submit(t);
                if des.next_job.is_multiple_of(PROGRESS_STEP) {
                    progress(PROGRESS_STEP);
                }
                if let Some(next) = times.next() {
                    des.queue.push(next, Event::Submit);
                }
            }
            Event::Arrive(slot) => des.arrive(slot, t),
            Event::Release(slot) => des.release(slot),
            Event::Served(slot) => des.served(slot),
            Event::TimedOut(slot) => des.respond(slot, Response::TransportFailure, None),
            Event::Consult(slot) => des.consult(slot),
        }
    }
    progress(des.next_job % PROGRESS_STEP);
    if let Some(records) = &mut des.run.records {
        records.sort_by_key(|r| r.job);
    }
    ContendedRun {
        events: des.queue.processed(),
        holds: des.holds,
        run: des.run,
        load: des.load,
        overload: des.capacity.map(|c| c.stats),
        rejected_locally: des.rejected_locally,
    }
}

impl Des<'_> {
    fn next_job(&mut self) -> Job {
        if self.buffered == self.buffer.len() {
            self.buffer.clear();
            let start = self.next_job;
            self.setup
                .source
                .fill(start..start + JOB_BUFFER, &mut self.buffer);
            self.buffered = 0;
        }
        let job = self.buffer[self.buffered];
        self.buffered += 1;
        self.next_job += 1;
        job
    }

    fn submit(&mut self, t: f64) {
        if let Some(capacity) = &mut self.capacity {
            capacity.stats.last_submit = t;
        }
        let job = self.next_job();
        let client = (job.index % self.client_count) as u32;
        let lane = if self.learns { client as usize } else { 0 };
        let hint = JobHint { expected: job.hint };
        let poll = JobPoll::start(&mut self.clients[lane], &hint, MAX_CALLS_PER_JOB);
        let slot = match self.free.pop() {
            Some(slot) => {
                let live = &mut self.slots[slot as usize];
                live.duration = job.duration;
                live.failed = job.failed;
                live.poll = poll;
                self.indices[slot as usize] = job.index;
                slot
            }
            None => {
                self.slots.push(Live {
                    duration: job.duration,
                    failed: job.failed,
                    submitted: 0.0,
                    sent: 0.0,
                    clock: 0.0,
                    client: 0,
                    u_fail: 0.0,
                    u_noise: 0.0,
                    done_at_release: false,
                    poll,
                    jitter: JobRng::empty(self.seed, self.sid),
                    server_rng: JobRng::server(self.seed),
                });
                self.indices.push(job.index);
                if self.service_bulk.is_some() {
                    self.service_rngs.push(JobRng::service(self.seed));
                }
                (self.slots.len() - 1) as u32
            }
        };
        let live = &mut self.slots[slot as usize];
        live.submitted = t;
        live.client = client;
        live.done_at_release = false;
        if let Some(bulk) = &mut self.jitter_bulk {
            live.jitter.load(bulk, job.index);
        }
        if let Some(bulk) = &mut self.server_bulk {
            live.server_rng.load(bulk, job.index);
        }
        if let Some(bulk) = &mut self.service_bulk {
            self.service_rngs[slot as usize].load(bulk, job.index);
        }
        match live.poll.first_check(&mut live.jitter) {
            Some(at) => self.send(slot, at),
            None => {
                let outcome = live.poll.gave_up();
                self.finish(slot, outcome)
            }
        }
    }

    /// The client's next check is due at `sent` (since submission): sent
    /// then, or first consulted then when the policy has a throttle or a breaker.
    #[inline]
    fn send(&mut self, slot: u32, sent: f64) {
        if self.gates {
            let live = &mut self.slots[slot as usize];
            live.sent = sent;
            self.queue.push(live.submitted + sent, Event::Consult(slot));
            return;
        }
        self.transmit(slot, sent);
    }

    /// The client sends its next check at `sent` (since submission).
    #[inline]
    fn transmit(&mut self, slot: u32, sent: f64) {
        let live = &mut self.slots[slot as usize];
        let model = self.server.model();
        let mut latency = 0.0;
        if self.server_bulk.is_some() {
            let rng = &mut live.server_rng;
            let draws: [f64; DRAWS_PER_REQUEST] = std::array::from_fn(|_| rng.unit());
            latency = model.latency(draws[0]);
            live.u_fail = draws[1];
            live.u_noise = draws[2];
        } else if let Some((min, _)) = model.latency_ms {
            // A fixed latency (min == max) needs no draw.
            latency = min * 1e-3;
        }
        live.sent = sent;
        live.clock = sent + latency;
        self.queue
            .push(live.submitted + live.clock, Event::Arrive(slot));
    }

    fn arrive(&mut self, slot: u32, t: f64) {
        if self.capacity.is_some() {
            return self.arrive_at_capacity(slot, t);
        }
        if self.decide(slot, t) {
            self.served(slot);
        }
    }

    /// The server's rules before capacity: faults, rate limits; then the answer.
    #[inline]
    pub(super) fn decide(&mut self, slot: u32, t: f64) -> bool {
        let live = &mut self.slots[slot as usize];
        match self.server.admit(t, live.client as usize, live.u_fail) {
            Verdict::Fail => {
                self.load.record(t, Outcome::Failed);
                self.respond(slot, Response::TransientError, None);
                false
            }
            Verdict::Throttle(after) => {
                self.load.record(t, Outcome::Throttled);
                self.respond(slot, Response::RateLimited, Some(after));
                false
            }
            Verdict::Pass => {
                self.load.record(t, Outcome::Answered);
                true
            }
        }
    }
}
