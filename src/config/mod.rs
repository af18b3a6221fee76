//! Configuration: TOML in, validated settings out.
//!
//! Parsing (serde, unknown fields rejected) and validation are separate steps;
//! every error names the file, the line of the table it concerns, the field and
//! the problem, so that a user can fix it without reading code.

mod capacity;
mod contention;
mod distribution;
mod raw;
mod service;
mod source;

pub use contention::ContentionSettings;
pub use raw::RawConfig;
pub use service::{CreateRequest, HeaderTemplate, Pointer, Request, Service};

use crate::metrics::Scoring;
use crate::optimize::TuneSettings;
use crate::policy::PolicySpec;
use crate::workload::Workload;
use raw::{RawMetrics, RawPolicyFile};
use source::{Source, read};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A config that cannot be used, located as precisely as possible.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}", file.display())]
    Read {
        /// The config file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}{message}", file.display())]
    Syntax {
        /// The config file.
        file: PathBuf,
        /// Where (", line L, column C: ") and the parser's message, in plain words.
        message: String,
    },
    /// A value is out of range or does not fit together with another.
    #[error("{}, line {line}: {field}: {problem}", file.display())]
    Invalid {
        /// The config file (or the policy or CSV file it names).
        file: PathBuf,
        /// Line of the offending value (1-based).
        line: usize,
        /// The field, as written in the config.
        field: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it was read from.
    pub file: PathBuf,
    /// Seed of every random stream.
    pub seed: u64,
    /// Jobs to simulate per policy.
    pub jobs: u64,
    /// Worker threads (none: all cores).
    pub threads: Option<usize>,
    /// The job-duration distribution and failure rate.
    pub workload: Workload,
    /// Clients the jobs are spread over (round robin); matters to learning policies.
    pub clients: u64,
    /// Score weights and cost prices (`[metrics]`).
    pub scoring: Scoring,
    /// Keep every delay for exact percentiles instead of the histogram's.
    pub exact_percentiles: bool,
    /// The policies to compare, in config order.
    pub policies: Vec<PolicySpec>,
    /// The optimizer's settings and grids (`[tune]`).
    pub tune: Option<TuneSettings>,
    /// Many clients against one server (`[server]`, `[arrivals]`): when set,
    /// `simulate` runs the discrete-event simulator instead of the single-job engine.
    pub contention: Option<ContentionSettings>,
    /// The user's own status API (`[service]`): `poll`, `observe` and
    /// `validate` talk to it instead of the bundled server.
    pub service: Option<Service>,
    /// Every file the config was read from: itself, the CSV files it names and
    /// a policy file that replaced its policies. A run never overwrites them.
    pub inputs: Vec<PathBuf>,
}

/// Seed when the config gives none.
pub const DEFAULT_SEED: u64 = 1;
/// Jobs per policy when the config gives none.
pub const DEFAULT_JOBS: u64 = 100_000;
/// The most jobs a run may simulate: at tens of millions of job-simulations
/// per second, 10^12 jobs of one policy take about a day (with progress shown).
pub const MAX_JOBS: u64 = 1_000_000_000_000;
/// The most worker threads: more only costs time starting them.
pub const MAX_THREADS: usize = 1024;

impl Config {
    /// The `[server]`'s `request_timeout`: job seconds a client waits for a
    /// check's answer before it counts the check failed (no answer), as the
    /// simulator's clients do; what the HTTP client's
    /// `ClientOptions::check_timeout` is set to by `validate` and `poll`.
    pub fn request_timeout(&self) -> Option<f64> {
        let capacity = self.contention.as_ref()?.server.capacity.as_ref()?;
        capacity.request_timeout
    }

    /// Reads and validates a config file.
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let text = read(file)?;
        Self::from_text(file, &text)
    }

    /// Validates config text; `file` is used for messages and relative paths.
    pub fn from_text(file: &Path, text: &str) -> Result<Self, ConfigError> {
        let source = Source { file, text };
        let raw: RawConfig = source.parse()?;
        let base_dir = file.parent().unwrap_or(Path::new("."));

        let mut inputs = vec![file.to_path_buf()];
        named_files(
            raw.workload.get_ref().distribution.get_ref(),
            base_dir,
            &mut inputs,
        );
        for phase in &raw.workload.get_ref().phases {
            named_files(phase.distribution.get_ref(), base_dir, &mut inputs);
        }
        if let Some(file) = raw
            .arrivals
            .as_ref()
            .and_then(|a| a.get_ref().file.as_ref())
        {
            inputs.push(base_dir.join(file));
        }
        let jobs = match &raw.jobs {
            None => None,
            Some(j) => match u64::try_from(*j.get_ref()) {
                Ok(n) if (1..=MAX_JOBS).contains(&n) => Some(n),
                _ => {
                    return source.invalid(
                        j.span(),
                        "jobs",
                        format!(
                            "{} is not a number of jobs: write a whole number from 1 to {MAX_JOBS}",
                            j.get_ref()
                        ),
                    );
                }
            },
        };
        let threads = match &raw.threads {
            None => None,
            Some(t) => match usize::try_from(*t.get_ref()) {
                Ok(0) => None,
                Ok(n) if n <= MAX_THREADS => Some(n),
                _ => {
                    return source.invalid(
                        t.span(),
                        "threads",
                        format!(
                            "{} is not a number of threads: write 1 to {MAX_THREADS}, or 0 for all cores",
                            t.get_ref()
                        ),
                    );
                }
            },
        };
        let contention = contention::build(&source, raw.server, raw.arrivals, base_dir)?;
        let service = match raw.service {
            Some(s) => Some(service::build(&source, s)?),
            None => None,
        };
        // A trace submits its own jobs unless `jobs` caps them.
        let trace_jobs = contention.as_ref().and_then(|c| c.arrivals.limit());
        let jobs = jobs.or(trace_jobs).unwrap_or(DEFAULT_JOBS);
        let workload_span = raw.workload.span();
        let rw = raw.workload.into_inner();
        let distribution =
            distribution::build(&source, &rw.distribution, base_dir, "workload.distribution")?;
        let workload = Workload::new(
            distribution,
            rw.error_probability.unwrap_or(0.0),
            rw.hint_error,
        )
        .or_else(|e| source.invalid(workload_span.clone(), "workload", e.to_string()))?;
        let mut phases = Vec::with_capacity(rw.phases.len());
        for (i, p) in rw.phases.iter().enumerate() {
            let path = format!("workload.phases[{i}].distribution");
            phases.push(crate::workload::Phase {
                from_job: p.from_job,
                distribution: distribution::build(&source, &p.distribution, base_dir, &path)?,
            });
        }
        let workload = workload
            .with_phases(phases)
            .or_else(|e| source.invalid(workload_span.clone(), "workload.phases", e.to_string()))?;
        let clients = rw.clients.unwrap_or(1);
        if clients == 0 {
            return source.invalid(
                workload_span,
                "workload.clients",
                "0: there must be at least one client",
            );
        }
        let (scoring, exact_percentiles) = scoring(&source, raw.metrics)?;
        let policies = policies(&source, &raw.policies, workload.hint_error.is_some())?;
        let policies = crate::policy::priced(policies, &scoring);
        let tune = match raw.tune {
            None => None,
            Some(t) => Some(
                TuneSettings::parse(t.get_ref())
                    .or_else(|e| source.invalid(t.span(), e.field, e.problem))?,
            ),
        };
        Ok(Self {
            file: file.to_path_buf(),
            seed: raw.seed.unwrap_or(DEFAULT_SEED),
            jobs,
            threads,
            workload,
            clients,
            scoring,
            exact_percentiles,
            policies,
            tune,
            contention,
            service,
            inputs,
        })
    }

    /// Replaces the policies with those of a policy file (`tuned.toml`).
    pub fn replace_policies(&mut self, file: &Path) -> Result<(), ConfigError> {
        let policies = load_policies(file, self.workload.hint_error.is_some())?;
        self.policies = crate::policy::priced(policies, &self.scoring);
        self.inputs.push(file.to_path_buf());
        Ok(())
    }

    /// The config's name: its file stem, used for the default results folder.
    pub fn name(&self) -> String {
        self.file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into())
    }
}

