//! The protections real clients carry against a drowning server, kept per
//! client (across its jobs) and driven with time passed in, like the rest of
//! the envelope: a retry quota as the AWS SDKs keep it, Google SRE's adaptive
//! throttling, and a circuit breaker. Each is a small state machine whose rule
//! is tested by hand below.
//!
//! - [`RetryQuota`] (AWS SDK "standard" retry mode): a bucket of
//!   `initial_capacity` tokens (500); a retry takes `retry_cost` (5), a retry
//!   after a timeout `timeout_retry_cost` (10), and is not made when the bucket
//!   holds less; a success returns what its retry took, or
//!   `no_retry_increment` (1) when it was a first attempt, up to the capacity.
//! - [`AdaptiveThrottle`] (SRE book, "Handling Overload"): over the last
//!   `window` seconds, a request is rejected locally with probability
//!   max(0, (requests − k·accepts) / (requests + 1)), k = 2.
//! - [`CircuitBreaker`]: closed until `failures` failures fall within
//!   `window` seconds; then open (every request rejected locally) for
//!   `open_s`; then half-open: one probe goes out, and its success closes the
//!   breaker, its failure opens it again.

use std::collections::VecDeque;

/// AWS SDK retry quota parameters, named as there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryQuotaParams {
    /// Tokens in a full bucket (and at start). AWS: 500.
    pub initial_capacity: u32,
    /// Tokens a retry takes. AWS: 5.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout takes. AWS: 10.
    pub timeout_retry_cost: u32,
    /// Tokens a success on a first attempt returns. AWS: 1.
    pub no_retry_increment: u32,
}

impl Default for RetryQuotaParams {
    fn default() -> Self {
        Self {
            initial_capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            no_retry_increment: 1,
        }
    }
}

/// One client's retry quota.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryQuota {
    params: RetryQuotaParams,
    tokens: u32,
}

impl RetryQuota {
    /// A full bucket.
    pub fn new(params: RetryQuotaParams) -> Self {
        Self {
            tokens: params.initial_capacity,
            params,
        }
    }

    /// Tokens left.
    pub fn tokens(&self) -> u32 {
        self.tokens
    }

    /// Asks for a retry after a failure (`timeout`: the call timed out): the
    /// tokens taken (to be returned on its success), or `None`: do not retry.
    pub fn acquire(&mut self, timeout: bool) -> Option<u32> {
        let cost = if timeout {
            self.params.timeout_retry_cost
        } else {
            self.params.retry_cost
        };
        if self.tokens < cost {
            return None;
        }
        self.tokens -= cost;
        Some(cost)
    }

    /// A call succeeded; `retry_cost` is what its retry took (`None`: a first attempt).
    pub fn release(&mut self, retry_cost: Option<u32>) {
        let back = retry_cost.unwrap_or(self.params.no_retry_increment);
        self.tokens = self
            .tokens
            .saturating_add(back)
            .min(self.params.initial_capacity);
    }
}

/// Requests and accepts per whole second, over a sliding window.
#[derive(Clone, Debug, PartialEq)]
struct Window {
    seconds: u32,
    /// `(second, requests, accepts)`, oldest first.
    bins: VecDeque<(i64, u64, u64)>,
}

impl Window {
    fn new(seconds: u32) -> Self {
        Self {
            seconds: seconds.max(1),
            bins: VecDeque::new(),
        }
    }

    /// Forgets seconds that left the window at `now`; then (requests, accepts).
    fn totals(&mut self, now: f64) -> (u64, u64) {
        let oldest = now.floor() as i64 - i64::from(self.seconds) + 1;
        while self.bins.front().is_some_and(|b| b.0 < oldest) {
            self.bins.pop_front();
        }
        self.bins
            .iter()
            .fold((0, 0), |(r, a), b| (r + b.1, a + b.2))
    }

    fn add(&mut self, now: f64, requests: u64, accepts: u64) {
        let second = now.floor() as i64;
        match self.bins.back_mut() {
            Some(b) if b.0 == second => {
                b.1 += requests;
                b.2 += accepts;
            }
            _ => self.bins.push_back((second, requests, accepts)),
        }
    }
}

