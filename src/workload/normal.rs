//! Gaussian-based distributions: the normal truncated at zero and the log-normal.
//!
//! Both are sampled by inversion (one uniform draw per job) with `erfc_inv`, and
//! their survival and partial expectation are closed forms in Φ and φ.

use super::{DistributionError, check};
use statrs::function::erf::{erfc, erfc_inv};
use std::f64::consts::{PI, SQRT_2};

/// Standard normal CDF Φ.
pub(crate) fn phi_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// Standard normal density φ.
pub(crate) fn phi_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Inverse of Φ for p in (0, 1).
pub(crate) fn phi_inv(p: f64) -> f64 {
    -SQRT_2 * erfc_inv(2.0 * p)
}

/// A normal distribution conditioned on `D > 0` (truncated, not clamped: no atom at 0).
#[derive(Clone, Debug, PartialEq)]
pub struct TruncatedNormal {
    mean: f64,
    sd: f64,
    /// P(X > 0) of the untruncated normal: the normalizer.
    mass: f64,
}

impl TruncatedNormal {
    /// Fails unless `mean` is finite, `sd` positive, and some mass is left above 0.
    pub fn new(mean: f64, sd: f64) -> Result<Self, DistributionError> {
        check(
            "mean",
            mean,
            mean.is_finite(),
            "must be a number of seconds",
        )?;
        check("sd", sd, sd > 0.0, "must be a positive number of seconds")?;
        let mass = phi_cdf(mean / sd);
        check(
            "mean",
            mean,
            mass > 1e-12,
            "is so far below zero that almost no mass is left after truncating at 0",
        )?;
        Ok(Self { mean, sd, mass })
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        // Inverts through the upper tail, q = P(X > d) · mass, which is accurate where
        // durations are long; q < mass guarantees d > 0.
        let q = (1.0 - u) * self.mass;
        (self.mean - self.sd * phi_inv(q)).max(f64::MIN_POSITIVE)
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        phi_cdf((self.mean - t) / self.sd) / self.mass
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        let alpha = (t - self.mean) / self.sd;
        (self.mean * phi_cdf(-alpha) + self.sd * phi_pdf(alpha)) / self.mass
    }
}

/// `D = median · exp(sigma · Z)`: right-skewed, the usual shape of processing times.
#[derive(Clone, Debug, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// Fails unless `median` and `sigma` are positive.
    pub fn new(median: f64, sigma: f64) -> Result<Self, DistributionError> {
        check(
            "median",
            median,
            median > 0.0,
            "must be a positive number of seconds",
        )?;
        check("sigma", sigma, sigma > 0.0, "must be a positive number")?;
        Ok(Self {
            mu: median.ln(),
            sigma,
        })
    }

    /// The median, `exp(μ)`.
    pub fn median(&self) -> f64 {
        self.mu.exp()
    }

    /// The log-scale standard deviation.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        // Through the upper tail, like the normal, for accuracy at long durations.
        (self.mu - self.sigma * phi_inv(1.0 - u)).exp()
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        phi_cdf((self.mu - t.ln()) / self.sigma)
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        let scale = (self.mu + 0.5 * self.sigma * self.sigma).exp();
        if t <= 0.0 {
            return scale;
        }
        scale * phi_cdf(self.sigma - (t.ln() - self.mu) / self.sigma)
    }
}
