//! Sans-IO polling policies: observation in, next delay out.
//!
//! A policy never reads a clock, sleeps or does I/O. Its driver — the simulator on
//! a virtual clock, or the HTTP client on tokio time — follows this contract:
//!
//! 1. For each client, build one [`ClientPolicy`] from a validated [`PolicySpec`];
//!    it lives across that client's jobs (so calibrated policies can learn).
//! 2. For each job, start a [`JobPoll`] with the job's hint and ask it for
//!    [`JobPoll::first_check`]: the time (since submission) to send the first check.
//! 3. If the check shows a final state, tell [`JobPoll::on_final`] and stop.
//!    Otherwise hand [`JobPoll::on_reply`] when the check was sent, when its
//!    answer arrived and what it said: it answers with when the next check goes
//!    out ([`send_time`], the one rule every driver uses), or `None`: give up.
//!    Both take the job's client's [`Guards`] (retry quota, throttle, breaker;
//!    `None` when the policy keeps none), and a client with a throttle or a
//!    breaker asks [`JobPoll::consult`] before each send (see [`Guards`]).
//! 4. When the job is over, report it with [`PollPolicy::finished`].
//!
//! Underneath, a family proposes waits through [`JobSchedule`] (the policy's
//! own decision, from the send time of the previous check); `JobPoll` adds
//! the attempt cap and `Retry-After`.
//!
//! Each family is one file: its parameters with their table (name, unit,
//! default, range, meaning: see [`Param`]), its validation, its reading from
//! and writing to the config's TOML, and its per-job steps, with its tests.
//! Adding a family is that file and one line in `registry.rs`; the list of
//! kinds, the plots' units and the README's tables (kept equal by a test)
//! follow from the tables. The capped backoff several families share is one
//! `Growth`.
//!
//! Times are `f64` seconds, not `Duration`: the simulator runs tens of millions of
//! steps per second and the HTTP driver converts at its edge. Randomness (jitter)
//! comes from the driver's [`JobRng`], keyed by (seed, policy, job), so the
//! simulator and the HTTP client give a job the same jitter.
//!
//! ```
//! use pollsim::policy::{JobHint, JobPoll, PolicySpec, Response};
//! let spec = PolicySpec::from_toml(r#"name = "c"
//! kind = "constant"
//! interval = 5.0"#).unwrap();
//! let mut client = spec.client();
//! let mut rng = pollsim::rng::JobRng::for_job(1, 0, 0);
//! let mut job = JobPoll::start(&mut client, &JobHint::default(), 1000);
//! let first = job.first_check(&mut rng).unwrap();
//! let pending = Response::Pending { progress: None, eta: None };
//! // Sent at 5 s, answered at 5.2 s: the next check goes out at 10 s.
//! assert_eq!(job.on_answer(first, first + 0.2, pending, None, &mut rng), Some(10.0));
//! // A 429 asking to retry after 8 s: not before 10.3 + 8.
//! let next = job.on_answer(10.0, 10.3, Response::RateLimited, Some(8.0), &mut rng);
//! assert_eq!(next, Some(18.3));
//! ```

mod calibrated;
mod client;
mod constant;
mod duration_aware;
mod envelope;
mod error;
mod eta_hint;
mod exponential;
mod exponential_decrease;
mod fibonacci;
mod guards;
mod history;
mod jitter;
mod kind;
mod learned;
mod long_poll;
mod manual;
mod oscillating;
mod poll;
mod protect;
mod raw;
mod registry;
mod retry_after;
mod schedule;
mod spec;

pub use calibrated::Calibrated;
pub use client::{ClientPolicy, JobPoller};
pub use constant::Constant;
pub use duration_aware::DurationAware;
pub use envelope::{JobLimits, LIMIT_PARAMS, Limits, MIN_DELAY};
pub use error::{PolicyError, clip};
pub use eta_hint::EtaHint;
pub use exponential::Exponential;
pub use exponential_decrease::ExponentialDecrease;
pub use fibonacci::Fibonacci;
pub use guards::{BreakerParams, Gate, Guards, ThrottleParams};
pub use jitter::Jitter;
pub use kind::{Param, Unit};
pub(crate) use learned::priced;
pub use learned::{GRID_POINTS, KNOT_SHARE, Learned, SHRINK, SMOOTH};
pub use long_poll::LongPoll;
pub use manual::Manual;
pub use oscillating::Oscillating;
pub use poll::{JobPoll, Reply, send_time};
pub use protect::{AdaptiveThrottle, BreakerState, CircuitBreaker, RetryQuota, RetryQuotaParams};
pub use raw::{RawBreaker, RawPolicy, RawRetryBudget, RawThrottle};
pub use registry::{Family, KINDS, limits_markdown_table, markdown_table, param, params};
pub use retry_after::RetryAfter;
pub use schedule::{Schedule, ScheduleEnd};
pub use spec::PolicySpec;

use crate::rng::JobRng;

/// What a status check answered, as the policy sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Response {
    /// The job is still running; the server may add progress (0..1) and an ETA (s).
    Pending {
        /// Share of the job done, 0..1.
        progress: Option<f64>,
        /// Seconds until the final state, as the server estimates.
        eta: Option<f64>,
    },
    /// The server answered with a failure (HTTP 5xx): nothing was learned.
    TransientError,
    /// The check got no answer (connection refused or reset, a timeout):
    /// nothing was learned, and [`JobLimits::max_transport_failures`] in a row
    /// end the job.
    TransportFailure,
    /// The server refused the check (HTTP 429).
    RateLimited,
}

/// One non-final status check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Checks made for this job so far, this one included.
    pub attempt: u32,
    /// Seconds since the job was submitted, when this check was sent (both
    /// drivers, HTTP and simulated, give the send time, not the answer's).
    pub elapsed: f64,
    /// What the check answered.
    pub response: Response,
    /// A `Retry-After` the server sent with this answer, in seconds.
    pub retry_after: Option<f64>,
}

impl Observation {
    /// A plain "pending" answer without server hints.
    pub fn pending(attempt: u32, elapsed: f64) -> Self {
        Self {
            attempt,
            elapsed,
            response: Response::Pending {
                progress: None,
                eta: None,
            },
            retry_after: None,
        }
    }
}

/// What the client knows about a job before polling it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct JobHint {
    /// An approximate duration in seconds (from the job's size, say).
    pub expected: Option<f64>,
}

/// How a job ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobOutcome {
    /// Checks made.
    pub calls: u32,
    /// Elapsed time of the check that saw the final state, or `None` if the client gave up.
    pub seen_at: Option<f64>,
    /// Elapsed time of the last check that still saw the job pending (0 if none).
    pub last_pending: f64,
}

/// A per-client policy: lives across jobs, so it can learn from history.
pub trait PollPolicy {
    /// Its per-job state.
    type Job: JobSchedule;
    /// Fresh per-job state.
    fn start(&mut self, hint: &JobHint) -> Self::Job;
    /// Called once per job when it is over; history-based calibration hooks in here.
    fn finished(&mut self, _outcome: &JobOutcome) {}
}

/// Per-job state. `Some(d)`: check again after `d` seconds. `None`: give up.
pub trait JobSchedule {
    /// Seconds from submission to the first check; `None`: never check.
    fn first_delay(&mut self, rng: &mut JobRng) -> Option<f64>;
    /// Seconds from when the check `obs` was sent to the next; `None`: give up.
    fn next_delay(&mut self, obs: &Observation, rng: &mut JobRng) -> Option<f64>;
}

#[cfg(test)]
mod protect_tests;
#[cfg(test)]
mod tests;
