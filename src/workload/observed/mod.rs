//! Durations observed by polling a real service: interval-censored data and
//! the distribution estimated from it.
//!
//! # `observed.csv`, format version 1
//! One row per job under the header line, exactly
//! `job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s`
//! (a later version changes the header). RFC 4180 quoting; no comment lines.
//! - `job`: the job's id, any text.
//! - `submitted_s`: seconds from the start of the observation run to the submission.
//! - `last_pending_s`: seconds after submission of the last check that saw the
//!   job pending (0 when the first check already saw it final).
//! - `first_final_s`: seconds after submission of the first check that saw it
//!   final (`completed` or `error`, both final answers); empty when `gave_up`.
//! - `state`: `completed`, `error` or `gave_up`.
//! - `calls`: checks made; `progress`, `eta_s`: the last readings, may be empty.
//!
//! A job's duration `D` lies in `(last_pending_s, first_final_s]`, or in
//! `(last_pending_s, ∞)` when given up on (right-censored).
//!
//! # Estimates
//! - `turnbull` (default): the non-parametric maximum-likelihood estimate
//!   ([`turnbull`]): masses on the Turnbull intervals. Each interval's mass is
//!   spread **uniformly over the interval** (the data cannot say where inside
//!   it jobs ended). The mass of the censored tail `(q, ∞)` is spread uniformly
//!   over `(q, q + w]`, `w` the median width of the finite brackets: the data
//!   say only `D > q`, so any tail is an assumption, and this is the smallest
//!   one that keeps `S(q)` equal to the estimated tail mass, at the resolution
//!   the observer had. It is optimistic; the description states how many jobs
//!   were censored so that a reader can judge.
//! - `lognormal`: the log-normal of maximum interval-censored likelihood ([`fit`]).

pub mod cells;
pub mod fit;
mod pieces;
mod read;
pub mod smooth;
pub mod turnbull;

pub use pieces::{Piece, Pieces};
pub use read::{Bracket, HEADER, State, read};
pub use turnbull::{Npmle, estimate};

use super::{DistributionError, LogNormal};
use std::path::Path;
use std::sync::Arc;

/// How the durations are estimated from the brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The Turnbull NPMLE, mass spread uniformly within each interval.
    Turnbull,
    /// A log-normal by maximum likelihood.
    LogNormal,
}

impl Method {
    /// The config's names.
    pub const NAMES: &'static str = "turnbull, lognormal";

    /// The method named `name` in the config.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "turnbull" => Some(Self::Turnbull),
            "lognormal" => Some(Self::LogNormal),
            _ => None,
        }
    }
}

/// The estimated distribution, ready to sample.
#[derive(Clone, Debug, PartialEq)]
pub enum Estimate {
    /// Uniform pieces from the Turnbull estimate.
    Turnbull(Pieces),
    /// A fitted log-normal.
    LogNormal(LogNormal),
}

/// What the estimate was made from, for reports and the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// One bracket per job, in file order.
    pub brackets: Vec<Bracket>,
    /// The method used.
    pub method: Method,
    /// Iterations of the EM or the simplex.
    pub iterations: usize,
    /// Whether the iteration met its tolerance.
    pub converged: bool,
    /// Median width of the finite brackets, seconds.
    pub median_width: f64,
}

/// A distribution estimated from observed brackets.
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    estimate: Estimate,
    /// Shared: a distribution is cloned into every job source.
    evidence: Arc<Evidence>,
}

impl Observed {
    /// Estimates from brackets (at least one, not all censored: [`read`] checks).
    pub fn new(brackets: Vec<Bracket>, method: Method) -> Result<Self, DistributionError> {
        let median_width = median_width(&brackets)?;
        let npmle = estimate(&brackets);
        let pieces = Pieces::new(
            npmle
                .intervals
                .iter()
                .filter(|i| i.2 > 0.0)
                .map(|&(lo, hi, mass)| Piece {
                    lo,
                    hi: if hi.is_finite() {
                        hi
                    } else {
                        lo + median_width
                    },
                    mass,
                })
                .collect(),
        );
        let (estimate, iterations, converged) = match method {
            Method::Turnbull => (
                Estimate::Turnbull(pieces),
                npmle.iterations,
                npmle.converged,
            ),
            Method::LogNormal => {
                let spread = (quantile_ln(&pieces, 0.8413) - quantile_ln(&pieces, 0.1587)) / 2.0;
                let start = (
                    quantile_ln(&pieces, 0.5),
                    if spread.is_finite() && spread > 0.01 {
                        spread
                    } else {
                        1.0
                    },
                );
                let f = fit::fit(&brackets, start);
                let d = LogNormal::new(f.mu.exp(), f.sigma).map_err(|_| {
                    DistributionError::Invalid(format!(
                        "the log-normal fit failed (median {}, sigma {}): use method = \"turnbull\"",
                        f.mu.exp(),
                        f.sigma
                    ))
                })?;
                (Estimate::LogNormal(d), f.iterations, f.converged)
            }
        };
        Ok(Self {
            estimate,
            evidence: Arc::new(Evidence {
                brackets,
                method,
                iterations,
                converged,
                median_width,
            }),
        })
    }

