//! The log-normal fitted by maximum likelihood to interval-censored durations.
//!
//! The log-likelihood is `Σ_i ln(F(R_i) − F(L_i))` with `F` the log-normal CDF
//! (`F(0) = 0`, `F(∞) = 1`), maximised over `(μ, ln σ)` by Nelder–Mead
//! (reflection 1, expansion 2, contraction ½, shrink ½) from the Turnbull
//! estimate's median and spread. It stops when the simplex's values agree to
//! [`TOLERANCE`] and its points to [`TOLERANCE`] in both coordinates, or after
//! [`MAX_ITERATIONS`]. Identical brackets are merged with a count first.

use super::super::normal::phi_cdf;
use super::read::Bracket;

/// Stopping tolerance of the simplex (log-likelihood per job, and parameters).
pub const TOLERANCE: f64 = 1e-10;
/// The most Nelder–Mead steps.
pub const MAX_ITERATIONS: usize = 5_000;

/// The fitted parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// `ln` of the median.
    pub mu: f64,
    /// Log-scale standard deviation.
    pub sigma: f64,
    /// Nelder–Mead steps taken.
    pub iterations: usize,
    /// Whether the simplex met the tolerance.
    pub converged: bool,
}

/// `P(L < D ≤ R)` for `D = exp(μ + σZ)`, through the upper tail where that
/// keeps the digits (both ends above the median).
fn probability(mu: f64, sigma: f64, low: f64, high: f64) -> f64 {
    let z = |t: f64| (t.ln() - mu) / sigma;
    let upper = |t: f64| {
        if t <= 0.0 {
            1.0
        } else if t.is_infinite() {
            0.0
        } else {
            phi_cdf(-z(t))
        }
    };
    if low > 0.0 && z(low) > 0.0 {
        upper(low) - upper(high)
    } else {
        let lower = |t: f64| 1.0 - upper(t);
        let cdf = |t: f64| {
            if t > 0.0 && t.is_finite() {
                phi_cdf(z(t))
            } else {
                lower(t)
            }
        };
        cdf(high) - cdf(low)
    }
}

/// Fits the log-normal; `start` is `(μ, σ)` to begin from.
pub fn fit(brackets: &[Bracket], start: (f64, f64)) -> Fit {
    let mut groups: Vec<(f64, f64, f64)> = Vec::new();
    let mut sorted: Vec<(f64, f64)> = brackets.iter().map(|b| (b.low, b.high)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for (low, high) in sorted {
        match groups.last_mut() {
            Some(g) if g.0 == low && g.1 == high => g.2 += 1.0,
            _ => groups.push((low, high, 1.0)),
        }
    }
    let n = brackets.len() as f64;
    // Mean negative log-likelihood of (μ, ln σ).
    let cost = |x: [f64; 2]| -> f64 {
        let sigma = x[1].exp();
        if !(sigma.is_finite() && sigma > 0.0 && x[0].is_finite()) {
            return f64::INFINITY;
        }
        -groups
            .iter()
            .map(|&(l, h, c)| c * probability(x[0], sigma, l, h).max(1e-300).ln())
            .sum::<f64>()
            / n
    };
    let (x, iterations, converged) = nelder_mead(cost, [start.0, start.1.ln()]);
    Fit {
        mu: x[0],
        sigma: x[1].exp(),
        iterations,
        converged,
    }
}

/// Minimises `f` over the plane from `start`.
fn nelder_mead(f: impl Fn([f64; 2]) -> f64, start: [f64; 2]) -> ([f64; 2], usize, bool) {
    let step = 0.2;
    let mut simplex = [
        start,
        [start[0] + step, start[1]],
        [start[0], start[1] + step],
    ];
    let mut values = simplex.map(&f);
    let lerp =
        |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    for iteration in 1..=MAX_ITERATIONS {
        let mut order = [0, 1, 2];
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = order.map(|i| simplex[i]);
        values = order.map(|i| values[i]);
        let size = (1..3)
            .flat_map(|i| (0..2).map(move |k| (i, k)))
            .map(|(i, k)| (simplex[i][k] - simplex[0][k]).abs())
            .fold(0.0, f64::max);
        if (values[2] - values[0]).abs() <= TOLERANCE && size <= TOLERANCE {
            return (simplex[0], iteration, true);
        }
        let centroid = lerp(simplex[0], simplex[1], 0.5);
        // Points along the line from the worst vertex through the centroid.
        let along = |t: f64| lerp(simplex[2], centroid, t);
        let reflected = along(2.0);
        let fr = f(reflected);
        if fr < values[0] {
            let expanded = along(3.0);
            let fe = f(expanded);
            (simplex[2], values[2]) = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < values[1] {
            (simplex[2], values[2]) = (reflected, fr);
        } else {
            let contracted = if fr < values[2] {
                along(1.5)
            } else {
                along(0.5)
            };
            let fc = f(contracted);
            if fc < values[2].min(fr) {
                (simplex[2], values[2]) = (contracted, fc);
            } else {
                for i in 1..3 {
                    simplex[i] = lerp(simplex[0], simplex[i], 0.5);
                    values[i] = f(simplex[i]);
                }
            }
        }
    }
    (simplex[0], MAX_ITERATIONS, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let (x, _, converged) = nelder_mead(
            |x| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2),
            [0.0, 0.0],
        );
        assert!(converged);
        assert!(
            (x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }

    #[test]
    fn interval_probabilities_add_up() {
        let (mu, sigma) = (4.0, 0.7);
        let cuts = [0.0, 10.0, 50.0, 54.6, 60.0, 300.0, f64::INFINITY];
        let total: f64 = cuts
            .windows(2)
            .map(|w| probability(mu, sigma, w[0], w[1]))
            .sum();
        assert!((total - 1.0).abs() < 1e-14, "{total}");
        assert!((probability(mu, sigma, 0.0, mu.exp()) - 0.5).abs() < 1e-15);
    }
}
