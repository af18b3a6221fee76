//! Evaluates one candidate policy: exactly from the distribution, exactly over the
//! sampled job set, or by simulating that job set.
//!
//! Deterministic policies on the sampled set need no simulation: the sampled
//! durations form an empirical distribution whose S and T are prefix sums, so a
//! schedule costs one binary search per check time, not one replay per job.
//! Every candidate sees the same jobs (common random numbers).

use crate::metrics::{Scoring, Summary};
use crate::policy::PolicySpec;
use crate::sim::exact::{MAX_EXACT_CHECKS, evaluate_times};
use crate::sim::{RunOptions, simulate};
use crate::workload::{Distribution, Empirical, JobSource};

/// Survival below which an unbounded distribution's tail is ignored.
const EXACT_TAIL: f64 = 1e-14;

/// How candidates are evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// From the distribution's S and T where the policy is deterministic, else sampled.
    Exact,
    /// On the sampled job set for every policy.
    Sampled,
}

/// What is minimized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// `c_call·calls + c_delay·delay + c_give_up·P(give up)` per job.
    Cost,
    /// `−(w_hr·HR − w_er·ER)`: the score, maximized.
    Score,
}

/// Filters applied before ranking.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Constraints {
    /// Largest allowed p95 detection delay, seconds.
    pub max_p95_delay: Option<f64>,
    /// Largest allowed mean calls per job.
    pub max_mean_calls: Option<f64>,
    /// Largest allowed share of jobs given up on.
    pub max_give_up_rate: Option<f64>,
}

/// A candidate's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// "exact", "sampled-exact" (deterministic over the sampled set) or "simulated".
    pub method: &'static str,
    /// Mean calls per job.
    pub calls: f64,
    /// Mean detection delay of detected jobs.
    pub delay: f64,
    /// Share of jobs given up on.
    pub give_up: f64,
    /// NaN when not computed (exact evaluations compute it only under a p95 constraint).
    pub p95_delay: f64,
    /// Detected jobs over all calls (HR).
    pub hit_rate: f64,
    /// Mean delay / duration over detected jobs (ER).
    pub efficiency_ratio: f64,
    /// Expected cost per job.
    pub cost: f64,
    /// Standard error of `cost` (0 for exact evaluations): a conservative
    /// `c_call·se(calls) + c_delay·se(delay)`.
    pub cost_se: f64,
    /// `w_hr · HR − w_er · ER`.
    pub score: f64,
}

/// Evaluates candidates on one sampled job set (common random numbers).
pub struct Evaluator {
    /// The workload's duration distribution, for exact evaluation.
    pub distribution: Distribution,
    /// The sampled durations as a distribution.
    sample: Distribution,
    /// Where schedules may stop covering `distribution` and `sample`: computed
    /// once, since for unbounded distributions it is a bisection.
    horizons: (f64, f64),
    source: JobSource,
    jobs: u64,
    seed: u64,
    clients: u64,
    /// Score weights and cost prices.
    pub scoring: Scoring,
    /// Exact where possible, or sampled for every policy.
    pub method: Method,
    /// What is minimized.
    pub objective: Objective,
    /// Filters a candidate must pass to be ranked.
    pub constraints: Constraints,
}

impl Evaluator {
    /// Draws the sampled job set (`jobs` jobs of `source`) once for all candidates.
    pub fn new(
        source: JobSource,
        jobs: u64,
        seed: u64,
        clients: u64,
        scoring: Scoring,
        settings: &super::TuneSettings,
    ) -> Self {
        let (method, objective, constraints) =
            (settings.method, settings.objective, settings.constraints);
        // Every simulated candidate replays these jobs: drawn once, copied after.
        let source = source.cached(jobs);
        let mut durations = Vec::new();
        source.fill(0..jobs, &mut durations);
        let sample = Empirical::new(
            durations
                .iter()
                .map(|j| j.duration.max(f64::MIN_POSITIVE))
                .collect(),
        )
        .map(Distribution::Empirical)
        .expect("a job set has at least one job with a positive duration");
        let distribution = source.workload().distribution.clone();
        let horizons = (distribution.upper(EXACT_TAIL), sample.upper(EXACT_TAIL));
        Self {
            distribution,
            sample,
            horizons,
            source,
            jobs,
            seed,
            clients,
            scoring,
            method,
            objective,
            constraints,
        }
    }

