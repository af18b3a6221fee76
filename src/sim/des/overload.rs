//! The server's capacity during one run: the [`Station`] that decides each
//! check, and what it measured ([`OverloadStats`]): time at the server,
//! waiting, work spent and wasted, queue length and latency per second.
//! [`CapacityRun`] is public so that the bundled HTTP server decides and
//! counts its checks with this very code, fed with the times they reach it.

use super::{Des, Event};
use crate::metrics::{LogHistogram, OverloadFigures};
use crate::policy::Response;
use crate::sim::load::Outcome;
use crate::sim::server::{Admission, Capacity, Refusal, Station};

/// Seconds before an outage whose queue and latency are the level to recover.
pub const BASELINE: usize = 60;
/// Seconds over which recovery is judged (queue and latency means).
pub const RECOVERY_WINDOW: usize = 10;

/// Seconds of per-second statistics kept at most; later checks share the last bin.
const MAX_BINS: usize = 1_000_000;

/// One second of the server's capacity, by the checks that arrived in it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OverloadSecond {
    /// Checks that arrived (served or refused).
    pub arrived: u64,
    /// Checks refused (outage or full queue).
    pub refused: u64,
    /// Checks served.
    pub served: u64,
    /// Sum of the served checks' time at the server (waiting + service), seconds.
    pub latency_sum: f64,
    /// Sum over arriving checks of the checks waiting then (the queue an arrival sees).
    pub queue_sum: f64,
}

impl OverloadSecond {
    /// Mean time at the server of the checks served, seconds (`None`: none served).
    pub fn mean_latency(&self) -> Option<f64> {
        (self.served > 0).then(|| self.latency_sum / self.served as f64)
    }

    /// Mean queue length seen by the arriving checks (`None`: none arrived).
    pub fn mean_queue(&self) -> Option<f64> {
        (self.arrived > 0).then(|| self.queue_sum / self.arrived as f64)
    }
}

/// What the capacity model measured in one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverloadStats {
    /// Per second of the run, from 0.
    pub seconds: Vec<OverloadSecond>,
    /// Checks served.
    pub served: u64,
    /// Served checks that waited for a worker.
    pub waited: u64,
    /// Sum and sum of squares of the time at the server, seconds.
    pub latency_sum: f64,
    /// See `latency_sum`.
    pub latency_sq: f64,
    /// Distribution of the time at the server.
    pub latency: LogHistogram,
    /// Service time spent, seconds.
    pub work_s: f64,
    /// Service time spent on checks answered after their client timed out.
    pub wasted_s: f64,
    /// Answers that carried a status (pending or final) to a waiting client.
    pub good: u64,
    /// Checks whose client timed out.
    pub timeouts: u64,
    /// The last time a check arrived, seconds since the run's start.
    pub last_arrival: f64,
    /// The last job's submission: recovery is judged while demand lasts.
    pub last_submit: f64,
}

impl OverloadStats {
    /// Mean time at the server, seconds.
    pub fn mean_latency(&self) -> f64 {
        self.latency_sum / self.served.max(1) as f64
    }

    /// Share of served checks that waited.
    pub fn wait_share(&self) -> f64 {
        self.waited as f64 / self.served.max(1) as f64
    }

    /// The summary figures, for a run of `jobs` jobs on `capacity`.
    pub fn figures(&self, capacity: &Capacity, jobs: u64) -> OverloadFigures {
        let once = jobs as f64 * capacity.mean_service_s();
        OverloadFigures {
            mean_latency_s: self.mean_latency(),
            p99_latency_s: if self.served > 0 {
                self.latency.quantile(0.99)
            } else {
                0.0
            },
            goodput: self.good as f64 / self.last_arrival.max(1.0),
            wasted_work_s: self.wasted_s,
            work_amplification: if once > 0.0 { self.work_s / once } else { 0.0 },
            recovery_s: capacity
                .outages
                .first()
                .zip(capacity.last_outage_end())
                .and_then(|(&(start, _), end)| self.recovery(start, end)),
        }
    }

    /// Seconds after `end` (an outage's end) from which every [`RECOVERY_WINDOW`]
    /// until the last submission has mean latency and queue within 10 % of their
    /// level over the [`BASELINE`] seconds before `start` (plus one check's
    /// worth of queue and 1 ms, so that an idle server's zero level can be met).
    /// `None` when the last windows are still off: no recovery within the run.
    pub fn recovery(&self, start: f64, end: f64) -> Option<f64> {
        let window = |from: usize, to: usize| {
            let bins = &self.seconds[from.min(self.seconds.len())..to.min(self.seconds.len())];
            let sum = |f: fn(&OverloadSecond) -> f64| bins.iter().map(f).sum::<f64>();
            let served = sum(|b| b.served as f64);
            let arrived = sum(|b| b.arrived as f64);
            (
                sum(|b| b.latency_sum) / served.max(1.0),
                sum(|b| b.queue_sum) / arrived.max(1.0),
            )
        };
        let start = start.floor() as usize;
        let (lat0, q0) = window(start.saturating_sub(BASELINE), start);
        let ok = |s: usize| {
            let (lat, q) = window(s, s + RECOVERY_WINDOW);
            lat <= 1.1 * lat0 + 1e-3 && q <= 1.1 * q0 + 1.0
        };
        let end_s = end.ceil() as usize;
        let last = (self.last_submit.floor() as usize + 1).saturating_sub(RECOVERY_WINDOW);
        if last < end_s || !ok(last) {
            return None;
        }
        let mut first = last;
        while first > end_s && ok(first - 1) {
            first -= 1;
        }
        Some(first as f64 - end)
    }

