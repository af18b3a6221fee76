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

/// What the server decided about one check before looking at the job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Answer from the job's state.
    Pass,
    /// 500.
    Fail,
    /// 429 with this `Retry-After`, seconds.
    Throttle(f64),
}

/// A token bucket on the virtual clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at: f64,
}

impl Bucket {
    /// A full bucket for `rate` tokens per second.
    pub fn full(rate: f64) -> Self {
        Self {
            tokens: capacity(rate),
            at: 0.0,
        }
    }

    /// A full bucket at time `t` (one created when its first request arrives).
    pub fn full_at(rate: f64, t: f64) -> Self {
        Self {
            tokens: capacity(rate),
            at: t,
        }
    }

    /// Whether the bucket would be full at `t`: then it can be forgotten.
    pub fn is_full_at(&self, rate: f64, t: f64) -> bool {
        self.tokens + (t - self.at) * rate >= capacity(rate)
    }

    /// Refills to time `t`; returns the seconds until a token is free (0: now).
    #[inline]
    fn refill(&mut self, rate: f64, t: f64) -> f64 {
        // Concurrent HTTP requests may be decided a little out of time order.
        let t = t.max(self.at);
        self.tokens = (self.tokens + (t - self.at) * rate).min(capacity(rate));
        self.at = t;
        if self.tokens >= 1.0 {
            0.0
        } else {
            (1.0 - self.tokens) / rate
        }
    }
}

/// One second's worth of tokens, at least one (as the HTTP server).
#[inline]
fn capacity(rate: f64) -> f64 {
    rate.max(1.0)
}

/// The mutable state of the server during one run: its buckets.
#[derive(Clone, Debug)]
pub struct Server {
    model: ServerModel,
    global: Bucket,
    per_client: Vec<Bucket>,
}

impl Server {
    /// A server with full token buckets, one per client when the rate limit is per client.
    pub fn new(model: ServerModel, clients: u64) -> Self {
        let per_client = match model.rate_limit {
            Some(rate) => vec![Bucket::full(rate); clients as usize],
            None => Vec::new(),
        };
        Self {
            global: Bucket::full(model.global_rate_limit.unwrap_or(1.0)),
            per_client,
            model,
        }
    }

    /// The model it runs.
    pub fn model(&self) -> &ServerModel {
        &self.model
    }

    /// Decides a check arriving at `t` from `client`, with the request's failure draw `u`.
    #[inline]
    pub fn admit(&mut self, t: f64, client: usize, u: f64) -> Verdict {
        let per_client = self.per_client.get_mut(client);
        let global = self
            .model
            .global_rate_limit
            .is_some()
            .then_some(&mut self.global);
        self.model.admit(t, u, per_client, global)
    }
}

impl ServerModel {
    /// Decides a check arriving at `t` with failure draw `u`, against the
    /// caller's client bucket (with `rate_limit`) and global bucket (with
    /// `global_rate_limit`). The simulator and the HTTP server both decide here.
    #[inline]
    pub fn admit(
        &self,
        t: f64,
        u: f64,
        mut per_client: Option<&mut Bucket>,
        mut global: Option<&mut Bucket>,
    ) -> Verdict {
        if u < self.fail_rate {
            return Verdict::Fail;
        }
        if u < self.fail_rate + self.throttle_rate {
            return Verdict::Throttle(1.0);
        }
        // Both buckets must have a token; neither is charged when one refuses.
        let mut wait: f64 = 0.0;
        if let (Some(rate), Some(bucket)) = (self.rate_limit, per_client.as_deref_mut()) {
            wait = wait.max(bucket.refill(rate, t));
        }
        if let (Some(rate), Some(bucket)) = (self.global_rate_limit, global.as_deref_mut()) {
            wait = wait.max(bucket.refill(rate, t));
        }
        if wait > 0.0 {
            // Whole seconds (RFC 9110), rounded up so the token is there.
            return Verdict::Throttle(wait.ceil().max(1.0));
        }
        for bucket in [per_client, global].into_iter().flatten() {
            bucket.tokens -= 1.0;
        }
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refuse_beyond_capacity_and_refill() {
        let model = ServerModel {
            rate_limit: Some(2.0),
            ..ServerModel::default()
        };
        let mut server = Server::new(model, 2);
        assert_eq!(server.admit(0.0, 0, 0.5), Verdict::Pass);
        assert_eq!(server.admit(0.0, 0, 0.5), Verdict::Pass);
        assert_eq!(server.admit(0.0, 0, 0.5), Verdict::Throttle(1.0));
        assert_eq!(
            server.admit(0.0, 1, 0.5),
            Verdict::Pass,
            "keys are separate"
        );
        assert_eq!(server.admit(0.5, 0, 0.5), Verdict::Pass);
        assert_eq!(server.admit(0.5, 0, 0.5), Verdict::Throttle(1.0));
    }

    #[test]
    fn the_global_bucket_is_shared_and_charged_only_on_success() {
        let model = ServerModel {
            rate_limit: Some(1.0),
            global_rate_limit: Some(3.0),
            ..ServerModel::default()
        };
        let mut server = Server::new(model, 4);
        for client in 0..3 {
            assert_eq!(server.admit(0.0, client, 0.5), Verdict::Pass);
        }
        assert_eq!(server.admit(0.0, 3, 0.5), Verdict::Throttle(1.0));
        // Client 0's refusal (its own bucket is empty) took no global token.
        assert_eq!(server.admit(0.4, 0, 0.5), Verdict::Throttle(1.0));
        assert_eq!(server.admit(0.4, 3, 0.5), Verdict::Pass);
        // A slow global limit asks for whole seconds.
        let mut slow = Server::new(
            ServerModel {
                global_rate_limit: Some(0.25),
                ..ServerModel::default()
            },
            1,
        );
        assert_eq!(slow.admit(0.0, 0, 0.5), Verdict::Pass);
        assert_eq!(slow.admit(1.0, 0, 0.5), Verdict::Throttle(3.0));
    }

    #[test]
    fn failures_come_before_the_limiter() {
        let model = ServerModel {
            fail_rate: 0.1,
            throttle_rate: 0.2,
            global_rate_limit: Some(1.0),
            ..ServerModel::default()
        };
        let mut server = Server::new(model, 1);
        assert_eq!(server.admit(0.0, 0, 0.05), Verdict::Fail);
        assert_eq!(server.admit(0.0, 0, 0.25), Verdict::Throttle(1.0));
        assert_eq!(server.admit(0.0, 0, 0.5), Verdict::Pass);
        assert_eq!(retry_after_hint(0.2), 1.0);
        assert_eq!(retry_after_hint(12.1), 13.0);
    }

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
