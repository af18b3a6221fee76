//! The status server's model: latency, injected failures, token-bucket rate
//! limits, the hints it adds to pending answers, and long polling. The
//! discrete-event simulator and the bundled HTTP server (`pollsim serve`,
//! `src/http/server`) both run it: every check is decided by
//! [`ServerModel::admit`], estimates come from [`ServerModel::estimate`], and a
//! check's three draws are keyed by (seed, job, attempt) in both.
//!
//! The rules: failures are drawn before the rate limiter (a failed check takes
//! no token), a bucket holds one second's worth of tokens (at least one) and
//! starts full, a check needs a token from its client's bucket and the global
//! one and neither is charged when one refuses, a 429 carries the whole seconds
//! until a token is free (at least 1), and a pending answer's `Retry-After`
//! hint is the estimated remaining time rounded up, clamped to [1, 86400].
//!
//! With capacity keys ([`Capacity`]: workers, service times, a bounded queue,
//! outages, the clients' request timeout) a check that passes those rules
//! waits for a worker: latency then grows with load.

mod admit;
mod capacity;

pub use admit::{Bucket, Server, Verdict};
pub use capacity::{Admission, Capacity, Refusal, Station};

use super::ModelError;

/// A validated server model. `ServerModel::default()` is the ideal server: no
/// latency, no faults, no limits, no hints, no long polling.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerModel {
    /// Request latency in milliseconds, uniform on `[min, max]`: the time from a
    /// client sending a check to the server answering it.
    pub latency_ms: Option<(f64, f64)>,
    /// Share of checks answered 500.
    pub fail_rate: f64,
    /// Share of checks answered 429 with `Retry-After: 1`, at random.
    pub throttle_rate: f64,
    /// Checks per second allowed per client key (token bucket).
    pub rate_limit: Option<f64>,
    /// Checks per second allowed over all clients (token bucket).
    pub global_rate_limit: Option<f64>,
    /// Pending answers carry `Retry-After`: the estimated remaining time
    /// (noise included), rounded up.
    pub retry_after_hints: bool,
    /// Pending answers carry `progress` and `eta`.
    pub eta_hints: bool,
    /// Relative error of the server's estimate of the remaining time (ETA and
    /// `Retry-After` hints): the estimate is `remaining · (1 + eta_noise · U)`,
    /// U uniform on [-1, 1]. 0 (default): exact.
    pub eta_noise: f64,
    /// Longest time the server holds a long-polled check, seconds. 0: no long polling.
    pub max_wait_s: f64,
    /// Workers, service times, queue, outages and request timeout; `None`
    /// (no capacity key in the config): checks cost the server nothing, and
    /// every result is as it was before capacity existed.
    pub capacity: Option<Capacity>,
}

/// Draws each request takes from its job's server stream, used or not, so that a
/// request's draws are keyed by (seed, job, attempt).
pub const DRAWS_PER_REQUEST: usize = 3;

impl ServerModel {
    /// The HTTP server's default longest hold (`--max-wait`).
    pub const DEFAULT_MAX_WAIT_S: f64 = 60.0;

    /// Checks every rate, latency and limit; the error names the first bad one.
    pub fn validate(self) -> Result<Self, ModelError> {
        for (field, rate) in [
            ("fail_rate", self.fail_rate),
            ("throttle_rate", self.throttle_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(ModelError::new(
                    field,
                    format!("{rate} is not a share in [0, 1]"),
                ));
            }
        }
        if self.fail_rate + self.throttle_rate >= 1.0 {
            return Err(ModelError::new(
                "throttle_rate",
                "fail_rate + throttle_rate is at least 1: no check could succeed",
            ));
        }
        if let Some((min, max)) = self.latency_ms
            && !(min.is_finite() && max.is_finite() && 0.0 <= min && min <= max && max <= 60_000.0)
        {
            return Err(ModelError::new(
                "latency_ms",
                format!("[{min}, {max}] is not a range 0 <= min <= max <= 60000 ms"),
            ));
        }
        for (field, rate) in [
            ("rate_limit", self.rate_limit),
            ("global_rate_limit", self.global_rate_limit),
        ] {
            if let Some(rate) = rate
                && !(rate.is_finite() && rate > 0.0)
            {
                return Err(ModelError::new(
                    field,
                    format!("{rate} is not a positive number of requests per second"),
                ));
            }
        }
        if !(self.eta_noise.is_finite() && (0.0..1.0).contains(&self.eta_noise)) {
            return Err(ModelError::new(
                "eta_noise",
                format!("{} is not a relative error in [0, 1)", self.eta_noise),
            ));
        }
        if self.eta_noise > 0.0 && !(self.eta_hints || self.retry_after_hints) {
            return Err(ModelError::new(
                "eta_noise",
                "has no effect without eta_hints or retry_after_hints: set one, or remove it",
            ));
        }
        if !(self.max_wait_s.is_finite() && (0.0..=86_400.0).contains(&self.max_wait_s)) {
            return Err(ModelError::new(
                "max_wait_s",
                format!(
                    "{} is not a number of seconds in [0, 86400]",
                    self.max_wait_s
                ),
            ));
        }
        // The config layer checks these with its own words; a model built by
        // hand meets the same rules here instead of a panic in the station.
        if let Some(c) = &self.capacity {
            if c.workers == Some(0) {
                return Err(ModelError::new(
                    "workers",
                    "0 workers serve nothing: write workers = 1 or more, or leave it out",
                ));
            }
            if let Some(t) = c.request_timeout
                && !(t.is_finite() && t > 0.0)
            {
                return Err(ModelError::new(
                    "request_timeout",
                    format!("{t} is not a positive number of seconds"),
                ));
            }
        }
        Ok(self)
    }

