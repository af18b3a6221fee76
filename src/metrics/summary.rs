//! One row of `summary.csv`: a policy's statistics, score and cost, and the
//! exact expectations and server load when they are known.

use super::{Accumulator, Scoring};

/// The summary statistics of one quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean.
    pub ci95: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// The server's load under one policy (the contention simulator's summary figures).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadStats {
    /// Most requests in one second.
    pub peak_rps: f64,
    /// 99th percentile of requests per second (nearest rank over active seconds).
    pub p99_rps: f64,
    /// Requests answered 429.
    pub throttled: u64,
    /// Requests answered 500.
    pub failed: u64,
}

/// The server's capacity figures under one policy (only with capacity keys).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverloadFigures {
    /// Mean time a check spent at the server, waiting plus served, seconds (no network latency).
    pub mean_latency_s: f64,
    /// 99th percentile of that time, seconds.
    pub p99_latency_s: f64,
    /// Answers that carried a status (pending or final) per second of the run.
    pub goodput: f64,
    /// Server time spent on checks whose client had already timed out, seconds.
    pub wasted_work_s: f64,
    /// Server work divided by the work of the same jobs checked once each.
    pub work_amplification: f64,
    /// Seconds from the end of the last outage until queue and latency are
    /// back within 10 % of their level before it; `None` if never within the run
    /// (or no outage).
    pub recovery_s: Option<f64>,
}

/// Exact expectations of a deterministic policy, from the distribution's S and T.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact {
    /// `E[calls]` per job.
    pub calls: f64,
    /// E[delay | detected].
    pub delay: f64,
    /// P(the client gives up).
    pub give_up: f64,
}

/// One row of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Policy name.
    pub policy: String,
    /// Policy family (`constant`, `exponential`, …).
    pub kind: String,
    /// Jobs simulated.
    pub jobs: u64,
    /// Jobs seen completed.
    pub completed: u64,
    /// Jobs seen in the error state.
    pub errors: u64,
    /// Jobs given up on before their final state was seen.
    pub given_up: u64,
    /// Status calls per job, over all jobs.
    pub calls: Stat,
    /// Detection delay in seconds (check time − end), detected jobs.
    pub delay: Stat,
    /// Mean seconds from submission to detection, detected jobs.
    pub detection_time: f64,
    /// Detected jobs over all calls (HR).
    pub hit_rate: f64,
    /// Mean delay / duration over detected jobs (ER).
    pub efficiency_ratio: f64,
    /// `w_hr · HR − w_er · ER`: higher is better.
    pub score: f64,
    /// Expected cost per job at the config's prices: lower is better.
    pub cost: f64,
    /// Exact expectations, for deterministic policies.
    pub exact: Option<Exact>,
    /// The server's load, when the contention simulator ran (see [`Self::with_load`]).
    pub load: Option<LoadStats>,
    /// The server's capacity figures, with capacity keys (see [`Self::with_overload`]).
    pub overload: Option<OverloadFigures>,
}

impl Summary {
    /// Adds the server's capacity figures.
    pub fn with_overload(mut self, overload: OverloadFigures) -> Self {
        self.overload = Some(overload);
        self
    }

    /// Adds the server's load figures.
    pub fn with_load(mut self, load: LoadStats) -> Self {
        self.load = Some(load);
        self
    }

    /// The row of one policy's accumulator, scored and priced by `scoring`.
    pub fn new(
        policy: &str,
        kind: &str,
        acc: &Accumulator,
        scoring: &Scoring,
        exact: Option<Exact>,
    ) -> Self {
        let call_moments = acc.calls();
        let calls = Stat {
            mean: call_moments.mean(),
            ci95: call_moments.ci95(),
            p50: acc.calls_quantile(0.50),
            p95: acc.calls_quantile(0.95),
            p99: acc.calls_quantile(0.99),
            max: call_moments.max(),
        };
        let delay = Stat {
            mean: acc.delay.mean(),
            ci95: acc.delay.ci95(),
            p50: acc.delay_quantile(0.50),
            p95: acc.delay_quantile(0.95),
            p99: acc.delay_quantile(0.99),
            max: if acc.delay.count() > 0 {
                acc.delay.max()
            } else {
                f64::NAN
            },
        };
        let jobs = acc.jobs.max(1) as f64;
        let hit_rate = acc.hit_rate();
        let efficiency_ratio = acc.efficiency_ratio();
        Self {
            policy: policy.to_string(),
            kind: kind.to_string(),
            jobs: acc.jobs,
            completed: acc.completed,
            errors: acc.errors,
            given_up: acc.given_up,
            calls,
            delay,
            detection_time: acc.detection_time_mean(),
            hit_rate,
            efficiency_ratio,
            score: scoring.score(hit_rate, efficiency_ratio),
            cost: scoring.cost(
                calls.mean,
                acc.delay.sum() / jobs,
                acc.given_up as f64 / jobs,
            ),
            exact,
            load: None,
            overload: None,
        }
    }
}
