//! The list of policy families: one line each. Adding a family is its file
//! (see `kind.rs` for what it provides) and one line here; the `Family` enum,
//! the per-job step dispatch, `KINDS` and the parameter tables follow.
//!
//! Dispatch is a generated `match`, not a trait object: the simulator takes
//! tens of millions of steps per second, and an enum keeps each call static and
//! the per-job state inline.

use super::envelope::{LIMIT_PARAMS, Limits};
use super::error::PolicyError;
use super::history::History;
use super::kind::{Drive, JobStart, Kind, Param, Step, Visit};
use super::raw::RawPolicy;
use super::{JobOutcome, Observation};
use crate::rng::JobRng;

macro_rules! registry {
    ($($(#[doc = $doc:literal])* $variant:ident($ty:path)),* $(,)?) => {
        /// The policy families and their parameters.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Family {
            $($(#[doc = $doc])* $variant($ty),)*
        }

        /// One job's steps, whatever its family.
        #[derive(Clone, Debug)]
        pub(crate) enum Steps {
            $($variant(<$ty as Kind>::Steps),)*
        }

        /// The family names as written in `kind`, in documentation order.
        pub const KINDS: &[&str] = &[$(<$ty as Kind>::KIND),*];

        /// Each family's parameter table and one-line description, by kind.
        const TABLES: &[(&str, &[Param], &str)] =
            &[$((<$ty as Kind>::KIND, <$ty as Kind>::PARAMS, <$ty as Kind>::DOC)),*];

        impl Family {
            /// The family name as written in `kind`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Family::$variant(_) => <$ty as Kind>::KIND,)*
                }
            }

            /// Reads the family of `raw.kind` (whose fields were checked).
            pub(crate) fn read(raw: &RawPolicy) -> Option<Result<Self, PolicyError>> {
                $(if raw.kind == <$ty as Kind>::KIND {
                    return Some(<$ty as Kind>::from_raw(raw).map(Family::$variant));
                })*
                None
            }

            pub(crate) fn write(&self, raw: &mut RawPolicy) {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::write(f, raw),)*
                }
            }

            pub(crate) fn steps(&self, start: &JobStart<'_>) -> Steps {
                match self {
                    $(Family::$variant(f) => Steps::$variant(<$ty as Kind>::steps(f, start)),)*
                }
            }

            pub(crate) fn check_limits(&self, limits: &Limits) -> Result<(), PolicyError> {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::check_limits(f, limits),)*
                }
            }

            pub(crate) fn is_deterministic(&self) -> bool {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::is_deterministic(f),)*
                }
            }

            pub(crate) fn uses_server(&self) -> bool {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::uses_server(f),)*
                }
            }

            pub(crate) fn draws_jitter(&self) -> bool {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::draws_jitter(f),)*
                }
            }

            pub(crate) fn learns(&self) -> bool {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::learns(f),)*
                }
            }

            pub(crate) fn needs_hint(&self) -> bool {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::needs_hint(f),)*
                }
            }

            /// Runs `visit` with this family's own type (see [`Visit`]).
            #[inline]
            pub(crate) fn visit<V: Visit>(&self, visit: V) -> V::Output {
                match self {
                    $(Family::$variant(f) => visit.visit(f),)*
                }
            }

            pub(crate) fn finished(&self, history: &mut History, outcome: &JobOutcome) {
                match self {
                    $(Family::$variant(f) => <$ty as Kind>::finished(f, history, outcome),)*
                }
            }
        }

        impl Steps {
            #[inline(always)]
            pub(crate) fn next(&mut self, obs: Option<&Observation>, rng: &mut JobRng) -> Option<f64> {
                match self {
                    $(Steps::$variant(s) => s.step(obs, rng),)*
                }
            }

            pub(crate) fn hold(&self) -> Option<f64> {
                match self {
                    $(Steps::$variant(s) => s.hold(),)*
                }
            }

            /// [`Step::drive`] for the family's steps: the family is matched
            /// once per job, not at every step.
            #[inline(always)]
            pub(crate) fn drive<D: Drive>(&mut self, drive: D) -> D::Output {
                match self {
                    $(Steps::$variant(s) => s.drive(drive),)*
                }
            }
        }
    };
}

