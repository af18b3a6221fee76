//! Builds a validated [`Distribution`] from its flat TOML table.

use super::raw::RawDistribution;
use super::{ConfigError, Source};
use crate::workload::observed::Method;
use crate::workload::{
    Distribution, DistributionError, Empirical, Exponential, Fixed, LogNormal, Mixture, Observed,
    TruncatedNormal, Uniform,
};
use std::path::Path;
use toml::Spanned;

const KINDS: &str = "fixed, uniform, normal, lognormal, exponential, mixture, empirical, observed";

/// The longest durations pollsim simulates, seconds (about 32 years): far
/// beyond any job, and small enough that schedules, grids and plots over the
/// distribution stay finite.
pub(super) const MAX_DURATION_S: f64 = 1e9;

/// Tail beyond which a duration counts as one the distribution produces.
const RARE: f64 = 1e-9;

pub(super) fn build(
    source: &Source,
    raw: &Spanned<RawDistribution>,
    base_dir: &Path,
    path: &str,
) -> Result<Distribution, ConfigError> {
    let dist = build_one(source, raw.get_ref(), raw.span(), base_dir, path, false)?;
    // Absurd parameters (value = 1e308, a log-normal sigma of 40) would pass
    // every parameter check and overflow schedules and plots later.
    let longest = dist.upper(RARE);
    if !(longest.is_finite() && longest <= MAX_DURATION_S) {
        let what = match raw.get_ref().kind.as_str() {
            "fixed" => "value",
            "uniform" => "base and spread",
            "normal" => "mean and sd",
            "lognormal" => "median or sigma",
            "exponential" => "mean",
            "empirical" | "observed" => "the file's durations",
            _ => "the components",
        };
        return source.invalid(
            raw.span(),
            path,
            format!(
                "{} gives jobs of {} s (the longest in 10^9 jobs): pollsim simulates durations up to {MAX_DURATION_S:.0e} s (about 32 years); lower {what}",
                raw.get_ref().kind,
                if longest.is_finite() && longest < 1e15 {
                    format!("{longest:.3e}")
                } else {
                    "more than 1e15".to_string()
                }
            ),
        );
    }
    Ok(dist)
}

