//! What a status check meets before the job is read: latency, injected 500s and
//! 429s, and the per-client and global rate limits, decided as the simulator
//! decides them ([`ServerModel::admit`]).
//!
//! A check's random draws are keyed by (seed, job, attempt), the simulator's
//! keys: the job's draw key (the simulator's job index when the client sent
//! one) and the number of checks of that job before it. The same job checked
//! the same way meets the same latency and the same failures in both, whatever
//! order the server receives requests in. Only the rate limiters depend on
//! arrival order. Times are job seconds since the server started.

use crate::rng::JobRng;
use crate::sim::ServerModel;
use crate::sim::server::Verdict;
use crate::sim::server::{Bucket, DRAWS_PER_REQUEST};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One check's random draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Draws {
    /// Real time to wait before deciding the check.
    pub latency: Duration,
    /// Decides 500 / random 429 ([`ServerModel::admit`]).
    pub failure: f64,
    /// The error of the server's estimate of the remaining time ([`ServerModel::estimate`]).
    pub noise: f64,
}

/// Keys remembered by the rate limiter at most; beyond it idle keys are dropped.
const MAX_KEYS: usize = 10_000;

pub(super) struct FaultInjector {
    model: ServerModel,
    seed: u64,
    time_scale: f64,
    started: Instant,
    limits: Mutex<Limits>,
}

struct Limits {
    per_client: HashMap<String, Bucket>,
    global: Bucket,
}

impl FaultInjector {
    pub(super) fn new(model: ServerModel, seed: u64, time_scale: f64, started: Instant) -> Self {
        Self {
            limits: Mutex::new(Limits {
                per_client: HashMap::new(),
                global: Bucket::full(model.global_rate_limit.unwrap_or(1.0)),
            }),
            model,
            seed,
            time_scale,
            started,
        }
    }

    /// Whether a check can meet anything but an instant answer: the fast path
    /// skips the rest.
    pub(super) fn active(&self) -> bool {
        let m = &self.model;
        m.draws()
            || m.latency_ms.is_some_and(|(min, _)| min > 0.0)
            || m.rate_limit.is_some()
            || m.global_rate_limit.is_some()
    }

    /// Whether the decision needs the client's rate-limit key.
    pub(super) fn keyed(&self) -> bool {
        self.model.rate_limit.is_some()
    }

    /// Job seconds since the server started.
    pub(super) fn job_time(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.started).as_secs_f64() / self.time_scale
    }

    /// The draws of check `attempt` (from 0) of the job keyed `key`.
    pub(super) fn draw(&self, key: u64, attempt: u32) -> Draws {
        let mut rng = JobRng::server_for_job(self.seed, key);
        // Earlier checks' draws, used or not: the simulator takes them in order.
        rng.skip(u64::from(attempt) * DRAWS_PER_REQUEST as u64);
        let [latency, failure, noise]: [f64; DRAWS_PER_REQUEST] =
            std::array::from_fn(|_| rng.unit());
        Draws {
            latency: Duration::try_from_secs_f64(self.model.latency(latency) * self.time_scale)
                .unwrap_or(Duration::ZERO),
            failure,
            noise,
        }
    }

    /// Decides a check from `client` at `now` with failure draw `failure`.
    pub(super) fn admit(&self, client: &str, now: Instant, failure: f64) -> Verdict {
        let t = self.job_time(now);
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        let Limits { per_client, global } = &mut *limits;
        let bucket = match self.model.rate_limit {
            Some(rate) => {
                if per_client.len() >= MAX_KEYS && !per_client.contains_key(client) {
                    // A full bucket is indistinguishable from a forgotten one.
                    per_client.retain(|_, b| !b.is_full_at(rate, t));
                    if per_client.len() >= MAX_KEYS {
                        per_client.clear();
                    }
                }
                Some(
                    per_client
                        .entry(client.to_string())
                        .or_insert_with(|| Bucket::full_at(rate, t)),
                )
            }
            None => None,
        };
        let global = self.model.global_rate_limit.is_some().then_some(global);
        self.model.admit(t, failure, bucket, global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injector(model: ServerModel) -> FaultInjector {
        FaultInjector::new(model.validate().unwrap(), 1, 1.0, Instant::now())
    }

    #[test]
    fn shares_follow_the_rates() {
        let f = injector(ServerModel {
            fail_rate: 0.2,
            throttle_rate: 0.1,
            latency_ms: Some((0.0, 50.0)),
            ..ServerModel::default()
        });
        let now = Instant::now();
        let draws: Vec<_> = (0..10_000).map(|job| f.draw(job, 0)).collect();
        let verdicts: Vec<_> = draws.iter().map(|d| f.admit("a", now, d.failure)).collect();
        let fails = verdicts.iter().filter(|v| **v == Verdict::Fail).count();
        let throttles = verdicts
            .iter()
            .filter(|v| **v == Verdict::Throttle(1.0))
            .count();
        assert!((1_850..2_150).contains(&fails), "{fails}");
        assert!((880..1_120).contains(&throttles), "{throttles}");
        assert!(draws.iter().all(|d| d.latency <= Duration::from_millis(50)));
        let mean = draws.iter().map(|d| d.latency.as_secs_f64()).sum::<f64>() / 1e4;
        assert!((0.024..0.026).contains(&mean), "{mean}");
    }

    #[test]
    fn a_checks_draws_are_the_simulators_for_its_job_and_attempt() {
        let model = ServerModel {
            fail_rate: 0.1,
            latency_ms: Some((10.0, 30.0)),
            ..ServerModel::default()
        };
        let f = FaultInjector::new(model.clone(), 9, 0.5, Instant::now());
        let mut sim = JobRng::server(9);
        sim.load(&mut JobRng::server_bulk(9, 42), 42);
        // 20 checks: past the first window of draws, into the overflow stream.
        for attempt in 0..20 {
            let [l, u, n]: [f64; 3] = std::array::from_fn(|_| sim.unit());
            let d = f.draw(42, attempt);
            assert_eq!((d.failure, d.noise), (u, n), "attempt {attempt}");
            let real = model.latency(l) * 0.5;
            assert!((d.latency.as_secs_f64() - real).abs() < 1e-9);
        }
        assert_ne!(f.draw(43, 0), f.draw(42, 0));
    }

    #[test]
    fn rate_limits_refuse_beyond_the_bucket_and_refill() {
        let f = injector(ServerModel {
            rate_limit: Some(2.0),
            global_rate_limit: Some(3.0),
            ..ServerModel::default()
        });
        let t = f.started;
        assert_eq!(f.admit("a", t, 0.5), Verdict::Pass);
        assert_eq!(f.admit("a", t, 0.5), Verdict::Pass);
        assert_eq!(f.admit("a", t, 0.5), Verdict::Throttle(1.0));
        assert_eq!(f.admit("b", t, 0.5), Verdict::Pass, "keys are separate");
        // The global bucket (3) is empty now, whatever the key.
        assert_eq!(f.admit("c", t, 0.5), Verdict::Throttle(1.0));
        let later = t + Duration::from_millis(500);
        assert_eq!(f.admit("a", later, 0.5), Verdict::Pass);
    }
}