    /// The value minimized (lower is better).
    pub fn objective_of(&self, p: &Point) -> f64 {
        match self.objective {
            Objective::Cost => p.cost,
            Objective::Score => -p.score,
        }
    }

    /// Whether `p` meets every constraint.
    pub fn feasible(&self, p: &Point) -> bool {
        let c = &self.constraints;
        c.max_p95_delay.is_none_or(|m| p.p95_delay <= m)
            && c.max_mean_calls.is_none_or(|m| p.calls <= m)
            && c.max_give_up_rate.is_none_or(|m| p.give_up <= m)
    }

    /// The figures of one candidate, by the cheapest method that is exact enough.
    pub fn evaluate(&self, spec: &PolicySpec) -> Point {
        let deterministic = spec.is_deterministic() && self.objective == Objective::Cost;
        match (deterministic, self.method) {
            (true, Method::Exact) => self.exact(spec, &self.distribution, self.horizons.0, "exact"),
            (true, Method::Sampled) => {
                self.exact(spec, &self.sample, self.horizons.1, "sampled-exact")
            }
            _ => self.simulated(spec),
        }
    }

    fn exact(
        &self,
        spec: &PolicySpec,
        dist: &Distribution,
        horizon: f64,
        method: &'static str,
    ) -> Point {
        let checks = spec
            .check_times(horizon, MAX_EXACT_CHECKS)
            .expect("deterministic policies have check times");
        let e = evaluate_times(&checks.times, checks.gives_up, dist);
        let p95_delay = if self.constraints.max_p95_delay.is_some() {
            delay_quantile(&checks.times, dist, 0.95)
        } else {
            f64::NAN
        };
        let detected = 1.0 - e.give_up;
        let hit_rate = detected / e.calls;
        Point {
            method,
            calls: e.calls,
            delay: e.delay,
            give_up: e.give_up,
            p95_delay,
            hit_rate,
            efficiency_ratio: f64::NAN,
            cost: self.scoring.cost(e.calls, e.delay * detected, e.give_up),
            cost_se: 0.0,
            score: f64::NAN,
        }
    }

    fn simulated(&self, spec: &PolicySpec) -> Point {
        let options = RunOptions {
            clients: self.clients,
            ..RunOptions::default()
        };
        let run = simulate(
            &self.source,
            std::slice::from_ref(spec),
            self.jobs,
            self.seed,
            options,
        );
        let acc = &run.policies[0].accumulator;
        let s = Summary::new(spec.name(), spec.kind(), acc, &self.scoring, None);
        let cost_se = self.scoring.call_price * acc.calls().std_error()
            + self.scoring.delay_price * acc.delay.std_error();
        Point {
            method: "simulated",
            calls: s.calls.mean,
            delay: s.delay.mean,
            give_up: s.given_up as f64 / s.jobs as f64,
            p95_delay: s.delay.p95,
            hit_rate: s.hit_rate,
            efficiency_ratio: s.efficiency_ratio,
            cost: s.cost,
            cost_se,
            score: s.score,
        }
    }
}

/// The `q` quantile of detection delay among detected jobs, exactly:
/// `P(delay > x) = Σ_k [S(t_{k−1}) − S(max(t_{k−1}, t_k − x))]`, inverted by bisection.
pub fn delay_quantile(times: &[f64], dist: &Distribution, q: f64) -> f64 {
    let exceed = |x: f64| -> f64 {
        let mut previous = 0.0f64;
        let mut p = 0.0;
        for &t in times {
            let s_prev = if previous == 0.0 {
                1.0
            } else {
                dist.survival(previous)
            };
            p += (s_prev - dist.survival(previous.max(t - x))).max(0.0);
            previous = t;
        }
        p
    };
    let detected = 1.0 - times.last().map_or(1.0, |&t| dist.survival(t));
    let target = (1.0 - q) * detected;
    let mut hi = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(times.first().copied().unwrap_or(0.0), f64::max);
    let mut lo = 0.0;
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if exceed(mid) > target {
            lo = mid
        } else {
            hi = mid
        }
    }
    hi
}
