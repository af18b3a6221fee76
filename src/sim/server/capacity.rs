//! The server's capacity: `workers` that serve one check at a time for a
//! drawn service time, a bounded FIFO `queue` in front of them, outage windows
//! and the clients' request timeout. Latency then grows with load, which is
//! what lets a herd of pollers drown the server.
//!
//! The station is decided when a check arrives, not by events: checks are
//! served first come first served by the earliest free worker, and a check's
//! service time is drawn when it arrives, so its start and end are known then
//! (the Kiefer–Wolfowitz recursion: start = max(arrival, earliest free
//! worker)). The simulator needs no service-completion events, and the
//! bundled HTTP server, which holds each answered check until its end,
//! decides with the same [`Station::arrive`].
//!
//! A check whose client gave up on it (the request timeout passed) is still
//! served when its turn comes, as a real server that cannot see the client
//! leave would serve it (the bundled one only hangs up its request). That work is wasted,
//! and the client's retries add to the queue that made it wait: the retry
//! storm of a metastable failure.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::workload::Distribution;

/// What a refused check gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `503 Service Unavailable` (with `Retry-After` when the queue is full).
    Unavailable,
    /// The connection is closed at once: the client sees a transport failure.
    Drop,
    /// No answer at all: the client waits for its request timeout.
    Silence,
}

impl Refusal {
    /// The name as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::Unavailable => "503",
            Refusal::Drop => "drop",
            Refusal::Silence => "none",
        }
    }
}

/// The capacity keys of `[server]`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Checks served at once; `None`: unlimited (every check is served at once).
    pub workers: Option<u32>,
    /// How long one check takes to serve, in **milliseconds**; `None`: no time.
    pub service_ms: Option<Distribution>,
    /// Most checks waiting for a worker; `None`: unbounded.
    pub queue: Option<u32>,
    /// What a check gets when the queue is full (503 with `Retry-After`, or drop).
    pub queue_full: Refusal,
    /// `[start, end)` windows, seconds since the run's start, sorted and disjoint.
    pub outages: Vec<(f64, f64)>,
    /// What a check gets in an outage (503, or no answer).
    pub outage_answer: Refusal,
    /// Seconds a client waits for an answer before counting the check failed.
    pub request_timeout: Option<f64>,
}

impl Capacity {
    /// Mean service time, seconds.
    pub fn mean_service_s(&self) -> f64 {
        self.service_ms.as_ref().map_or(0.0, |d| d.mean() * 1e-3)
    }

    /// Service time in seconds for the check's two draws.
    #[inline]
    pub fn service_s(&self, pick: f64, u: f64) -> f64 {
        match &self.service_ms {
            Some(d) => d.sample_units(pick, u) * 1e-3,
            None => 0.0,
        }
    }

    /// The outage `t` (seconds since the run's start) falls in, if any.
    #[inline]
    pub fn outage_at(&self, t: f64) -> Option<(f64, f64)> {
        self.outages.iter().copied().find(|&(s, e)| s <= t && t < e)
    }

    /// The end of the last outage.
    pub fn last_outage_end(&self) -> Option<f64> {
        self.outages.last().map(|o| o.1)
    }

    /// In a few words, for the terminal and report.md.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.workers {
            Some(w) => parts.push(format!("{w} workers")),
            None => parts.push("unlimited workers".into()),
        }
        if self.service_ms.is_some() {
            parts.push(format!("service {} ms mean", self.mean_service_s() * 1e3));
        }
        if let Some(q) = self.queue {
            parts.push(format!("queue {q} ({} when full)", self.queue_full.name()));
        }
        if let Some(t) = self.request_timeout {
            parts.push(format!("request timeout {t} s"));
        }
        for (s, e) in &self.outages {
            parts.push(format!("outage {s}–{e} s ({})", self.outage_answer.name()));
        }
        parts.join(", ")
    }
}

/// What the station did with a check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Admission {
    /// Served from `start` to `done` (seconds since the run's start).
    Served {
        /// When a worker took it (its arrival, or later when it waited).
        start: f64,
        /// When its answer leaves the server.
        done: f64,
    },
    /// Refused: an outage or a full queue.
    Refused {
        /// What the check gets.
        refusal: Refusal,
        /// The `Retry-After` of a 503 for a full queue, seconds.
        retry_after: Option<f64>,
    },
}

/// The station's state during one run: when each worker is next free, and
/// the start times of the checks still waiting (non-decreasing: FIFO).
#[derive(Clone, Debug)]
pub struct Station {
    /// Bit patterns of non-negative f64 free times (they order like the values).
    free_at: BinaryHeap<Reverse<u64>>,
    unlimited: bool,
    waiting: VecDeque<f64>,
}

