//! Job-duration workloads: what the simulator replays and what exact evaluation integrates over.
//!
//! A [`Distribution`] samples durations by inversion from a fixed number of uniform
//! draws (so a job's draws sit at a fixed place in its stream) and offers the exact
//! survival `S(t) = P(D > t)` and partial expectation `T(t) = E[D; D > t]` that the
//! exact evaluator and the optimal schedule are built on. A [`Workload`] adds what a
//! job carries besides its duration: whether it ends in `error`, and an approximate
//! duration hint for policies that use one. Besides the parametric shapes and
//! the empirical distribution of exact durations, [`observed`] estimates one
//! from interval-censored observations of a real service.

mod empirical;
mod jobs;
mod normal;
pub mod observed;
mod parametric;

pub use empirical::{Empirical, read_column};
pub use jobs::{Job, JobSource};
pub use normal::{LogNormal, TruncatedNormal};
pub use observed::Observed;
pub use parametric::{Exponential, Fixed, Uniform};

use crate::rng::{SimRng, open_unit};

/// Problems found while building a distribution; the config layer adds the field path.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DistributionError {
    /// A parameter is out of range.
    #[error("{name} = {value}: {problem}")]
    Parameter {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        problem: &'static str,
    },
    /// Anything else (a CSV file that cannot be read, say).
    #[error("{0}")]
    Invalid(String),
    /// A row of a data file (`observed.csv`) that breaks its format.
    #[error("{}, line {line}: {field}: {problem}", file.display())]
    Row {
        /// The data file.
        file: std::path::PathBuf,
        /// Its line (1-based; 1 is the header).
        line: usize,
        /// The column (or `header`, `row`).
        field: String,
        /// The value, what is wrong and what to write instead.
        problem: String,
    },
}

pub(crate) fn check(
    name: &'static str,
    value: f64,
    ok: bool,
    problem: &'static str,
) -> Result<(), DistributionError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(DistributionError::Parameter {
            name,
            value,
            problem,
        })
    }
}

/// A job-duration distribution over `[0, ∞)` seconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// Every job takes the same time.
    Fixed(Fixed),
    /// Uniform on an interval.
    Uniform(Uniform),
    /// Normal, truncated to positive durations.
    Normal(TruncatedNormal),
    /// Log-normal.
    LogNormal(LogNormal),
    /// Exponential.
    Exponential(Exponential),
    /// A weighted mixture of the others.
    Mixture(Mixture),
    /// Drawn from observed durations.
    Empirical(Empirical),
    /// Estimated from interval-censored observations of a real service.
    Observed(Observed),
}

/// A weighted mixture of plain (non-mixture) distributions.
#[derive(Clone, Debug, PartialEq)]
pub struct Mixture {
    /// Normalized weights, summing to 1.
    weights: Vec<f64>,
    components: Vec<Distribution>,
}

impl Mixture {
    /// Weights need not sum to 1; they are normalized. Components may not be mixtures.
    pub fn new(parts: Vec<(f64, Distribution)>) -> Result<Self, DistributionError> {
        if parts.is_empty() {
            return Err(DistributionError::Invalid(
                "a mixture needs at least one component".into(),
            ));
        }
        let mut total = 0.0;
        for (weight, component) in &parts {
            check(
                "weight",
                *weight,
                *weight > 0.0,
                "must be a positive number",
            )?;
            if matches!(component, Distribution::Mixture(_)) {
                return Err(DistributionError::Invalid(
                    "a mixture component cannot itself be a mixture: list its parts directly"
                        .into(),
                ));
            }
            total += weight;
        }
        let (weights, components) = parts.into_iter().map(|(w, c)| (w / total, c)).unzip();
        Ok(Self {
            weights,
            components,
        })
    }

    /// `(weight, component)` pairs; the weights sum to 1.
    pub fn parts(&self) -> impl Iterator<Item = (f64, &Distribution)> {
        self.weights.iter().copied().zip(&self.components)
    }
}

