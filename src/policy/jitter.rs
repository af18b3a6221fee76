//! Jitter for exponential backoff: the AWS variants and the ±x% kind.
//!
//! Jitter spreads the checks of clients that started together, so that a server
//! does not see them arrive in bursts (see the contention simulator).

use super::error::{PolicyError, require};
use crate::rng::JobRng;
use serde::{Deserialize, Serialize};

/// How a nominal interval `v` becomes the actual wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Jitter {
    /// Wait exactly `v`.
    #[default]
    None,
    /// Uniform on `[0, v)` (AWS "full jitter").
    Full,
    /// `v/2` plus uniform on `[0, v/2)` (AWS "equal jitter").
    Equal,
    /// Uniform on `[initial, 3 · previous wait)`, capped (AWS "decorrelated jitter").
    Decorrelated,
    /// `v · (1 + f · U)`, U uniform on `[-1, 1)`: "±f·100 %". Needs `0 <= f < 1`.
    Proportional {
        /// `f`: the largest share of `v` added or taken away.
        fraction: f64,
    },
}

impl Jitter {
    /// Checks the fraction of proportional jitter.
    pub fn validate(self) -> Result<Self, PolicyError> {
        if let Jitter::Proportional { fraction } = self {
            require(
                "jitter.proportional.fraction",
                fraction,
                (0.0..1.0).contains(&fraction),
                "is not a fraction in [0, 1)",
            )?;
        }
        Ok(self)
    }

    /// Whether the jitter draws random numbers (anything but none).
    pub fn is_random(self) -> bool {
        !matches!(self, Jitter::None)
    }

    /// The wait for nominal interval `nominal`. `previous` is the last actual wait
    /// (for decorrelated jitter), `initial` and `cap` the backoff's bounds.
    #[inline(always)]
    pub(crate) fn apply(
        self,
        nominal: f64,
        previous: f64,
        initial: f64,
        cap: f64,
        rng: &mut JobRng,
    ) -> f64 {
        match self {
            Jitter::None => nominal,
            Jitter::Full => nominal * rng.unit(),
            Jitter::Equal => 0.5 * nominal + 0.5 * nominal * rng.unit(),
            Jitter::Decorrelated => {
                let high = (3.0 * previous).max(initial);
                (initial + (high - initial) * rng.unit()).min(cap)
            }
            Jitter::Proportional { fraction } => {
                nominal * (1.0 + fraction * (2.0 * rng.unit() - 1.0))
            }
        }
    }
}
