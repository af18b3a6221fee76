//! Running moments: mean, variance and a 95 % interval in one pass, merged
//! in a fixed order so that sums do not depend on the thread count.

/// Running first and second moments with a shift for numerical stability.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    n: u64,
    #[serde(with = "super::bits")]
    shift: f64,
    #[serde(with = "super::bits")]
    sum: f64,
    #[serde(with = "super::bits")]
    sum_sq: f64,
    #[serde(with = "super::bits")]
    max: f64,
}

impl Moments {
    /// Moments of `n` values with these sums about zero (no shift): for exact
    /// integer sums, where no precision is lost.
    pub(super) fn from_sums(n: u64, sum: f64, sum_sq: f64, max: f64) -> Self {
        Self {
            n,
            shift: 0.0,
            sum,
            sum_sq,
            max,
        }
    }

    /// Adds one value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.shift = x;
        }
        let d = x - self.shift;
        self.n += 1;
        self.sum += d;
        self.sum_sq += d * d;
        if x > self.max {
            self.max = x;
        }
    }

    /// Adds `other`'s values, as if they had been added one by one.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        // Re-express the other's sums around our shift: Σ(x − a) = Σ(x − b) + n(b − a).
        let delta = other.shift - self.shift;
        let n = other.n as f64;
        self.sum += other.sum + n * delta;
        self.sum_sq += other.sum_sq + 2.0 * delta * other.sum + n * delta * delta;
        self.n += other.n;
        self.max = self.max.max(other.max);
    }

    /// Values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Sum of the values.
    pub fn sum(&self) -> f64 {
        self.sum + self.n as f64 * self.shift
    }

    /// Mean of the values (NaN when there are none).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.shift + self.sum / self.n as f64
    }

    /// Sample variance.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }

    /// Standard error of the mean.
    pub fn std_error(&self) -> f64 {
        (self.variance() / self.n.max(1) as f64).sqrt()
    }

    /// Half-width of the normal-approximation 95% confidence interval of the mean.
    pub fn ci95(&self) -> f64 {
        1.959_963_984_540_054 * self.std_error()
    }

    /// Largest value (0 when there are none).
    pub fn max(&self) -> f64 {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_merge_equals_one_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| 1e6 + (i as f64 * 0.37).sin() * 3.0)
            .collect();
        let mut whole = Moments::default();
        xs.iter().for_each(|x| whole.add(*x));
        let mut left = Moments::default();
        let mut right = Moments::default();
        xs[..300].iter().for_each(|x| left.add(*x));
        xs[300..].iter().for_each(|x| right.add(*x));
        left.merge(&right);
        assert_eq!(left.count(), 1000);
        assert!((left.mean() - whole.mean()).abs() < 1e-9);
        assert!((left.variance() - whole.variance()).abs() < 1e-9 * whole.variance());
        let mean = xs.iter().sum::<f64>() / 1000.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        assert!((whole.variance() - var).abs() < 1e-6 * var);
    }
}