impl Distribution {
    /// Uniform draws one sample consumes: 2 for a mixture (component, then value), else 1.
    pub fn draws(&self) -> u64 {
        match self {
            Distribution::Mixture(_) => 2,
            _ => 1,
        }
    }

    /// Draws one duration, consuming exactly [`Self::draws`] values from `rng`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            Distribution::Mixture(mixture) => {
                let pick = open_unit(rng);
                let component = mixture.pick(pick);
                component.quantile(open_unit(rng))
            }
            other => other.quantile(open_unit(rng)),
        }
    }

    /// One sample from two uniform draws in (0, 1), `pick` choosing a
    /// mixture's component (unused otherwise) and `u` the value: for drivers
    /// that take a fixed number of draws per item (the server's service times).
    #[inline]
    pub fn sample_units(&self, pick: f64, u: f64) -> f64 {
        match self {
            Distribution::Mixture(mixture) => mixture.pick(pick).quantile(u),
            other => other.quantile(u),
        }
    }

    /// The inverse CDF at `u` in (0, 1), for every plain distribution.
    #[inline]
    fn quantile(&self, u: f64) -> f64 {
        match self {
            Distribution::Fixed(d) => d.value(),
            Distribution::Uniform(d) => d.quantile(u),
            Distribution::Normal(d) => d.quantile(u),
            Distribution::LogNormal(d) => d.quantile(u),
            Distribution::Exponential(d) => d.quantile(u),
            Distribution::Empirical(d) => d.quantile(u),
            Distribution::Observed(d) => d.quantile(u),
            // `sample` picks a mixture's component first, and components are never mixtures.
            Distribution::Mixture(_) => {
                unreachable!("a mixture has no single quantile function here")
            }
        }
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        match self {
            Distribution::Fixed(d) => d.survival(t),
            Distribution::Uniform(d) => d.survival(t),
            Distribution::Normal(d) => d.survival(t),
            Distribution::LogNormal(d) => d.survival(t),
            Distribution::Exponential(d) => d.survival(t),
            Distribution::Empirical(d) => d.survival(t),
            Distribution::Observed(d) => d.survival(t),
            Distribution::Mixture(m) => m.parts().map(|(w, c)| w * c.survival(t)).sum(),
        }
    }

    /// Partial expectation `T(t) = E[D; D > t]` (so `T(0) = E[D]` for a positive D).
    pub fn partial_expectation(&self, t: f64) -> f64 {
        match self {
            Distribution::Fixed(d) => d.partial_expectation(t),
            Distribution::Uniform(d) => d.partial_expectation(t),
            Distribution::Normal(d) => d.partial_expectation(t),
            Distribution::LogNormal(d) => d.partial_expectation(t),
            Distribution::Exponential(d) => d.partial_expectation(t),
            Distribution::Empirical(d) => d.partial_expectation(t),
            Distribution::Observed(d) => d.partial_expectation(t),
            Distribution::Mixture(m) => m.parts().map(|(w, c)| w * c.partial_expectation(t)).sum(),
        }
    }

    /// Mean duration `E[D]`.
    pub fn mean(&self) -> f64 {
        self.partial_expectation(-1.0)
    }

    /// A `t` with `S(t) <= tail`: where a schedule may stop covering the
    /// distribution. Bounded distributions return the end of their support (so
    /// `S = 0` there, whatever `tail`); a mixture returns the largest of its
    /// components' points, where its survival is at most `tail`. Unbounded ones
    /// return the smallest such `t`, by bisection.
    pub fn upper(&self, tail: f64) -> f64 {
        match self {
            Distribution::Fixed(d) => d.value(),
            Distribution::Uniform(d) => d.high(),
            Distribution::Empirical(d) => d.max(),
            Distribution::Observed(d) if d.pieces().is_some() => {
                d.pieces().map_or(0.0, observed::Pieces::max)
            }
            Distribution::Mixture(m) => m
                .components
                .iter()
                .map(|c| c.upper(tail))
                .fold(0.0, f64::max),
            other => {
                // Bisection on the monotone survival: robust for every shape.
                let mut hi = other.mean().max(1.0);
                while other.survival(hi) > tail && hi < 1e15 {
                    hi *= 2.0;
                }
                let mut lo = 0.0;
                for _ in 0..200 {
                    let mid = 0.5 * (lo + hi);
                    if other.survival(mid) > tail {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
        }
    }

    /// Points where the density jumps or has a kink: grids used for exact work put
    /// nodes there.
    pub fn breakpoints(&self) -> Vec<f64> {
        match self {
            Distribution::Fixed(d) => vec![d.value()],
            Distribution::Uniform(d) => vec![d.low(), d.high()],
            Distribution::Empirical(d) => d.values().to_vec(),
            Distribution::Observed(d) => d.pieces().map_or_else(Vec::new, |p| {
                let mut ends: Vec<f64> = p.pieces().iter().flat_map(|p| [p.lo, p.hi]).collect();
                ends.dedup();
                ends
            }),
            Distribution::Mixture(m) => {
                let mut all: Vec<f64> = m.components.iter().flat_map(|c| c.breakpoints()).collect();
                all.sort_by(f64::total_cmp);
                all.dedup();
                all
            }
            _ => Vec::new(),
        }
    }
}

impl Mixture {
    #[inline]
    fn pick(&self, u: f64) -> &Distribution {
        let mut acc = 0.0;
        for (weight, component) in self.weights.iter().zip(&self.components) {
            acc += weight;
            if u < acc {
                return component;
            }
        }
        self.components.last().expect("a mixture is never empty")
    }
}

/// What a job carries besides its duration.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The job-duration distribution.
    pub distribution: Distribution,
    /// Probability that a job ends in `error` rather than `completed`.
    pub error_probability: f64,
    /// When set, each job carries a duration hint `D·(1 + e·U)`, U uniform on [-1, 1].
    pub hint_error: Option<f64>,
    /// Later distributions by the job index they start at (increasing):
    /// a workload that changes (`[[workload.phases]]`). Exact figures and
    /// the optimal schedule describe `distribution`, the first phase.
    pub phases: Vec<Phase>,
}

/// From job `from_job` on, durations follow `distribution`.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// The first job index of the phase.
    pub from_job: u64,
    /// Its duration distribution.
    pub distribution: Distribution,
}

