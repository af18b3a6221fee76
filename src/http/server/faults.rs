//! Injected faults: random 500s and 429s, added latency, and a per-client rate limit.
//!
//! Draws come from the seeded server stream, record `n` for the `n`-th status
//! check, so a run's fault sequence is reproducible up to request ordering.

use super::config::Faults;
use crate::rng::{Domain, SimRng, seek_record, stream, unit};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What the fault model decided for one status check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Refused; retry after this many job seconds.
    Throttle(u64),
}

/// Keys remembered by the rate limiter at most; beyond it idle keys are dropped.
const MAX_KEYS: usize = 10_000;

pub struct FaultInjector {
    faults: Faults,
    time_scale: f64,
    base: SimRng,
    draws: AtomicU64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl FaultInjector {
    pub fn new(faults: Faults, seed: u64, time_scale: f64) -> Self {
        Self {
            faults,
            time_scale,
            base: stream(seed, Domain::Server, 0),
            draws: AtomicU64::new(0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any fault is configured: the fast path skips everything else.
    pub fn active(&self) -> bool {
        let f = &self.faults;
        f.fail_rate > 0.0
            || f.throttle_rate > 0.0
            || f.latency_ms.is_some()
            || f.rate_limit.is_some()
    }

    /// Draws this check's latency (real time) and random fault.
    pub fn draw(&self) -> (Duration, Verdict) {
        let n = self.draws.fetch_add(1, Ordering::Relaxed);
        let mut rng = self.base.clone();
        seek_record(&mut rng, n, 4);
        let (u, v) = (unit(&mut rng), unit(&mut rng));
        let f = &self.faults;
        let latency = f.latency_ms.map_or(Duration::ZERO, |(min, max)| {
            Duration::from_secs_f64((min + (max - min) * v) / 1e3)
        });
        let verdict = if u < f.fail_rate {
            Verdict::Fail
        } else if u < f.fail_rate + f.throttle_rate {
            Verdict::Throttle(1)
        } else {
            Verdict::Pass
        };
        (latency, verdict)
    }

    /// Takes a token from `key`'s bucket; `Throttle` when it is empty.
    pub fn admit(&self, key: &str, now: Instant) -> Verdict {
        let Some(rate) = self.faults.rate_limit else {
            return Verdict::Pass;
        };
        // Tokens per real second; a bucket holds one job second's worth (at least one).
        let real_rate = rate / self.time_scale;
        let capacity = rate.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            // A full bucket is indistinguishable from a forgotten one.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * real_rate < capacity
            });
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * real_rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Verdict::Pass
        } else {
            let wait_s = (1.0 - bucket.tokens) / rate;
            Verdict::Throttle(wait_s.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_follow_the_rates() {
        let faults = Faults {
            fail_rate: 0.2,
            throttle_rate: 0.1,
            latency_ms: Some((0.0, 50.0)),
            rate_limit: None,
        };
        let f = FaultInjector::new(faults, 1, 1.0);
        let draws: Vec<_> = (0..10_000).map(|_| f.draw()).collect();
        let fails = draws.iter().filter(|d| d.1 == Verdict::Fail).count();
        let throttles = draws.iter().filter(|d| d.1 == Verdict::Throttle(1)).count();
        assert!((1_850..2_150).contains(&fails), "{fails}");
        assert!((880..1_120).contains(&throttles), "{throttles}");
        assert!(draws.iter().all(|d| d.0 <= Duration::from_millis(50)));
        let mean = draws.iter().map(|d| d.0.as_secs_f64()).sum::<f64>() / 1e4;
        assert!((0.024..0.026).contains(&mean), "{mean}");
    }

    #[test]
    fn rate_limit_refuses_beyond_the_bucket_and_refills() {
        let faults = Faults {
            rate_limit: Some(2.0),
            ..Faults::default()
        };
        let f = FaultInjector::new(faults, 1, 1.0);
        let t = Instant::now();
        assert_eq!(f.admit("a", t), Verdict::Pass);
        assert_eq!(f.admit("a", t), Verdict::Pass);
        assert_eq!(f.admit("a", t), Verdict::Throttle(1));
        assert_eq!(f.admit("b", t), Verdict::Pass, "keys are separate");
        assert_eq!(f.admit("a", t + Duration::from_millis(500)), Verdict::Pass);
    }
}
