//! How the server decides a check before looking at the job: the injected
//! failure draw, then the token buckets of the rate limits. The simulator's
//! per-run [`Server`] and the HTTP server's fault injector both decide through
//! [`ServerModel::admit`].

use super::ServerModel;

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
    use crate::sim::server::retry_after_hint;

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
}