    /// The estimate on the cells between `knots` ([`cells::histogram`]):
    /// the cell masses those of largest likelihood,
    /// shrunk by `shrink` pseudo-jobs per job toward each job spread
    /// uniformly over its bracket. The cells run where the Turnbull
    /// intervals do: from the last bracket start before the first end
    /// (earlier, no job need have ended), or the first end less the median
    /// width when that is later, to the first end after the last start
    /// (that start plus the median width, as for [`Method::Turnbull`], when
    /// only a censored bracket ends later): at either end, where the data
    /// bound the durations on one side only, the mass is spread over the
    /// resolution the observer had. For
    /// brackets that are each one cell it is the share of jobs in each
    /// cell, as the Turnbull estimate; it says how much mass a cell holds,
    /// not where in it. Within a cell the density is uniform, or on a cell
    /// far longer than most log-linear, following its smoother neighbour
    /// ([`cells::shaped`]).
    pub fn on_cells(
        brackets: Vec<Bracket>,
        knots: &[f64],
        shrink: f64,
        smoothing: f64,
    ) -> Result<Self, DistributionError> {
        let median_width = median_width(&brackets)?;
        // Where the first Turnbull interval starts: the last bracket start
        // before the first end. No job needs to have ended before it.
        let first_end = brackets
            .iter()
            .map(|b| b.high)
            .fold(f64::INFINITY, f64::min);
        let lo = brackets
            .iter()
            .map(|b| b.low)
            .filter(|&l| l < first_end)
            .fold(0.0, f64::max);
        // …but no wider than the median width, as the censored tail: when
        // no bracket starts before the first end (every job was first
        // checked there), the data say nothing of where before it jobs
        // ended, and spread from 0 the cell's mass would be jobs ending at
        // a few seconds that the fitted schedule then checks for.
        let lo = if median_width > 0.0 {
            lo.max(first_end - median_width)
        } else {
            lo
        };
        // Where the last one ends: the first end after the last start (that
        // start plus the median width when a censored bracket has it).
        let last_start = brackets.iter().map(|b| b.low).fold(lo, f64::max);
        let hi = brackets
            .iter()
            .map(|b| b.high)
            .filter(|&h| h > last_start)
            .fold(f64::INFINITY, f64::min);
        let hi = if hi.is_finite() {
            hi
        } else {
            last_start + median_width
        };
        let mut ends: Vec<f64> = std::iter::once(lo)
            .chain(knots.iter().copied().filter(|&k| k > lo && k < hi))
            .chain(std::iter::once(hi))
            .collect();
        ends.dedup();
        // lo < first end ≤ hi, so there is a cell, and every bracket meets it.
        debug_assert!(ends.len() >= 2);
        let h = cells::histogram(&brackets, &ends, shrink, smoothing);
        let pieces: Vec<Piece> = cells::shaped(&ends, &h.masses)
            .into_iter()
            .filter(|p| p.mass > 0.0)
            .collect();
        Ok(Self {
            estimate: Estimate::Turnbull(Pieces::new(pieces)),
            evidence: Arc::new(Evidence {
                brackets,
                method: Method::Turnbull,
                iterations: h.iterations,
                converged: h.converged,
                median_width,
            }),
        })
    }

    /// Reads `observed.csv` and estimates.
    pub fn from_csv(path: &Path, method: Method) -> Result<Self, DistributionError> {
        Self::new(read(path)?, method)
    }

    /// The estimated distribution.
    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// The Turnbull estimate's pieces (none for a parametric fit).
    pub fn pieces(&self) -> Option<&Pieces> {
        match &self.estimate {
            Estimate::Turnbull(p) => Some(p),
            Estimate::LogNormal(_) => None,
        }
    }

    /// What it was estimated from.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// One line for reports: method, jobs, censoring and bracket widths.
    pub fn describe(&self) -> String {
        let e = &self.evidence;
        let n = e.brackets.len();
        let censored = e.brackets.iter().filter(|b| b.censored()).count();
        let method = match (&self.estimate, e.method) {
            (Estimate::LogNormal(d), _) => format!(
                "log-normal maximum likelihood (median {:.4} s, sigma {:.4})",
                d.median(),
                d.sigma()
            ),
            _ => "Turnbull NPMLE".to_string(),
        };
        let mut line = format!(
            "observed: {method} from {n} job{} ({censored} right-censored), brackets median width {} s",
            if n == 1 { "" } else { "s" },
            short(e.median_width)
        );
        if !e.converged {
            line.push_str(&format!(
                ", not converged after {} iterations",
                e.iterations
            ));
        }
        line
    }

    /// The duration at cumulative probability `u`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        match &self.estimate {
            Estimate::Turnbull(d) => d.quantile(u),
            Estimate::LogNormal(d) => d.quantile(u),
        }
    }

    /// Survival `S(t)`.
    pub fn survival(&self, t: f64) -> f64 {
        match &self.estimate {
            Estimate::Turnbull(d) => d.survival(t),
            Estimate::LogNormal(d) => d.survival(t),
        }
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        match &self.estimate {
            Estimate::Turnbull(d) => d.partial_expectation(t),
            Estimate::LogNormal(d) => d.partial_expectation(t),
        }
    }
}

/// The median width of the finite brackets; an error when every one is censored.
fn median_width(brackets: &[Bracket]) -> Result<f64, DistributionError> {
    let mut widths: Vec<f64> = brackets
        .iter()
        .filter(|b| !b.censored())
        .map(|b| b.high - b.low)
        .collect();
    if widths.is_empty() {
        return Err(DistributionError::Invalid(
            "every job was given up on, so no duration was observed".into(),
        ));
    }
    widths.sort_by(f64::total_cmp);
    Ok(widths[widths.len() / 2])
}

/// A number of seconds in at most 4 significant digits, without trailing zeros.
fn short(x: f64) -> String {
    let digits = (3 - x.abs().max(1e-9).log10().floor() as i32).clamp(0, 9) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `ln` of the pieces' quantile at `u`, kept finite when the quantile is 0.
fn quantile_ln(pieces: &Pieces, u: f64) -> f64 {
    pieces.quantile(u).max(1e-6).ln()
}

#[cfg(test)]
mod tests;
