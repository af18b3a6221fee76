//! `learned`: the cost-optimal schedule, learned from the jobs the client has seen.
//!
//! The optimal schedule needs the duration distribution; a client sees only
//! brackets: a job pending at one check and final at the next. Per client this
//! family keeps the bracket of each of its last `window` jobs (last pending
//! check, first final check; a job given up on is right-censored), and every
//! `refit` jobs it estimates the distribution from them on the cells between
//! the *knots*, the check times at which at least [`KNOT_SHARE`] of the
//! brackets start or end (where the brackets identify the CDF), with
//! [`Observed::on_cells`]: a smoothed NPMLE by the EMS algorithm (Silverman
//! et al. 1990), whose fixed point is the estimate. Each iteration is
//! Turnbull's self-consistency step with the cells for the innermost
//! intervals, shrunk by [`SHRINK`] pseudo-jobs per job toward each job
//! spread over its own bracket, then an edge-preserving smoothing step of
//! strength [`SMOOTH`] ([`crate::workload::observed::smooth`]). Why: the
//! maximum likelihood is degenerate where few brackets reach (three
//! explorers seen done at 10.5 s among hundreds of clips seen done at 15 s
//! leave (10.5, 15] no mass, and the schedule skips 15), and the cells
//! between twenty schedules' checks hold a few jobs each, so the step piles
//! the mass of overlapping brackets into the cell they share, which the
//! next schedule then checks at; smoothing pools neighbours of like density
//! and keeps a sharp edge (the clips' at 15 s). Before the first end and
//! past the last start the mass spans at most the median bracket width
//! (see [`Observed::on_cells`]). On a far longer cell than most the density is
//! log-linear ([`crate::workload::observed::cells::shaped`]): uniform, the
//! films' rising tail on mixed.toml's workload (15–300 s) put mass where no
//! film ends. Then it recomputes the cost-optimal schedule for its prices
//! `call` and `delay_s` with the optimizer's dynamic programme
//! ([`crate::optimize::optimal::grid_optimum`], O(N log N) on a grid of
//! [`GRID_POINTS`] steps plus the estimate's breakpoints). Refits are a pure
//! function of the brackets: a client's jobs are alike at any thread count.
//!
//! - **Before the first fit** it runs the capped backoff `min(cap, initial·factor^k)`.
//! - **After the fitted schedule's last time** the last interval repeats,
//!   growing by `factor` up to `cap` (or itself, if longer): no job is lost.
//! - **Exploration.** The client's `n`-th job explores when
//!   `⌊explore·√(n+1)⌋ > ⌊explore·√n⌋` (a share `explore/(2√n)`): it adds
//!   the midpoint of every interval of the schedule the estimate
//!   puts mass in: more checks on a vanishing share of jobs for brackets
//!   half as wide where jobs end. Off by default: with the smoothed
//!   estimate it cost more than it bought on the tests' three workloads (16
//!   seeds, rates 0.25–1), as refits move the checks anyway.
//! - **Following a change.** Only the last `window` brackets are kept, so
//!   `window` jobs after the workload changes the estimate is the new one's.

