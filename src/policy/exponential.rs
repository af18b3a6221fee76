//! Capped exponential backoff, optionally jittered.

use super::Observation;
use super::error::{PolicyError, growth, seconds};
use super::jitter::Jitter;
use super::kind::{Drive, Growth, JobStart, Kind, Param, Step, Unit};
use super::raw::RawPolicy;
use crate::rng::JobRng;

/// Intervals `initial · factor^k`, each capped at `cap`, then jittered.
#[derive(Clone, Debug, PartialEq)]
pub struct Exponential {
    /// First interval, seconds. Default 1.
    pub initial: f64,
    /// Growth per check, at least 1. Default 2.
    pub factor: f64,
    /// Longest nominal interval, seconds. Default 60.
    pub cap: f64,
    /// Default none.
    pub jitter: Jitter,
}

impl Exponential {
    /// Default `initial`, seconds.
    pub const DEFAULT_INITIAL: f64 = 1.0;
    /// Default `factor`.
    pub const DEFAULT_FACTOR: f64 = 2.0;
    /// Default `cap`, seconds.
    pub const DEFAULT_CAP: f64 = 60.0;

    /// Validates the parameters; the error names the first bad one.
    pub fn new(initial: f64, factor: f64, cap: f64, jitter: Jitter) -> Result<Self, PolicyError> {
        Ok(Self {
            initial: seconds("initial", initial)?,
            factor: growth("factor", factor)?,
            cap: seconds("cap", cap)?,
            jitter: jitter.validate()?,
        })
    }