fn build_one(
    source: &Source,
    raw: &RawDistribution,
    span: std::ops::Range<usize>,
    base_dir: &Path,
    path: &str,
    in_mixture: bool,
) -> Result<Distribution, ConfigError> {
    let error = |field: &str, problem: String| {
        source.error(span.clone(), format!("{path}.{field}"), problem)
    };
    let fail = |field: &str, problem: String| -> Result<Distribution, ConfigError> {
        Err(error(field, problem))
    };
    let allowed: &[&str] = match raw.kind.as_str() {
        "fixed" => &["value"],
        "uniform" => &["base", "spread"],
        "normal" => &["mean", "sd"],
        "lognormal" => &["median", "sigma"],
        "exponential" => &["mean"],
        "mixture" => &["components"],
        "empirical" => &["file", "column"],
        "observed" => &["file", "method"],
        other => {
            return fail(
                "kind",
                format!("'{other}' is not a distribution; use one of: {KINDS}"),
            );
        }
    };
    let present = [
        ("value", raw.value.is_some()),
        ("base", raw.base.is_some()),
        ("spread", raw.spread.is_some()),
        ("mean", raw.mean.is_some()),
        ("sd", raw.sd.is_some()),
        ("median", raw.median.is_some()),
        ("sigma", raw.sigma.is_some()),
        ("file", raw.file.is_some()),
        ("column", raw.column.is_some()),
        ("method", raw.method.is_some()),
        ("components", raw.components.is_some()),
    ];
    for (field, set) in present {
        if set && !allowed.contains(&field) {
            return fail(
                field,
                format!(
                    "is not a parameter of {} (it takes {})",
                    raw.kind,
                    allowed.join(", ")
                ),
            );
        }
    }
    if raw.weight.is_some() && !in_mixture {
        return fail("weight", "only mixture components have a weight".into());
    }
    let need = |field: &str, value: Option<f64>| -> Result<f64, ConfigError> {
        value.ok_or_else(|| error(field, format!("is missing: {} needs it", raw.kind)))
    };
    let built = match raw.kind.as_str() {
        "fixed" => Fixed::new(need("value", raw.value)?).map(Distribution::Fixed),
        "uniform" => Uniform::new(need("base", raw.base)?, need("spread", raw.spread)?)
            .map(Distribution::Uniform),
        "normal" => TruncatedNormal::new(need("mean", raw.mean)?, need("sd", raw.sd)?)
            .map(Distribution::Normal),
        "lognormal" => LogNormal::new(need("median", raw.median)?, need("sigma", raw.sigma)?)
            .map(Distribution::LogNormal),
        "exponential" => Exponential::new(need("mean", raw.mean)?).map(Distribution::Exponential),
        "empirical" => {
            let Some(file) = &raw.file else {
                return fail(
                    "file",
                    "is missing: empirical needs a CSV file of durations".into(),
                );
            };
            return Empirical::from_csv(&base_dir.join(file), raw.column.as_deref())
                .map(Distribution::Empirical)
                .or_else(|e| fail("file", e.to_string()));
        }
        "observed" => {
            let Some(file) = &raw.file else {
                return fail(
                    "file",
                    "is missing: observed needs the observed.csv that `pollsim observe` writes"
                        .into(),
                );
            };
            let method = match raw.method.as_deref() {
                None => Method::Turnbull,
                Some(name) => match Method::parse(name) {
                    Some(m) => m,
                    None => {
                        return fail(
                            "method",
                            format!("'{name}' is not an estimate; use one of: {}", Method::NAMES),
                        );
                    }
                },
            };
            return match Observed::from_csv(&base_dir.join(file), method) {
                Ok(observed) => Ok(Distribution::Observed(observed)),
                Err(DistributionError::Row {
                    file,
                    line,
                    field,
                    problem,
                }) => Err(ConfigError::Invalid {
                    file,
                    line,
                    field,
                    problem,
                }),
                Err(other) => fail("file", other.to_string()),
            };
        }
        "mixture" => {
            if in_mixture {
                return fail(
                    "kind",
                    "a mixture component cannot itself be a mixture: list its parts directly"
                        .into(),
                );
            }
            let components = raw.components.as_deref().unwrap_or_default();
            if components.is_empty() {
                return fail(
                    "components",
                    "is empty: a mixture needs at least one component".into(),
                );
            }
            let mut parts = Vec::with_capacity(components.len());
            for (i, component) in components.iter().enumerate() {
                let inner_path = format!("{path}.components[{i}]");
                let weight = match component.weight {
                    Some(w) if w.is_finite() && w > 0.0 => w,
                    Some(w) => {
                        return source.invalid(
                            span.clone(),
                            format!("{inner_path}.weight"),
                            format!("{w} is not a positive weight"),
                        );
                    }
                    None => {
                        return source.invalid(
                            span.clone(),
                            format!("{inner_path}.weight"),
                            "is missing",
                        );
                    }
                };
                parts.push((
                    weight,
                    build_one(source, component, span.clone(), base_dir, &inner_path, true)?,
                ));
            }
            Mixture::new(parts).map(Distribution::Mixture)
        }
        _ => unreachable!("kinds were checked above"),
    };
    built.or_else(|e| match e {
        DistributionError::Parameter {
            name,
            value,
            problem,
        } => fail(name, format!("{value} {problem}")),
        DistributionError::Invalid(problem) => fail("kind", problem),
        // Only a data file's rows have lines of their own; observed returns above.
        DistributionError::Row { .. } => fail("file", e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::workload::Distribution;
    use crate::workload::observed::{Estimate, HEADER};

    /// A config in a fresh folder beside an observed.csv of three jobs.
    fn config(distribution: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("observed.csv"),
            format!(
                "{HEADER}\na,0,10,20,completed,2,,\nb,1,20,30,error,3,,\nc,2,40,,gave_up,4,,\n"
            ),
        )
        .unwrap();
        let text = format!(
            "[workload.distribution]\n{distribution}\n[[policies]]\nname = \"c\"\nkind = \"constant\"\ninterval = 5.0\n"
        );
        Config::from_text(&dir.path().join("c.toml"), &text).map_err(|e| e.to_string())
    }

    #[test]
    fn observed_takes_a_file_and_a_method() {
        let c = config("kind = \"observed\"\nfile = \"observed.csv\"").unwrap();
        let Distribution::Observed(o) = &c.workload.distribution else {
            panic!()
        };
        assert!(matches!(o.estimate(), Estimate::Turnbull(_)));
        // (10, 20], (20, 30], (40, ∞): a third each, the tail over 10 s past 40.
        assert!((c.workload.distribution.survival(20.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!(c.inputs.iter().any(|p| p.ends_with("observed.csv")));
        let c =
            config("kind = \"observed\"\nfile = \"observed.csv\"\nmethod = \"lognormal\"").unwrap();
        let Distribution::Observed(o) = &c.workload.distribution else {
            panic!()
        };
        assert!(matches!(o.estimate(), Estimate::LogNormal(_)));
        let err =
            config("kind = \"observed\"\nfile = \"observed.csv\"\ncolumn = \"x\"").unwrap_err();
        assert!(err.contains("workload.distribution.column: is not a parameter of observed (it takes file, method)"), "{err}");
        let err = config("kind = \"observed\"").unwrap_err();
        assert!(
            err.contains("workload.distribution.file: is missing"),
            "{err}"
        );
        let err = config("kind = \"observed\"\nfile = \"none.csv\"").unwrap_err();
        assert!(
            err.contains("c.toml, line 3: workload.distribution.file: cannot read"),
            "{err}"
        );
    }

    /// Every kind the config accepts has a row in the README's table of distributions.
    #[test]
    fn the_readme_lists_every_distribution_kind() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let table = readme
            .split("### Distributions")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").find(|block| block.starts_with('|')))
            .expect("README.md has a table of distributions");
        for kind in super::KINDS.split(", ") {
            assert!(
                table.contains(&format!("| `{kind}` |")),
                "README.md's table of distributions has no row for {kind}"
            );
        }
    }
}