    /// Whether requests draw random numbers (latency, faults, noisy estimates).
    pub fn draws(&self) -> bool {
        self.latency_ms.is_some_and(|(min, max)| max > min)
            || self.fail_rate > 0.0
            || self.throttle_rate > 0.0
            || self.eta_noise > 0.0
    }

    /// Whether this server answers exactly like the single-job engine assumes:
    /// instantly, always, without hints or holds.
    pub fn is_ideal(&self) -> bool {
        self.latency_ms
            .is_none_or(|(min, max)| min == 0.0 && max == 0.0)
            && self.fail_rate == 0.0
            && self.throttle_rate == 0.0
            && self.rate_limit.is_none()
            && self.global_rate_limit.is_none()
            && !self.retry_after_hints
            && !self.eta_hints
            && self.max_wait_s == 0.0
            && self.capacity.is_none()
    }

    /// Latency in seconds for the uniform draw `u`.
    #[inline]
    pub fn latency(&self, u: f64) -> f64 {
        match self.latency_ms {
            Some((min, max)) => (min + (max - min) * u) * 1e-3,
            None => 0.0,
        }
    }

    /// What a check meets, in a few words: "ideal" when nothing.
    pub fn describe(&self) -> String {
        // 0.07 · 100 is 7.000000000000001: print shares as people write them.
        let pct = |share: f64| format!("{}", (share * 1e6).round() / 1e4);
        let mut parts = Vec::new();
        if let Some((min, max)) = self.latency_ms {
            parts.push(if min == max {
                format!("latency {min} ms")
            } else {
                format!("latency {min}–{max} ms")
            });
        }
        if self.fail_rate > 0.0 {
            parts.push(format!("{}% 500s", pct(self.fail_rate)));
        }
        if self.throttle_rate > 0.0 {
            parts.push(format!("{}% random 429s", pct(self.throttle_rate)));
        }
        if let Some(rate) = self.rate_limit {
            parts.push(format!("{rate}/s per client"));
        }
        if let Some(rate) = self.global_rate_limit {
            parts.push(format!("{rate}/s in all"));
        }
        let noise = if self.eta_noise > 0.0 {
            format!(" (±{}%)", pct(self.eta_noise))
        } else {
            String::new()
        };
        if self.eta_hints {
            parts.push(format!("ETA hints{noise}"));
        }
        if self.retry_after_hints {
            parts.push(format!("Retry-After hints{noise}"));
        }
        if self.max_wait_s > 0.0 {
            parts.push(format!("long polls up to {} s", self.max_wait_s));
        }
        if let Some(capacity) = &self.capacity {
            parts.push(capacity.describe());
        }
        if parts.is_empty() {
            "ideal".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The server's estimate of the remaining time for the uniform draw `u`.
    #[inline]
    pub fn estimate(&self, remaining: f64, u: f64) -> f64 {
        remaining * (1.0 + self.eta_noise * (2.0 * u - 1.0))
    }
}

/// The `Retry-After` of a pending answer whose estimated remaining time is `estimate`.
#[inline]
pub fn retry_after_hint(estimate: f64) -> f64 {
    estimate.ceil().clamp(1.0, 86_400.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let bad = |m: ServerModel| m.validate().unwrap_err().field;
        let base = ServerModel::default();
        assert_eq!(
            bad(ServerModel {
                fail_rate: 1.5,
                ..base.clone()
            }),
            "fail_rate"
        );
        assert_eq!(
            bad(ServerModel {
                latency_ms: Some((50.0, 10.0)),
                ..base.clone()
            }),
            "latency_ms"
        );
        assert_eq!(
            bad(ServerModel {
                global_rate_limit: Some(0.0),
                ..base.clone()
            }),
            "global_rate_limit"
        );
        assert_eq!(
            bad(ServerModel {
                eta_noise: 0.2,
                ..base.clone()
            }),
            "eta_noise"
        );
        let capacity = Capacity {
            workers: Some(0),
            service_ms: None,
            queue: None,
            queue_full: Refusal::Unavailable,
            outages: Vec::new(),
            outage_answer: Refusal::Unavailable,
            request_timeout: None,
        };
        assert_eq!(
            bad(ServerModel {
                capacity: Some(capacity.clone()),
                ..base.clone()
            }),
            "workers"
        );
        assert_eq!(
            bad(ServerModel {
                capacity: Some(Capacity {
                    workers: Some(2),
                    request_timeout: Some(-1.0),
                    ..capacity
                }),
                ..base.clone()
            }),
            "request_timeout"
        );
        assert!(base.clone().validate().unwrap().is_ideal());
        assert_eq!(base.describe(), "ideal");
        let busy = ServerModel {
            latency_ms: Some((10.0, 200.0)),
            fail_rate: 0.07,
            rate_limit: Some(2.0),
            eta_hints: true,
            eta_noise: 0.3,
            max_wait_s: 30.0,
            ..base
        };
        assert_eq!(
            busy.describe(),
            "latency 10–200 ms, 7% 500s, 2/s per client, ETA hints (±30%), long polls up to 30 s"
        );
    }
}
