//! The server's capacity during one simulated run: the [`Station`] that
//! decides each check, and what it measured ([`OverloadStats`]): time at the
//! server, waiting, work spent and wasted, queue length and latency per second.

use super::{Des, Event};
use crate::metrics::LogHistogram;
use crate::policy::Response;
use crate::sim::load::Outcome;
use crate::sim::server::{Admission, Capacity, Refusal, Station};

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
pub(super) enum Fate {
    /// Answered at this time (seconds since the run's start).
    Answered(f64),
    /// Its client stopped waiting at this time.
    TimedOut(f64),
    /// Refused by the station (see [`Admission::Refused`]).
    Refused(Admission),
}

/// The capacity model's state in one run.
pub(super) struct CapacityRun {
    pub(super) capacity: Capacity,
    station: Station,
    pub(super) stats: OverloadStats,
}

impl CapacityRun {
    pub(super) fn new(capacity: &Capacity) -> Self {
        Self {
            station: Station::new(capacity),
            capacity: capacity.clone(),
            stats: OverloadStats::default(),
        }
    }

    /// A check sent at `sent` arrives at `t` (both since the run's start)
    /// needing `service` seconds.
    #[inline]
    pub(super) fn arrive(&mut self, t: f64, sent: f64, service: f64) -> Fate {
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
                Fate::TimedOut(sent + timeout)
            }
            _ => Fate::Answered(done),
        }
    }

    /// When a client whose check got no answer, sent at `sent`, stops waiting.
    pub(super) fn silence(&mut self, sent: f64) -> f64 {
        self.stats.timeouts += 1;
        sent + self.capacity.request_timeout.unwrap_or(0.0)
    }
}

impl Des<'_> {
    /// A check meets a server with capacity: an outage, the server's other
    /// rules, then the station, which answers it now, later, or too late.
    pub(super) fn arrive_at_capacity(&mut self, slot: u32, t: f64) {
        let live = &mut self.slots[slot as usize];
        let capacity = self.capacity.as_mut().expect("called with capacity");
        let (pick, u) = (live.service_rng.unit(), live.service_rng.unit());
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
            Fate::TimedOut(at) => {
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
                    let at = capacity.silence(sent);
                    live.clock = at - live.submitted;
                    self.queue.push(at, Event::TimedOut(slot));
                }
            },
            Fate::Refused(Admission::Served { .. }) => unreachable!("a refusal is refused"),
        }
    }
}