impl Station {
    /// An idle station for `capacity`.
    pub fn new(capacity: &Capacity) -> Self {
        let workers = capacity.workers.unwrap_or(0) as usize;
        Self {
            free_at: (0..workers).map(|_| Reverse(0f64.to_bits())).collect(),
            unlimited: capacity.workers.is_none(),
            waiting: VecDeque::new(),
        }
    }

    /// Checks waiting for a worker at `t` (after those that started by then left the line).
    #[inline]
    pub fn waiting_at(&mut self, t: f64) -> usize {
        while self.waiting.front().is_some_and(|&s| s <= t) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }

    /// A check arrives at `t` (seconds since the run's start, non-decreasing
    /// over calls) needing `service` seconds: served or refused.
    #[inline]
    pub fn arrive(&mut self, capacity: &Capacity, t: f64, service: f64) -> Admission {
        let waiting = self.waiting_at(t);
        if capacity.outage_at(t).is_some() {
            return Admission::Refused {
                refusal: capacity.outage_answer,
                retry_after: None,
            };
        }
        if self.unlimited {
            return Admission::Served {
                start: t,
                done: t + service,
            };
        }
        let Some(&Reverse(bits)) = self.free_at.peek() else {
            unreachable!("a limited station has at least one worker")
        };
        let start = f64::from_bits(bits).max(t);
        if start > t {
            if capacity.queue.is_some_and(|q| waiting >= q as usize) {
                let workers = capacity.workers.unwrap_or(1).max(1) as f64;
                // The time the line ahead takes to drain, in whole seconds.
                let drain = waiting as f64 * capacity.mean_service_s() / workers;
                return Admission::Refused {
                    refusal: capacity.queue_full,
                    retry_after: (capacity.queue_full == Refusal::Unavailable)
                        .then(|| drain.ceil().max(1.0)),
                };
            }
            self.waiting.push_back(start);
        }
        let done = start + service;
        self.free_at.pop();
        self.free_at.push(Reverse(done.to_bits()));
        Admission::Served { start, done }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Fixed;

    fn capacity(workers: Option<u32>, queue: Option<u32>) -> Capacity {
        Capacity {
            workers,
            service_ms: Some(Distribution::Fixed(Fixed::new(1000.0).unwrap())),
            queue,
            queue_full: Refusal::Unavailable,
            outages: vec![(100.0, 160.0)],
            outage_answer: Refusal::Silence,
            request_timeout: None,
        }
    }

    #[test]
    fn two_workers_serve_in_order_and_a_full_queue_refuses() {
        let cap = capacity(Some(2), Some(1));
        let mut st = Station::new(&cap);
        let s = cap.service_s(0.5, 0.5);
        assert_eq!(s, 1.0);
        let served = |start: f64, done: f64| Admission::Served { start, done };
        assert_eq!(st.arrive(&cap, 0.0, s), served(0.0, 1.0));
        assert_eq!(st.arrive(&cap, 0.2, s), served(0.2, 1.2));
        // Both busy: waits for the worker free at 1.0.
        assert_eq!(st.arrive(&cap, 0.5, s), served(1.0, 2.0));
        assert_eq!(st.waiting_at(0.5), 1);
        // The line is full (one waiting): 503, Retry-After 1 s (1 · 1 s / 2, rounded up).
        assert_eq!(
            st.arrive(&cap, 0.6, s),
            Admission::Refused {
                refusal: Refusal::Unavailable,
                retry_after: Some(1.0)
            }
        );
        // At 1.0 the waiting check started: room again, next free worker at 1.2.
        assert_eq!(st.arrive(&cap, 1.0, s), served(1.2, 2.2));
        assert_eq!(st.waiting_at(1.3), 0);
        assert_eq!(st.arrive(&cap, 5.0, s), served(5.0, 6.0));
    }

    #[test]
    fn outages_refuse_and_unlimited_workers_never_queue() {
        let cap = capacity(None, Some(0));
        let mut st = Station::new(&cap);
        for t in [0.0, 0.0, 0.0] {
            assert_eq!(
                st.arrive(&cap, t, 1.0),
                Admission::Served {
                    start: t,
                    done: t + 1.0
                }
            );
        }
        assert_eq!(cap.outage_at(99.9), None);
        assert_eq!(cap.outage_at(100.0), Some((100.0, 160.0)));
        assert_eq!(cap.outage_at(160.0), None);
        assert_eq!(
            st.arrive(&cap, 120.0, 1.0),
            Admission::Refused {
                refusal: Refusal::Silence,
                retry_after: None
            }
        );
        assert_eq!(cap.last_outage_end(), Some(160.0));
        assert_eq!(
            cap.describe(),
            "unlimited workers, service 1000 ms mean, queue 0 (503 when full), outage 100–160 s (none)"
        );
    }
}