    fn bin(&mut self, t: f64) -> &mut OverloadSecond {
        let bin = (t.max(0.0) as usize).min(MAX_BINS - 1);
        if bin >= self.seconds.len() {
            self.seconds.resize(bin + 1, OverloadSecond::default());
        }
        &mut self.seconds[bin]
    }
}

/// What happened to a check that passed the server's other rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fate {
    /// Answered at this time (seconds since the run's start).
    Answered(f64),
    /// Its client stopped waiting for it.
    TimedOut {
        /// When the client stopped waiting (seconds since the run's start).
        gives_up: f64,
        /// When the server answers it all the same, to nobody.
        done: f64,
    },
    /// Refused by the station (see [`Admission::Refused`]).
    Refused(Admission),
}

/// The capacity model's state in one run.
#[derive(Clone, Debug)]
pub struct CapacityRun {
    /// The capacity keys it runs.
    pub capacity: Capacity,
    station: Station,
    /// What it measured so far.
    pub stats: OverloadStats,
}

impl CapacityRun {
    /// An idle station for `capacity`, nothing measured yet.
    pub fn new(capacity: &Capacity) -> Self {
        Self {
            station: Station::new(capacity),
            capacity: capacity.clone(),
            stats: OverloadStats::default(),
        }
    }

    /// A check sent at `sent` arrives at `t` (both since the run's start)
    /// needing `service` seconds.
    #[inline]
    pub fn arrive(&mut self, t: f64, sent: f64, service: f64) -> Fate {
        let queue = self.station.waiting_at(t) as f64;
        let admission = self.station.arrive(&self.capacity, t, service);
        let stats = &mut self.stats;
        stats.last_arrival = stats.last_arrival.max(t);
        let bin = stats.bin(t);
        bin.arrived += 1;
        bin.queue_sum += queue;
        let Admission::Served { start, done } = admission else {
            bin.refused += 1;
            return Fate::Refused(admission);
        };
        let latency = done - t;
        bin.served += 1;
        bin.latency_sum += latency;
        stats.served += 1;
        stats.waited += u64::from(start > t);
        stats.latency_sum += latency;
        stats.latency_sq += latency * latency;
        stats.latency.record(latency);
        stats.work_s += service;
        match self.capacity.request_timeout {
            Some(timeout) if done > sent + timeout => {
                stats.wasted_s += service;
                stats.timeouts += 1;
                // A check whose network latency alone passes the timeout
                // gives up when it reaches the server, not before: the
                // queue never goes back in time (the client waits a little
                // longer than its timeout in that case).
                Fate::TimedOut {
                    gives_up: (sent + timeout).max(t),
                    done,
                }
            }
            _ => Fate::Answered(done),
        }
    }

    /// When a client whose check, sent at `sent` and arriving at `t`, got no
    /// answer stops waiting: never before `t`, as in `arrive`.
    pub fn silence(&mut self, sent: f64, t: f64) -> f64 {
        self.stats.timeouts += 1;
        (sent + self.capacity.request_timeout.unwrap_or(0.0)).max(t)
    }
}

impl Des<'_> {
    /// A check meets a server with capacity: an outage, the server's other
    /// rules, then the station, which answers it now, later, or too late.
    pub(super) fn arrive_at_capacity(&mut self, slot: u32, t: f64) {
        let live = &mut self.slots[slot as usize];
        let capacity = self.capacity.as_mut().expect("called with capacity");
        let service_rng = &mut self.service_rngs[slot as usize];
        let (pick, u) = (service_rng.unit(), service_rng.unit());
        let service = capacity.capacity.service_s(pick, u);
        let sent = live.submitted + live.sent;
        let fate = if capacity.capacity.outage_at(t).is_some() {
            self.load.record(t, Outcome::Failed);
            capacity.arrive(t, sent, service)
        } else if self.decide(slot, t) {
            let capacity = self.capacity.as_mut().expect("called with capacity");
            capacity.arrive(t, sent, service)
        } else {
            return;
        };
        let live = &mut self.slots[slot as usize];
        match fate {
            Fate::Answered(done) if done > t => {
                live.clock = done - live.submitted;
                self.queue.push(done, Event::Served(slot));
            }
            Fate::Answered(_) => self.served(slot),
            Fate::TimedOut { gives_up: at, .. } => {
                live.clock = at - live.submitted;
                self.queue.push(at, Event::TimedOut(slot));
            }
            Fate::Refused(Admission::Refused {
                refusal,
                retry_after,
            }) => match refusal {
                Refusal::Unavailable => self.respond(slot, Response::TransientError, retry_after),
                Refusal::Drop => self.respond(slot, Response::TransportFailure, None),
                Refusal::Silence => {
                    let capacity = self.capacity.as_mut().expect("called with capacity");
                    let at = capacity.silence(sent, t);
                    live.clock = at - live.submitted;
                    self.queue.push(at, Event::TimedOut(slot));
                }
            },
            Fate::Refused(Admission::Served { .. }) => unreachable!("a refusal is refused"),
        }
    }
}
