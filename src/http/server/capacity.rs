//! The server's capacity on the wire: workers, service times, a bounded
//! queue, outages and the clients' request timeout, decided by the
//! simulator's own [`CapacityRun`] (and so by [`crate::sim::server::Station::arrive`])
//! at the job time each status check reaches the server.
//!
//! A check's service time takes the simulator's two draws for its (seed, job,
//! attempt) ([`JobRng::service_for_job`]), so the same check costs the same
//! work in both. The station decides a check's start and end when it arrives;
//! the handler then holds the request until that end (in job time, scaled by
//! the time scale) and answers from the job's state there, as the simulator
//! does. A check its client has given up on still costs the station its
//! work, but its request is hung up (over HTTP/2, its stream reset) at the
//! latest one timeout after the client gave up. Times are job seconds since
//! the run's origin: the instant the load is counted from
//! ([`super::AppState::count_load_from`]), or the server's start.

use crate::rng::JobRng;
use crate::sim::des::{CapacityRun, Fate, OverloadStats};
use crate::sim::server::{Admission, Capacity, Refusal};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the handler does with a check the station decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Seat {
    /// Answer from the job's state at this instant (the end of its service).
    Serve(Instant),
    /// `503`: an outage or a full queue, with the queue's `Retry-After`
    /// (whole job seconds).
    Unavailable {
        /// Whether an outage refused it (else the queue was full).
        outage: bool,
        /// Job seconds until the line ahead drains, rounded up.
        retry_after: Option<f64>,
    },
    /// Close the connection at this instant without an answer.
    HangUp(Instant),
}

/// The station of one server run, shared by its handlers.
pub(super) struct Station {
    run: Mutex<CapacityRun>,
    seed: u64,
    time_scale: f64,
}

impl Station {
    pub(super) fn new(capacity: &Capacity, seed: u64, time_scale: f64) -> Self {
        Self {
            run: Mutex::new(CapacityRun::new(capacity)),
            seed,
            time_scale,
        }
    }

    /// Whether job time `t` falls in an outage.
    pub(super) fn in_outage(&self, t: f64) -> bool {
        self.lock().capacity.outage_at(t).is_some()
    }

    /// Check `attempt` (from 0) of the job keyed `key`, sent at job time
    /// `sent`, reaches the station at `t` (both since `origin`).
    pub(super) fn arrive(
        &self,
        key: u64,
        attempt: u32,
        sent: f64,
        t: f64,
        origin: Instant,
    ) -> Seat {
        let mut rng = JobRng::service_for_job(self.seed, key);
        // Earlier checks' two draws each, as the simulator takes them in order.
        rng.skip(2 * u64::from(attempt));
        let (pick, u) = (rng.unit(), rng.unit());
        let mut run = self.lock();
        let service = run.capacity.service_s(pick, u);
        let at = |job_s: f64| {
            origin + Duration::try_from_secs_f64(job_s * self.time_scale).unwrap_or(Duration::ZERO)
        };
        match run.arrive(t, sent, service) {
            Fate::Answered(done) => {
                run.stats.good += 1;
                Seat::Serve(at(done))
            }
            // The client has stopped waiting. The station still spends the
            // check's work (its queue and latency are unchanged), but the
            // request is hung up (over HTTP/2 its stream reset) at the end
            // of its service or one timeout after the client gave up,
            // whichever is first, rather than held to an answer nobody reads: in a storm those
            // answers lie hours ahead, and holding their sockets would run
            // the process out of file descriptors.
            Fate::TimedOut { gives_up, done } => {
                let grace = run.capacity.request_timeout.unwrap_or(0.0);
                Seat::HangUp(at((gives_up + grace).min(done)))
            }
            Fate::Refused(Admission::Refused {
                refusal,
                retry_after,
            }) => match refusal {
                Refusal::Unavailable => Seat::Unavailable {
                    outage: run.capacity.outage_at(t).is_some(),
                    retry_after,
                },
                Refusal::Drop => Seat::HangUp(Instant::now()),
                Refusal::Silence => {
                    // Silent past the client's timeout (it gives up first),
                    // then closed, so that no request is held for ever.
                    let gives_up = run.silence(sent, t);
                    let grace = run.capacity.request_timeout.unwrap_or(0.0);
                    Seat::HangUp(at(gives_up + grace))
                }
            },
            Fate::Refused(Admission::Served { .. }) => unreachable!("a refusal is refused"),
        }
    }

