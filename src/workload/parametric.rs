//! Closed-form distributions: fixed, uniform (`x ± rand(y)`) and exponential.

use super::{DistributionError, check};

/// Every job takes exactly `value` seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Fixed {
    value: f64,
}

impl Fixed {
    /// Fails unless `value` is positive.
    pub fn new(value: f64) -> Result<Self, DistributionError> {
        check(
            "value",
            value,
            value > 0.0,
            "must be a positive number of seconds",
        )?;
        Ok(Self { value })
    }

    /// The duration, seconds.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t < self.value { 1.0 } else { 0.0 }
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        if t < self.value { self.value } else { 0.0 }
    }
}

/// `base ± rand(spread)`: uniform on `[base − spread, base + spread]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Uniform {
    low: f64,
    high: f64,
}

impl Uniform {
    /// Fails unless `0 <= spread <= base` and `base > 0`.
    pub fn new(base: f64, spread: f64) -> Result<Self, DistributionError> {
        check(
            "base",
            base,
            base > 0.0,
            "must be a positive number of seconds",
        )?;
        check(
            "spread",
            spread,
            spread >= 0.0,
            "must be zero or a positive number of seconds",
        )?;
        check(
            "spread",
            spread,
            spread <= base,
            "must not exceed base: base - spread would be a negative duration",
        )?;
        Ok(Self {
            low: base - spread,
            high: base + spread,
        })
    }

    /// Uniform on `[low, high]` directly.
    pub fn between(low: f64, high: f64) -> Result<Self, DistributionError> {
        check("low", low, low >= 0.0, "must be zero or more seconds")?;
        check("high", high, high > low, "must be larger than low")?;
        Ok(Self { low, high })
    }

    /// Shortest duration, seconds.
    pub fn low(&self) -> f64 {
        self.low
    }

    /// Longest duration, seconds.
    pub fn high(&self) -> f64 {
        self.high
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        self.low + u * (self.high - self.low)
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t < self.low {
            1.0
        } else if t < self.high {
            (self.high - t) / (self.high - self.low)
        } else {
            0.0
        }
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        let from = t.max(self.low);
        if from >= self.high {
            return 0.0;
        }
        if self.high == self.low {
            return self.low;
        }
        (self.high * self.high - from * from) / (2.0 * (self.high - self.low))
    }
}

/// Exponential durations with the given mean (memoryless: the hardest case to poll).
#[derive(Clone, Debug, PartialEq)]
pub struct Exponential {
    mean: f64,
}

impl Exponential {
    /// Fails unless `mean` is positive.
    pub fn new(mean: f64) -> Result<Self, DistributionError> {
        check(
            "mean",
            mean,
            mean > 0.0,
            "must be a positive number of seconds",
        )?;
        Ok(Self { mean })
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        -self.mean * (1.0 - u).ln()
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t <= 0.0 {
            1.0
        } else {
            (-t / self.mean).exp()
        }
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        (t + self.mean) * (-t / self.mean).exp()
    }
}