/// The CSV files a distribution (or its mixture components) reads.
fn named_files(raw: &raw::RawDistribution, base_dir: &Path, files: &mut Vec<PathBuf>) {
    if let Some(file) = &raw.file {
        files.push(base_dir.join(file));
    }
    for component in raw.components.iter().flatten() {
        named_files(component, base_dir, files);
    }
}

/// Reads a file of `[[policies]]` tables.
pub fn load_policies(
    file: &Path,
    workload_has_hints: bool,
) -> Result<Vec<PolicySpec>, ConfigError> {
    let text = read(file)?;
    let source = Source { file, text: &text };
    let raw: RawPolicyFile = source.parse()?;
    policies(&source, &raw.policies, workload_has_hints)
}

fn policies(
    source: &Source,
    raw: &[Spanned<crate::policy::RawPolicy>],
    has_hints: bool,
) -> Result<Vec<PolicySpec>, ConfigError> {
    if raw.is_empty() {
        return source.invalid(
            0..0,
            "policies",
            "none listed: add at least one [[policies]] table",
        );
    }
    let mut specs: Vec<PolicySpec> = Vec::with_capacity(raw.len());
    for (i, entry) in raw.iter().enumerate() {
        let where_ = format!(
            "policies[{i}] ({})",
            crate::policy::clip(&entry.get_ref().name, 40)
        );
        let spec = match PolicySpec::from_raw(entry.get_ref()) {
            Ok(spec) => spec,
            Err(e) => {
                return source.invalid(entry.span(), format!("{where_}.{}", e.field), e.problem);
            }
        };
        if specs.iter().any(|s| s.name() == spec.name()) {
            return source.invalid(
                entry.span(),
                format!("{where_}.name"),
                "is used twice: policy names must be unique",
            );
        }
        if spec.needs_hint() && !has_hints {
            return source.invalid(
                entry.span(),
                format!("{where_}.expected"),
                "is missing and the workload gives no per-job hints: set expected, or workload.hint_error",
            );
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn scoring(
    source: &Source,
    raw: Option<Spanned<RawMetrics>>,
) -> Result<(Scoring, bool), ConfigError> {
    let mut scoring = Scoring::default();
    let Some(raw) = raw else {
        return Ok((scoring, false));
    };
    let span = raw.span();
    let raw = raw.into_inner();
    let set = |value: Option<f64>, target: &mut f64, field: &str| -> Result<(), ConfigError> {
        if let Some(v) = value {
            if !(v.is_finite() && v >= 0.0) {
                return source.invalid(
                    span.clone(),
                    field,
                    format!("{v} is not a non-negative number"),
                );
            }
            *target = v;
        }
        Ok(())
    };
    if let Some(w) = raw.weights {
        set(
            w.hit_rate,
            &mut scoring.hit_rate_weight,
            "metrics.weights.hit_rate",
        )?;
        set(
            w.efficiency,
            &mut scoring.efficiency_weight,
            "metrics.weights.efficiency",
        )?;
    }
    if let Some(p) = raw.prices {
        set(p.call, &mut scoring.call_price, "metrics.prices.call")?;
        set(
            p.delay_s,
            &mut scoring.delay_price,
            "metrics.prices.delay_s",
        )?;
        set(
            p.give_up,
            &mut scoring.give_up_price,
            "metrics.prices.give_up",
        )?;
    }
    Ok((scoring, raw.exact_percentiles.unwrap_or(false)))
}