    /// What the station measured so far.
    pub(super) fn stats(&self) -> OverloadStats {
        self.lock().stats.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CapacityRun> {
        // Every update leaves the run consistent: a poisoned lock still holds it.
        self.run.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Distribution, Fixed};

    #[test]
    fn one_worker_serves_a_burst_one_after_another_and_the_queue_refuses_the_rest() {
        let capacity = Capacity {
            workers: Some(1),
            service_ms: Some(Distribution::Fixed(Fixed::new(500.0).unwrap())),
            queue: Some(2),
            queue_full: Refusal::Unavailable,
            outages: vec![(10.0, 20.0)],
            outage_answer: Refusal::Drop,
            request_timeout: None,
        };
        let station = Station::new(&capacity, 1, 0.1);
        let origin = Instant::now();
        let ms = |m: u64| origin + Duration::from_millis(m);
        // 0.5 job s each at time scale 0.1: 50 ms apart in real time.
        let seats: Vec<Seat> = (0..4)
            .map(|k| station.arrive(k, 0, 1.0, 1.0, origin))
            .collect();
        assert_eq!(
            seats[..3],
            [
                Seat::Serve(ms(150)),
                Seat::Serve(ms(200)),
                Seat::Serve(ms(250))
            ]
        );
        // Two wait: the queue is full; the line drains in 2 · 0.5 s = 1 s.
        assert_eq!(
            seats[3],
            Seat::Unavailable {
                outage: false,
                retry_after: Some(1.0)
            }
        );
        assert!(station.in_outage(10.0) && !station.in_outage(20.0));
        assert!(matches!(
            station.arrive(9, 0, 12.0, 12.0, origin),
            Seat::HangUp(_)
        ));
        let stats = station.stats();
        assert_eq!((stats.served, stats.waited, stats.good), (3, 2, 3));
        assert!(
            (stats.mean_latency() - 1.0).abs() < 1e-12,
            "(0.5 + 1 + 1.5) / 3"
        );
    }

    #[test]
    fn a_check_its_client_gave_up_on_is_hung_up_a_timeout_later_not_held_to_its_answer() {
        let capacity = Capacity {
            workers: Some(1),
            service_ms: Some(Distribution::Fixed(Fixed::new(5000.0).unwrap())),
            queue: None,
            queue_full: Refusal::Unavailable,
            outages: Vec::new(),
            outage_answer: Refusal::Drop,
            request_timeout: Some(1.0),
        };
        let station = Station::new(&capacity, 1, 0.1);
        let origin = Instant::now();
        // Both sent at job time 0: served 0..5 and 5..10, both past their
        // client's 1 s timeout; each is closed at 1 + 1 = 2 job s (200 ms at
        // time scale 0.1), not at 5 or 10.
        let two = origin + Duration::from_millis(200);
        assert_eq!(station.arrive(0, 0, 0.0, 0.0, origin), Seat::HangUp(two));
        assert_eq!(station.arrive(1, 0, 0.0, 0.0, origin), Seat::HangUp(two));
        // The station still spent the work: both served, the second after
        // waiting 5 s, so the mean time at the server is (5 + 10) / 2.
        let stats = station.stats();
        assert_eq!((stats.served, stats.waited, stats.good), (2, 1, 0));
        assert!((stats.mean_latency() - 7.5).abs() < 1e-12);
    }
}