/// Google SRE's client-side adaptive throttling.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptiveThrottle {
    k: f64,
    window: Window,
}

impl AdaptiveThrottle {
    /// With multiplier `k` (SRE: 2) over the last `window` seconds (SRE: 120).
    pub fn new(k: f64, window: u32) -> Self {
        Self {
            k,
            window: Window::new(window),
        }
    }

    /// The probability of rejecting a request at `now`.
    pub fn reject_probability(&mut self, now: f64) -> f64 {
        let (requests, accepts) = self.window.totals(now);
        let r = requests as f64;
        ((r - self.k * accepts as f64) / (r + 1.0)).max(0.0)
    }

    /// A request at `now` with uniform draw `u`: `true` if it may go out.
    /// Every request counts, the ones rejected locally included.
    pub fn allow(&mut self, now: f64, u: f64) -> bool {
        let p = self.reject_probability(now);
        self.window.add(now, 1, 0);
        u >= p
    }

    /// The backend accepted a request (answered it, not a 5xx, 429 or timeout).
    pub fn accepted(&mut self, now: f64) {
        self.window.totals(now);
        self.window.add(now, 0, 1);
    }
}

/// A circuit breaker's state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BreakerState {
    /// Requests go out; failures are counted.
    Closed,
    /// Requests are rejected locally until this time.
    Open {
        /// When the breaker lets a probe through.
        until: f64,
    },
    /// One probe is out; other requests are rejected locally. A probe that
    /// has had no answer for `open_s` counts as lost (its client gave up on
    /// it without a word, say), and the next request goes out as a new one,
    /// so a breaker is never held half-open for ever (resilience4j's
    /// `maxWaitDurationInHalfOpenState`, here `open_s`).
    HalfOpen {
        /// When the probe out now was sent.
        since: f64,
    },
}

/// A circuit breaker (as Polly's and resilience4j's count-based ones, over a time window).
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitBreaker {
    failures: u32,
    window: f64,
    open_s: f64,
    recent: VecDeque<f64>,
    state: BreakerState,
}

impl CircuitBreaker {
    /// Opens after `failures` failures within `window` seconds, probes after `open_s`.
    pub fn new(failures: u32, window: f64, open_s: f64) -> Self {
        Self {
            failures: failures.max(1),
            window,
            open_s,
            recent: VecDeque::new(),
            state: BreakerState::Closed,
        }
    }