registry! {
    /// A single check at `initial_delay`.
    Manual(super::manual::Manual),
    /// The same interval every time.
    Constant(super::constant::Constant),
    /// Fibonacci multiples of a unit, capped.
    Fibonacci(super::fibonacci::Fibonacci),
    /// Capped exponential backoff, optionally jittered.
    Exponential(super::exponential::Exponential),
    /// Long waits first, closing in on a floor.
    ExponentialDecrease(super::exponential_decrease::ExponentialDecrease),
    /// Grows to a maximum, then alternates below it.
    Oscillating(super::oscillating::Oscillating),
    /// Learns from the client's recent jobs when to start checking.
    Calibrated(super::calibrated::Calibrated),
    /// Learns the cost-optimal schedule from the client's own brackets.
    Learned(super::learned::Learned),
    /// Sleeps through most of the expected duration.
    DurationAware(super::duration_aware::DurationAware),
    /// An explicit list of check times.
    Schedule(super::schedule::Schedule),
    /// Follows the server's `Retry-After`.
    RetryAfter(super::retry_after::RetryAfter),
    /// Follows the server's ETA.
    EtaHint(super::eta_hint::EtaHint),
    /// Asks the server to hold each check.
    LongPoll(super::long_poll::LongPoll),
}

/// The parameter table of the family `kind`, or `None` for no such family.
pub fn params(kind: &str) -> Option<&'static [Param]> {
    TABLES.iter().find(|(k, ..)| *k == kind).map(|(_, p, _)| *p)
}

/// The parameter `name` of the family `kind`, or of the limits every
/// family shares.
pub fn param(kind: &str, name: &str) -> Option<&'static Param> {
    let own = params(kind)?.iter().find(|p| p.name == name);
    own.or_else(|| LIMIT_PARAMS.iter().find(|p| p.name == name))
}

/// The README's table of families, made from the parameter tables: a test
/// keeps the README's copy equal to it.
pub fn markdown_table() -> String {
    let mut out = String::from("| kind | parameters (default) | intervals |\n|---|---|---|\n");
    for (kind, params, doc) in TABLES {
        let params = if params.is_empty() {
            "—".to_string()
        } else {
            params
                .iter()
                .map(|p| match p.default {
                    Some(d) => format!("`{}` ({d}{})", p.name, range_note(p)),
                    None => format!("`{}` ({})", p.name, p.range),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("| `{kind}` | {params} | {doc} |\n"));
    }
    out
}

/// The range beside a default, when it says more than "a positive number of
/// seconds", which the README states once for all.
fn range_note(p: &Param) -> String {
    match p.range {
        "" | "> 0" => String::new(),
        r => format!(", {r}"),
    }
}

/// The README's table of the limits every policy accepts.
pub fn limits_markdown_table() -> String {
    let mut out = String::from("| parameter | default | meaning |\n|---|---|---|\n");
    for p in LIMIT_PARAMS {
        let default = p.default.unwrap_or("none");
        out.push_str(&format!("| `{}` | {default} | {} |\n", p.name, p.doc));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySpec;

    /// A family's table says what `from_raw` does: every default it states is
    /// the value a policy written without that parameter gets (the written
    /// TOML shows it), and every parameter it lists is accepted.
    #[test]
    fn the_tables_state_the_defaults_the_families_use() {
        for (kind, params, _) in TABLES {
            let mut raw = RawPolicy {
                name: "p".into(),
                kind: kind.to_string(),
                ..RawPolicy::default()
            };
            // The required parameters and the limits some families need.
            match *kind {
                "manual" => raw.initial_delay = Some(3.0),
                "constant" => raw.interval = Some(2.0),
                "schedule" => raw.times = Some(vec![1.0, 2.0]),
                _ => {}
            }
            let spec = PolicySpec::from_raw(&raw).unwrap_or_else(|e| panic!("{kind}: {e}"));
            let written = toml::Value::try_from(spec.to_raw()).unwrap();
            for p in params.iter() {
                let Some(default) = p.default else { continue };
                let value = written.get(p.name);
                let shown = match value {
                    Some(toml::Value::Float(f)) => f.to_string(),
                    Some(toml::Value::Integer(i)) => i.to_string(),
                    Some(toml::Value::String(s)) => format!("`\"{s}\"`"),
                    other => panic!("{kind}.{}: written as {other:?}", p.name),
                };
                assert_eq!(shown, default, "{kind}.{}", p.name);
            }
            // Every listed name is a field a config can set.
            let fields: Vec<&str> = raw.family_fields().iter().map(|(f, _)| *f).collect();
            for p in params.iter() {
                assert!(fields.contains(&p.name), "{kind}.{} is no field", p.name);
            }
        }
    }

    /// The README's table of families is the registry's.
    #[test]
    fn the_readme_lists_the_families_as_the_registry_does() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        for table in [limits_markdown_table(), markdown_table()] {
            assert!(
                readme.contains(&table),
                "README.md's policy tables differ from the registry's; this one should read:\n{table}"
            );
        }
    }
}