impl Workload {
    /// Fails unless `error_probability` is in `[0, 1]` and `hint_error` in `[0, 1)`.
    pub fn new(
        distribution: Distribution,
        error_probability: f64,
        hint_error: Option<f64>,
    ) -> Result<Self, DistributionError> {
        check(
            "error_probability",
            error_probability,
            (0.0..=1.0).contains(&error_probability),
            "must be a probability in [0, 1]",
        )?;
        if let Some(e) = hint_error {
            check(
                "hint_error",
                e,
                (0.0..1.0).contains(&e),
                "must be a relative error in [0, 1)",
            )?;
        }
        Ok(Self {
            distribution,
            error_probability,
            hint_error,
            phases: Vec::new(),
        })
    }

    /// The workload whose durations follow `phases` from their first jobs on
    /// (job indices strictly increasing and above 0).
    pub fn with_phases(self, phases: Vec<Phase>) -> Result<Self, DistributionError> {
        let mut previous = 0;
        for p in &phases {
            if p.from_job <= previous {
                return Err(DistributionError::Invalid(format!(
                    "phases: from_job = {} is not after {previous}: list phases by increasing from_job, each above 0",
                    p.from_job
                )));
            }
            previous = p.from_job;
        }
        Ok(Self { phases, ..self })
    }

    /// The distribution job `index` is drawn from.
    #[inline]
    pub fn distribution_for(&self, index: u64) -> &Distribution {
        match self.phases.iter().rev().find(|p| index >= p.from_job) {
            Some(p) => &p.distribution,
            None => &self.distribution,
        }
    }
}

#[cfg(test)]
mod tests;