    /// The state as last decided (an open breaker turns half-open in
    /// [`Self::allow`], when its time has run out).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a request at `now` may go out.
    pub fn allow(&mut self, now: f64) -> bool {
        match self.state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::HalfOpen { since: now };
                true
            }
            BreakerState::HalfOpen { since } if now >= since + self.open_s => {
                self.state = BreakerState::HalfOpen { since: now };
                true
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen { .. } => false,
        }
    }

    /// The request sent last got an answer (`ok`) or failed, at `now`.
    pub fn record(&mut self, now: f64, ok: bool) {
        match (self.state, ok) {
            (BreakerState::HalfOpen { .. }, true) => {
                self.state = BreakerState::Closed;
                self.recent.clear();
            }
            (BreakerState::HalfOpen { .. }, false) => self.open(now),
            (BreakerState::Closed, false) => {
                self.recent.push_back(now);
                while self.recent.front().is_some_and(|&t| t <= now - self.window) {
                    self.recent.pop_front();
                }
                if self.recent.len() >= self.failures as usize {
                    self.open(now);
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, now: f64) {
        self.state = BreakerState::Open {
            until: now + self.open_s,
        };
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_quota_counts_tokens_as_the_aws_sdks() {
        let mut q = RetryQuota::new(RetryQuotaParams::default());
        assert_eq!(q.tokens(), 500);
        // A 5xx retry takes 5, a timeout retry 10: 485 left.
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.acquire(true), Some(10));
        assert_eq!(q.tokens(), 485);
        // The timeout retry succeeded: its 10 come back; a first-attempt success adds 1.
        q.release(Some(10));
        assert_eq!(q.tokens(), 495);
        q.release(None);
        q.release(None);
        assert_eq!(q.tokens(), 497);
        // Never above the capacity.
        for _ in 0..10 {
            q.release(None);
        }
        assert_eq!(q.tokens(), 500);
        // 500 / 10 = 50 timeout retries empty the bucket; the 51st is refused,
        // and so is a 5xx retry until 5 tokens are back.
        for _ in 0..50 {
            assert!(q.acquire(true).is_some());
        }
        assert_eq!(q.tokens(), 0);
        assert_eq!(q.acquire(true), None);
        assert_eq!(q.acquire(false), None);
        for _ in 0..4 {
            q.release(None);
        }
        assert_eq!(q.acquire(false), None, "4 tokens < 5");
        q.release(None);
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.tokens(), 0);
    }

    #[test]
    fn adaptive_throttling_rejects_with_the_sre_probability() {
        let mut t = AdaptiveThrottle::new(2.0, 10);
        // No history: p = max(0, (0 − 0) / 1) = 0.
        assert_eq!(t.reject_probability(0.0), 0.0);
        // 10 requests, 2 accepted: p = (10 − 2·2) / 11 = 6/11.
        for i in 0..10 {
            assert!(t.allow(0.5, 0.999), "u near 1 always passes");
            if i < 2 {
                t.accepted(0.5);
            }
        }
        assert!((t.reject_probability(1.0) - 6.0 / 11.0).abs() < 1e-12);
        // The draw decides: u below p is rejected (and still counts as a request).
        assert!(!t.allow(1.0, 0.5));
        // 11 requests, 2 accepts: p = (11 − 4) / 12.
        assert!((t.reject_probability(1.0) - 7.0 / 12.0).abs() < 1e-12);
        assert!(t.allow(1.0, 0.6));
        // Accepts at least requests / k: p = 0. 12 requests, 6 accepts.
        for _ in 0..4 {
            t.accepted(2.0);
        }
        assert_eq!(t.reject_probability(2.0), 0.0);
        // Seconds 0..=1 leave the 10 s window at t = 11: only second 2's 4 accepts remain.
        assert_eq!(t.reject_probability(11.0), 0.0);
        assert!(t.allow(11.0, 0.0));
        // At 12.5 second 2 left too: 1 request, none accepted: (1 − 0) / 2.
        assert!((t.reject_probability(12.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn the_breaker_opens_probes_and_closes() {
        let mut b = CircuitBreaker::new(3, 10.0, 30.0);
        assert!(b.allow(0.0));
        b.record(0.0, false);
        b.record(5.0, false);
        // The first failure left the 10 s window at 10: two within it, still closed.
        b.record(10.0, false);
        assert_eq!(b.state(), BreakerState::Closed);
        b.record(12.0, false);
        assert_eq!(b.state(), BreakerState::Open { until: 42.0 });
        assert!(!b.allow(41.9));
        // At 42 one probe goes out; others wait for it.
        assert!(b.allow(42.0));
        assert_eq!(b.state(), BreakerState::HalfOpen { since: 42.0 });
        assert!(!b.allow(42.1));
        // The probe failed: open for another 30 s.
        b.record(43.0, false);
        assert_eq!(b.state(), BreakerState::Open { until: 73.0 });
        assert!(b.allow(80.0));
        b.record(80.5, true);
        assert_eq!(b.state(), BreakerState::Closed);
        // A success while closed changes nothing; counting starts afresh.
        b.record(81.0, false);
        b.record(82.0, false);
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.allow(82.0));
    }

    #[test]
    fn a_probe_unanswered_for_open_s_is_lost_and_another_goes_out() {
        let mut b = CircuitBreaker::new(1, 10.0, 5.0);
        b.record(0.0, false);
        assert_eq!(b.state(), BreakerState::Open { until: 5.0 });
        assert!(b.allow(5.0), "the probe");
        // No word of it: others wait until 5 + 5 = 10, then one goes as a new probe.
        assert!(!b.allow(9.9));
        assert!(b.allow(10.0));
        assert_eq!(b.state(), BreakerState::HalfOpen { since: 10.0 });
        assert!(!b.allow(10.1));
        // Its answer closes the breaker, as the first probe's would have.
        b.record(10.5, true);
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