    #[inline]
    pub(crate) fn steps(&self) -> ExponentialSteps {
        ExponentialSteps {
            growth: Growth::new(self.initial, self.factor, self.cap),
            previous: self.initial,
            spec: self.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ExponentialSteps {
    growth: Growth,
    previous: f64,
    spec: Exponential,
}

impl ExponentialSteps {
    #[inline(always)]
    pub(crate) fn next(&mut self, rng: &mut JobRng) -> f64 {
        self.next_with(self.spec.jitter, rng)
    }

    /// [`Self::next`] with the spec's jitter passed in, so that a caller that
    /// knows it (the replay, once per job) lets the compiler drop the match.
    #[inline(always)]
    pub(crate) fn next_with(&mut self, jitter: Jitter, rng: &mut JobRng) -> f64 {
        debug_assert_eq!(jitter, self.spec.jitter);
        let s = &self.spec;
        let nominal = self.growth.next();
        let wait = jitter.apply(nominal, self.previous, s.initial, s.cap, rng);
        self.previous = wait;
        wait
    }

    /// The jitter this backoff applies.
    pub(crate) fn jitter(&self) -> Jitter {
        self.spec.jitter
    }
}

impl Kind for Exponential {
    const KIND: &'static str = "exponential";
    const DOC: &'static str = "nominal `min(cap, initial·factor^k)`, then jitter: `\"none\"`; `\"full\"` uniform on [0, v); `\"equal\"` v/2 + uniform on [0, v/2); `\"decorrelated\"` min(cap, uniform on [initial, 3·previous)); `{ proportional = { fraction = f } }` v·(1 ± f·U)";
    const PARAMS: &'static [Param] = &[
        Param {
            name: "initial",
            unit: Unit::Seconds,
            default: Some("1"),
            range: "> 0",
            doc: "first interval",
        },
        Param {
            name: "factor",
            unit: Unit::Ratio,
            default: Some("2"),
            range: "≥ 1",
            doc: "growth per check",
        },
        Param {
            name: "cap",
            unit: Unit::Seconds,
            default: Some("60"),
            range: "> 0",
            doc: "longest nominal interval",
        },
        Param {
            name: "jitter",
            unit: Unit::Choice,
            default: Some("`\"none\"`"),
            range: "",
            doc: "randomizes each interval",
        },
    ];
    type Steps = ExponentialSteps;

    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError> {
        Self::new(
            raw.initial.unwrap_or(Self::DEFAULT_INITIAL),
            raw.factor.unwrap_or(Self::DEFAULT_FACTOR),
            raw.cap.unwrap_or(Self::DEFAULT_CAP),
            raw.jitter.unwrap_or_default(),
        )
    }

    fn write(&self, raw: &mut RawPolicy) {
        raw.initial = Some(self.initial);
        raw.factor = Some(self.factor);
        raw.cap = Some(self.cap);
        raw.jitter = Some(self.jitter);
    }

    #[inline]
    fn steps(&self, _start: &JobStart<'_>) -> ExponentialSteps {
        Exponential::steps(self)
    }

    fn is_deterministic(&self) -> bool {
        !self.jitter.is_random()
    }

    fn draws_jitter(&self) -> bool {
        self.jitter.is_random()
    }
}

impl Step for ExponentialSteps {
    #[inline(always)]
    fn step(&mut self, _obs: Option<&Observation>, rng: &mut JobRng) -> Option<f64> {
        Some(self.next(rng))
    }

    /// Full jitter, the jittered kind most configs sweep, is chosen once per
    /// job rather than per check; the loop runs on a copy of the steps, so
    /// that their state lives in registers, and writes it back at the end.
    #[inline(always)]
    fn drive<D: Drive>(&mut self, drive: D) -> D::Output {
        let mut s = self.clone();
        let out = match s.jitter() {
            Jitter::Full => drive.run(|_, rng| Some(s.next_with(Jitter::Full, rng))),
            _ => drive.run(|_, rng| Some(s.next(rng))),
        };
        *self = s;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::JobRng;

    #[test]
    fn doubling_capped_at_sixty() {
        let mut rng = JobRng::for_job(1, 0, 0);
        let mut steps = Exponential::new(1.0, 2.0, 60.0, Jitter::None)
            .unwrap()
            .steps();
        let got: Vec<f64> = (0..9).map(|_| steps.next(&mut rng)).collect();
        assert_eq!(got, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]);
    }

    #[test]
    fn jitters_stay_in_their_ranges() {
        let mut rng = JobRng::for_job(2, 0, 0);
        for jitter in [
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::Proportional { fraction: 0.2 },
        ] {
            let spec = Exponential::new(1.0, 2.0, 60.0, jitter).unwrap();
            for _ in 0..200 {
                let mut steps = spec.steps();
                let mut nominal: f64 = 1.0;
                for _ in 0..12 {
                    let wait = steps.next(&mut rng);
                    let (lo, hi) = match jitter {
                        Jitter::Full => (0.0, nominal),
                        Jitter::Equal => (nominal / 2.0, nominal),
                        Jitter::Decorrelated => (1.0, 60.0),
                        Jitter::Proportional { .. } => (0.8 * nominal, 1.2 * nominal),
                        Jitter::None => unreachable!(),
                    };
                    assert!(
                        wait >= lo && wait <= hi,
                        "{jitter:?}: {wait} not in [{lo}, {hi}]"
                    );
                    nominal = (nominal * 2.0).min(60.0);
                }
            }
        }
    }

    #[test]
    fn full_jitter_mean_is_half_the_nominal() {
        let mut rng = JobRng::for_job(3, 0, 0);
        let spec = Exponential::new(8.0, 1.0, 60.0, Jitter::Full).unwrap();
        let n = 100_000;
        let mut steps = spec.steps();
        let mean = (0..n).map(|_| steps.next(&mut rng)).sum::<f64>() / n as f64;
        // Uniform on [0, 8): mean 4, sd 8/√12; 4 standard errors.
        assert!((mean - 4.0).abs() < 4.0 * 8.0 / 12f64.sqrt() / (n as f64).sqrt());
    }

    #[test]
    fn rejects_shrinking_factor_and_bad_fraction() {
        let err = Exponential::new(1.0, 0.5, 60.0, Jitter::None).unwrap_err();
        assert_eq!(err.field, "factor");
        assert!(err.problem.contains("0.5"));
        let err =
            Exponential::new(1.0, 2.0, 60.0, Jitter::Proportional { fraction: 1.5 }).unwrap_err();
        assert_eq!(err.field, "jitter.proportional.fraction");
    }
}
