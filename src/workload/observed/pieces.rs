//! A distribution made of disjoint uniform pieces: how the Turnbull estimate's
//! interval masses become a duration distribution with exact `S` and `T`.

/// Mass `mass` spread uniformly over `(lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// Left end, seconds.
    pub lo: f64,
    /// Right end, seconds (`> lo`).
    pub hi: f64,
    /// Probability of the piece.
    pub mass: f64,
}

/// Disjoint pieces in time order; sampling by inversion of the piecewise-linear CDF.
#[derive(Clone, Debug, PartialEq)]
pub struct Pieces {
    pieces: Vec<Piece>,
    /// `before[k]`: the mass of the pieces before `k` (the CDF at `pieces[k].lo`).
    before: Vec<f64>,
    /// `beyond[k]`: `E[D; D in pieces k..]`, so `T(t)` is one search.
    beyond: Vec<f64>,
}

impl Pieces {
    /// Pieces sorted by `lo`, disjoint, with positive masses summing to 1
    /// (the caller's invariant: the Turnbull estimate's output).
    pub fn new(pieces: Vec<Piece>) -> Self {
        debug_assert!(!pieces.is_empty());
        let total: f64 = pieces.iter().map(|p| p.mass).sum();
        let pieces: Vec<Piece> = pieces
            .into_iter()
            .map(|p| Piece {
                mass: p.mass / total,
                ..p
            })
            .collect();
        let mut before = Vec::with_capacity(pieces.len() + 1);
        let mut acc = 0.0;
        for p in &pieces {
            before.push(acc);
            acc += p.mass;
        }
        before.push(1.0);
        let mut beyond = vec![0.0; pieces.len() + 1];
        for k in (0..pieces.len()).rev() {
            let p = pieces[k];
            beyond[k] = beyond[k + 1] + p.mass * 0.5 * (p.lo + p.hi);
        }
        Self {
            pieces,
            before,
            beyond,
        }
    }

    /// The pieces, in time order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The end of the support.
    pub fn max(&self) -> f64 {
        self.pieces.last().map_or(0.0, |p| p.hi)
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        // The first piece whose cumulative mass passes u.
        let k = self.before[1..]
            .partition_point(|&c| c <= u)
            .min(self.pieces.len() - 1);
        let p = self.pieces[k];
        let within = ((u - self.before[k]) / p.mass).clamp(0.0, 1.0);
        p.lo + within * (p.hi - p.lo)
    }

    /// Index of the first piece ending after `t`.
    fn at(&self, t: f64) -> usize {
        self.pieces.partition_point(|p| p.hi <= t)
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        let k = self.at(t);
        let Some(p) = self.pieces.get(k) else {
            return 0.0;
        };
        let inside = ((p.hi - t) / (p.hi - p.lo)).min(1.0);
        (1.0 - self.before[k + 1]) + p.mass * inside
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        let k = self.at(t);
        let Some(p) = self.pieces.get(k) else {
            return 0.0;
        };
        if t <= p.lo {
            return self.beyond[k];
        }
        // ∫_t^hi x dx / (hi − lo), times the piece's mass.
        self.beyond[k + 1] + p.mass * (p.hi * p.hi - t * t) / (2.0 * (p.hi - p.lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Pieces {
        Pieces::new(vec![
            Piece {
                lo: 10.0,
                hi: 20.0,
                mass: 0.25,
            },
            Piece {
                lo: 30.0,
                hi: 50.0,
                mass: 0.75,
            },
        ])
    }

    #[test]
    fn survival_and_partial_expectation_are_those_of_the_uniform_mixture() {
        let d = two();
        // 0.25 U(10, 20) + 0.75 U(30, 50): mean 0.25·15 + 0.75·40 = 33.75.
        assert_eq!(d.survival(0.0), 1.0);
        assert!((d.survival(15.0) - 0.875).abs() < 1e-15);
        assert!((d.survival(25.0) - 0.75).abs() < 1e-15);
        assert!((d.survival(45.0) - 0.1875).abs() < 1e-15);
        assert_eq!(d.survival(50.0), 0.0);
        assert!((d.partial_expectation(0.0) - 33.75).abs() < 1e-12);
        // T(45) = 0.75 · ∫_45^50 x dx / 20 = 0.75 · (2500 − 2025) / 40.
        assert!((d.partial_expectation(45.0) - 0.75 * 475.0 / 40.0).abs() < 1e-12);
        assert_eq!(d.partial_expectation(60.0), 0.0);
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        let d = two();
        for u in [0.0, 0.1, 0.2499, 0.25, 0.5, 0.9, 0.999_999] {
            let x = d.quantile(u);
            assert!((1.0 - d.survival(x) - u).abs() < 1e-12, "u {u}: x {x}");
        }
        assert_eq!(d.quantile(0.125), 15.0);
    }
}