use super::error::{PolicyError, growth, require, seconds};
use super::history::History;
use super::kind::{Growth, JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use super::spec::PolicySpec;
use super::{Family, JobOutcome, Observation};
use crate::metrics::Scoring;
use crate::optimize::optimal::grid_optimum;
use crate::rng::JobRng;
use crate::workload::Distribution;
use crate::workload::observed::{Bracket, Observed};
use std::collections::VecDeque;
use std::sync::Arc;

/// Grid steps of the dynamic programme at each refit (plus the estimate's breakpoints).
pub const GRID_POINTS: usize = 1000;

/// Learns the cost-optimal schedule from the client's own brackets.
#[derive(Clone, Debug, PartialEq)]
pub struct Learned {
    /// Price of one check; `None`: the config's `[metrics.prices]`, else 1.
    pub call: Option<f64>,
    /// Price of one second of delay; `None`: the config's `[metrics.prices]`, else 0.1.
    pub delay_s: Option<f64>,
    /// Jobs between two refits. Default 50.
    pub refit: usize,
    /// Jobs remembered. Default 1000.
    pub window: usize,
    /// Exploration rate (see the module doc). Default 0.
    pub explore: f64,
    /// First interval of the initial backoff, seconds. Default 1.
    pub initial: f64,
    /// Growth per check of the backoff. Default 2.
    pub factor: f64,
    /// Longest interval of the backoff, seconds. Default 60.
    pub cap: f64,
}

impl Learned {
    /// Default `refit`, jobs.
    pub const DEFAULT_REFIT: usize = 50;
    /// Default `window`, jobs.
    pub const DEFAULT_WINDOW: usize = 1000;
    /// Default `explore`.
    pub const DEFAULT_EXPLORE: f64 = 0.0;

    /// The family with every default: prices from `Scoring::default()` until
    /// [`Self::priced`] fills them.
    pub fn new() -> Self {
        Self {
            call: None,
            delay_s: None,
            refit: Self::DEFAULT_REFIT,
            window: Self::DEFAULT_WINDOW,
            explore: Self::DEFAULT_EXPLORE,
            initial: 1.0,
            factor: 2.0,
            cap: 60.0,
        }
    }

    /// Checks every parameter; the error names the first bad one.
    pub fn validate(self) -> Result<Self, PolicyError> {
        for (field, price) in [("call", self.call), ("delay_s", self.delay_s)] {
            if let Some(p) = price {
                require(field, p, p >= 0.0, "is not a price: write a number ≥ 0")?;
            }
        }
        if self.refit == 0 {
            return Err(PolicyError::new(
                "refit",
                "0 jobs: refit after at least one job (1 refits after every job)",
            ));
        }
        if self.window == 0 {
            return Err(PolicyError::new(
                "window",
                "0 jobs: must remember at least one job",
            ));
        }
        require(
            "explore",
            self.explore,
            self.explore >= 0.0,
            "is not an exploration rate: write a number ≥ 0 (0 never explores)",
        )?;
        seconds("initial", self.initial)?;
        growth("factor", self.factor)?;
        seconds("cap", self.cap)?;
        Ok(self)
    }

    /// The prices the schedule is optimized for: its own, else `scoring`'s.
    pub fn priced(&self, scoring: &Scoring) -> Self {
        Self {
            call: Some(self.call.unwrap_or(scoring.call_price)),
            delay_s: Some(self.delay_s.unwrap_or(scoring.delay_price)),
            ..self.clone()
        }
    }

    fn scoring(&self) -> Scoring {
        let defaults = Scoring::default();
        Scoring {
            call_price: self.call.unwrap_or(defaults.call_price),
            delay_price: self.delay_s.unwrap_or(defaults.delay_price),
            ..defaults
        }
    }

    /// Whether the client's `n`-th job (from 0) explores.
    pub fn explores(&self, n: u64) -> bool {
        let e = self.explore;
        (e * ((n + 1) as f64).sqrt()).floor() > (e * (n as f64).sqrt()).floor()
    }

    /// The schedule fitted to `brackets`, or `None` when none was seen final.
    pub(crate) fn fit(&self, brackets: &[Bracket], knots: &[f64]) -> Option<Fit> {
        let observed = Observed::on_cells(brackets.to_vec(), knots, SHRINK, SMOOTH).ok()?;
        let start = observed.pieces()?.pieces().first()?.lo;
        let dist = Distribution::Observed(observed);
        let (times, _, _) = grid_optimum(&dist, &self.scoring(), GRID_POINTS);
        let last = *times.last()?;
        let before = if times.len() > 1 {
            times[times.len() - 2]
        } else {
            0.0
        };
        // Midpoints of the intervals the estimate puts mass in.
        let mut dense = Vec::with_capacity(2 * times.len());
        let mut previous = start.min(times[0]);
        for &t in &times {
            if previous < t && dist.survival(previous) > dist.survival(t) {
                dense.push(0.5 * (previous + t));
            }
            dense.push(t);
            previous = t;
        }
        Some(Fit {
            times,
            dense,
            tail: last - before,
        })
    }

    /// Fresh per-job steps from what the client remembers.
    pub(crate) fn steps(&self, memory: &Memory) -> LearnedSteps {
        match &memory.fit {
            Some(fit) => LearnedSteps {
                dense: self.explores(memory.jobs),
                fit: Some(Arc::clone(fit)),
                next: 0,
                growth: Growth::new(fit.tail, self.factor, self.cap.max(fit.tail)),
            },
            None => LearnedSteps {
                fit: None,
                dense: false,
                next: 0,
                growth: Growth::new(self.initial, self.factor, self.cap),
            },
        }
    }

    /// Remembers a finished job's bracket; refits every `refit` jobs.
    pub(crate) fn learn(&self, memory: &mut Memory, outcome: &JobOutcome) {
        memory.jobs += 1;
        let high = outcome.seen_at.unwrap_or(f64::INFINITY);
        // A bracket that says nothing (no check before the end) is not kept.
        if high > outcome.last_pending {
            if memory.brackets.len() >= self.window {
                memory.brackets.pop_front();
            }
            memory.brackets.push_back(Bracket {
                low: outcome.last_pending,
                high,
            });
        }
        memory.since_refit += 1;
        if memory.since_refit >= self.refit {
            memory.since_refit = 0;
            let brackets: Vec<Bracket> = memory.brackets.iter().copied().collect();
            let knots = knots(&brackets);
            if let Some(fit) = self.fit(&brackets, &knots) {
                memory.fit = Some(Arc::new(fit));
            }
        }
    }
}

impl Default for Learned {
    fn default() -> Self {
        Self::new()
    }
}

/// The check times at which many remembered brackets start or end: where
/// the brackets identify the CDF (at least [`KNOT_SHARE`] of them, and 3).
fn knots(brackets: &[Bracket]) -> Vec<f64> {
    let mut ends: Vec<f64> = brackets
        .iter()
        .flat_map(|b| [b.low, b.high])
        .filter(|t| t.is_finite() && *t > 0.0)
        .collect();
    ends.sort_by(f64::total_cmp);
    let least = ((brackets.len() as f64 * KNOT_SHARE).ceil() as usize).max(3);
    let mut knots = Vec::new();
    for run in ends.chunk_by(|a, b| a == b) {
        if run.len() >= least {
            knots.push(run[0]);
        }
    }
    knots
}

/// Share of the brackets that must start or end at a time for it to be a knot.
pub const KNOT_SHARE: f64 = 0.003;

/// Pseudo-jobs per job by which the estimate is shrunk toward each job
/// spread over its own bracket ([`Observed::on_cells`]). Over 16 seeds of the
/// tests' three workloads (before the smoothing), 0.5 came out best of 0,
/// 0.1, 0.2, 0.35, 0.5 and 1 on each (mean cost over jobs 1,000–1,199).
pub const SHRINK: f64 = 0.5;

/// Strength of the smoothing step, the most it allows: over 16 seeds of the
/// tests' three workloads ahead of 0.25, 0.5, 0.75 and of two or four steps.
pub const SMOOTH: f64 = 1.0;

/// Fills the prices of every `learned` policy that sets none from the
/// config's `[metrics.prices]`.
pub(crate) fn priced(policies: Vec<PolicySpec>, scoring: &Scoring) -> Vec<PolicySpec> {
    policies
        .into_iter()
        .map(|spec| match spec.family() {
            Family::Learned(l) => PolicySpec::new(
                spec.name(),
                Family::Learned(l.priced(scoring)),
                *spec.limits(),
            )
            .expect("only the prices changed, to validated ones"),
            _ => spec,
        })
        .collect()
}

/// A fitted schedule: shared by the jobs that run it.
#[derive(Debug, PartialEq)]
pub(crate) struct Fit {
    /// The cost-optimal check times for the estimate.
    pub(crate) times: Vec<f64>,
    /// The same with the midpoints an exploring job adds.
    pub(crate) dense: Vec<f64>,
    /// The last interval, repeated (and grown) after the last time.
    tail: f64,
}

/// What one client remembers: its brackets and the schedule fitted to them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memory {
    brackets: VecDeque<Bracket>,
    /// Jobs finished.
    jobs: u64,
    since_refit: usize,
    fit: Option<Arc<Fit>>,
}

