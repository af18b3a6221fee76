//! What every policy family provides, so that a family is one file: its kind
//! name, a table of its parameters (name, unit, default, range, meaning), how
//! it is read from and written to the config's TOML, its per-job steps, and
//! what kind of policy it is (deterministic, learning, reading the server).
//!
//! The registry (`registry.rs`) lists the families once; everything that
//! enumerates them (the `Family` enum, the per-job `Steps` dispatch, the list
//! of kinds, the parameter tables for plots and docs) is generated from it.

use super::envelope::Limits;
use super::error::PolicyError;
use super::history::History;
use super::raw::RawPolicy;
use super::{JobHint, JobOutcome, Observation};
use crate::rng::JobRng;

/// What a parameter measures: it labels plot axes and the documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A duration in seconds.
    Seconds,
    /// A dimensionless ratio (a growth factor, a fraction).
    Ratio,
    /// A count of jobs.
    Jobs,
    /// A count of checks.
    Checks,
    /// Yes or no.
    Flag,
    /// A list of times in seconds.
    SecondsList,
    /// One of a few named choices.
    Choice,
}

impl Unit {
    /// The unit as an axis label shows it after the name, or `None` for none.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Unit::Seconds | Unit::SecondsList => Some("s"),
            Unit::Ratio => Some("ratio"),
            Unit::Jobs => Some("jobs"),
            Unit::Checks => Some("checks"),
            Unit::Choice | Unit::Flag => None,
        }
    }
}

/// One parameter of a family, as its table documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// The key in the config's policy table.
    pub name: &'static str,
    /// What it measures.
    pub unit: Unit,
    /// The default as the config would spell it, or `None` when it is required
    /// (or, for `duration_aware`'s `expected`, comes from elsewhere: see `doc`).
    pub default: Option<&'static str>,
    /// The values it accepts, in words.
    pub range: &'static str,
    /// One line on what it does.
    pub doc: &'static str,
}

/// Everything a policy's steps may start from: the job's hint and what the
/// client has learned from its earlier jobs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobStart<'a> {
    pub(crate) hint: &'a JobHint,
    pub(crate) history: &'a History,
}

/// A family's sequence of nominal waits for one job; the envelope applies limits.
pub(crate) trait Step {
    /// The next nominal wait. `obs` is what the last check showed (`None` before
    /// the first check): the families that use server information read it.
    /// `None`: give up.
    fn step(&mut self, obs: Option<&Observation>, rng: &mut JobRng) -> Option<f64>;

    /// How long checks ask the server to hold a pending answer (long polling).
    fn hold(&self) -> Option<f64> {
        None
    }

    /// Hands `drive` this job's steps as one closure, the one a replay loop
    /// calls for every wait. A family may choose a narrower closure here,
    /// once per job, so that the loop is compiled for it (exponential backoff
    /// picks its jitter); the default is [`Self::step`] itself.
    #[inline(always)]
    fn drive<D: Drive>(&mut self, drive: D) -> D::Output
    where
        Self: Sized,
    {
        drive.run(|obs, rng| self.step(obs, rng))
    }
}

/// A loop over one job's waits: what [`Step::drive`] hands its closure to
/// (the replay against an ideal server, see `poll`).
pub(crate) trait Drive {
    /// What the loop gives when the job is over.
    type Output;
    /// Runs the job, asking `step` for each wait: `None` before the first check.
    fn run(
        self,
        step: impl FnMut(Option<&Observation>, &mut JobRng) -> Option<f64>,
    ) -> Self::Output;
}

/// Code that runs with a family's own type rather than the [`super::registry::Family`]
/// enum ([`super::registry::Family::visit`]): a loop over many jobs is then
/// compiled once per family, its steps built and called statically.
pub(crate) trait Visit {
    /// What the visit gives.
    type Output;
    /// Runs with the family's parameters.
    fn visit<K: Kind>(self, kind: &K) -> Self::Output;
}

/// One policy family: its validated parameters, and everything the registry
/// needs from it.
pub(crate) trait Kind: Sized {
    /// The name written in `kind`.
    const KIND: &'static str;
    /// The intervals it makes, in one line (the README's policy table).
    const DOC: &'static str;
    /// Its parameters, in the order they are written to TOML.
    const PARAMS: &'static [Param];
    /// Its per-job state.
    type Steps: Step;

    /// Reads the family's parameters from a raw policy whose fields were
    /// already checked to be its own; absent ones take their defaults.
    fn from_raw(raw: &RawPolicy) -> Result<Self, PolicyError>;
    /// Writes every parameter into `raw`, defaults included.
    fn write(&self, raw: &mut RawPolicy);
    /// Fresh per-job state.
    fn steps(&self, start: &JobStart<'_>) -> Self::Steps;

    /// Checks the family needs of the shared limits (`manual` needs `initial_delay`).
    fn check_limits(&self, _limits: &Limits) -> Result<(), PolicyError> {
        Ok(())
    }
    /// True when every job sees the same check times against an ideal server.
    fn is_deterministic(&self) -> bool {
        true
    }
    /// Whether it reads what the server adds to an answer or asks it to hold checks.
    fn uses_server(&self) -> bool {
        false
    }
    /// Whether it draws random numbers (jitter).
    fn draws_jitter(&self) -> bool {
        false
    }
    /// Whether jobs depend on earlier jobs of the same client.
    fn learns(&self) -> bool {
        false
    }
    /// Whether it needs a per-job duration hint from the workload.
    fn needs_hint(&self) -> bool {
        false
    }
    /// Learns from a finished job of the same client.
    fn finished(&self, _history: &mut History, _outcome: &JobOutcome) {}
}

/// Intervals that grow by `factor` per check up to `cap`: the backoff that
/// exponential, calibrated, duration_aware and eta_hint share.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Growth {
    nominal: f64,
    factor: f64,
    cap: f64,
}

impl Growth {
    #[inline]
    pub(crate) fn new(start: f64, factor: f64, cap: f64) -> Self {
        Self {
            nominal: start.min(cap),
            factor,
            cap,
        }
    }

    /// The interval due now, before growing: what a jitter may work from.
    #[inline(always)]
    pub(crate) fn nominal(&self) -> f64 {
        self.nominal
    }

    /// The interval due now; the next one grows by `factor`, up to `cap`.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> f64 {
        let out = self.nominal;
        // A branch, not a min: once capped (most checks of a long job) the
        // next interval no longer waits on a multiply and a min of the last,
        // which would be the replay loop's longest dependency chain.
        if out < self.cap {
            let grown = out * self.factor;
            self.nominal = if grown < self.cap { grown } else { self.cap };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Growth;

    #[test]
    fn growth_caps_from_the_start() {
        let mut g = Growth::new(1.0, 2.0, 5.0);
        let got: Vec<f64> = (0..5).map(|_| g.next()).collect();
        assert_eq!(got, [1.0, 2.0, 4.0, 5.0, 5.0]);
        let mut above = Growth::new(9.0, 2.0, 5.0);
        assert_eq!([above.next(), above.next()], [5.0, 5.0]);
    }
}