/// One job's checks: the fitted times (or the dense ones), then the tail; or
/// the initial backoff before any fit.
#[derive(Clone, Debug)]
pub(crate) struct LearnedSteps {
    fit: Option<Arc<Fit>>,
    dense: bool,
    next: usize,
    growth: Growth,
}

impl LearnedSteps {
    #[inline]
    fn next(&mut self) -> f64 {
        if let Some(fit) = &self.fit {
            let times = if self.dense { &fit.dense } else { &fit.times };
            let i = self.next;
            if let Some(&t) = times.get(i) {
                self.next += 1;
                return t - if i == 0 { 0.0 } else { times[i - 1] };
            }
        }
        self.growth.next()
    }
}

impl Step for LearnedSteps {
    #[inline]
    fn step(&mut self, _obs: Option<&Observation>, _rng: &mut JobRng) -> Option<f64> {
        Some(self.next())
    }
}

impl Kind for Learned {
    const KIND: &'static str = "learned";
    const DOC: &'static str = "learns across jobs: the cost-optimal schedule for `call` and `delay_s` of the interval-censored estimate (Turnbull's algorithm on the knots' cells, shrunk toward each job spread over its bracket and smoothed between neighbours of like density) of the client's last `window` brackets, refitted every `refit` jobs; a share `explore/(2√n)` of jobs adds midpoints where the estimate has mass; before the first fit `min(cap, initial·factor^k)`, after the last time the last interval grows by `factor` to `cap`";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "call",
            unit: Unit::Ratio,
            default: None,
            range: "≥ 0; default `[metrics.prices]` `call`",
            doc: "price of one check",
        },
        Param {
            name: "delay_s",
            unit: Unit::Ratio,
            default: None,
            range: "≥ 0; default `[metrics.prices]` `delay_s`",
            doc: "price of a second of delay",
        },
        Param {
            name: "refit",
            unit: Unit::Jobs,
            default: Some("50"),
            range: "≥ 1",
            doc: "jobs between refits",
        },
        Param {
            name: "window",
            unit: Unit::Jobs,
            default: Some("1000"),
            range: "≥ 1",
            doc: "brackets remembered",
        },
        Param {
            name: "explore",
            unit: Unit::Ratio,
            default: Some("0"),
            range: "≥ 0",
            doc: "about `explore·√n` of the first n jobs check densely",
        },
        Param {
            name: "initial",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first interval before the first fit",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("2"),
            range: "≥ 1",
            doc: "backoff growth (before the first fit, after the last time)",
        },
        Param {
            name: "cap",
            unit: Unit::Seconds,
            default: Some("60"),
            range: "> 0",
            doc: "longest backoff interval",
        },
    ];
    type Steps = LearnedSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        let d = Self::new();
        Self {
            call: raw.call,
            delay_s: raw.delay_s,
            refit: raw.refit.unwrap_or(d.refit),
            window: raw.window.unwrap_or(d.window),
            explore: raw.explore.unwrap_or(d.explore),
            initial: raw.initial.unwrap_or(d.initial),
            factor: raw.factor.unwrap_or(d.factor),
            cap: raw.cap.unwrap_or(d.cap),
        }
        .validate()
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.call = self.call;
        raw.delay_s = self.delay_s;
        raw.refit = Some(self.refit);
        raw.window = Some(self.window);
        raw.explore = Some(self.explore);
        raw.initial = Some(self.initial);
        raw.factor = Some(self.factor);
        raw.cap = Some(self.cap);
    }

    fn steps(&self, start: &JobStart<'_>) -> LearnedSteps {
        Learned::steps(self, &start.history.learned)
    }

    fn is_deterministic(&self) -> bool {
        false
    }

    fn learns(&self) -> bool {
        true
    }

    fn finished(&self, history: &mut History, outcome: &JobOutcome) {
        self.learn(&mut history.learned, outcome);
    }
}

#[cfg(test)]
mod tests;
