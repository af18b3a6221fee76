//! Server settings: the workload it samples, the time scale, hints, faults and limits.

use super::Dialect;
use crate::sim::ServerModel;
use crate::workload::Workload;
use std::time::Duration;

/// A setting the server cannot run with, named.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ServerConfigError {
    /// The setting's name, as on the command line or in the config.
    pub field: String,
    /// What is wrong with its value and what to give instead.
    pub problem: String,
}

fn invalid(field: &str, problem: impl Into<String>) -> ServerConfigError {
    ServerConfigError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// Everything `pollsim serve` can be told. Defaults are documented on each field.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Samples durations, outcomes and hints for jobs created without them.
    pub workload: Workload,
    /// Seeds the workload and the fault draws.
    pub seed: u64,
    /// Real seconds per job second. Default 1.
    pub time_scale: f64,
    /// What status checks meet: latency, failures, rate limits, hints and long
    /// polling, as the simulator models them (`[server]` in a config). Times are
    /// job time: latency and `Retry-After` scale with `time_scale` like durations.
    /// Default: no faults, limits or hints; holds of up to 60 s.
    pub model: ServerModel,
    /// Jobs kept at once; beyond it creation answers `503`. Default 100 000.
    pub max_jobs: usize,
    /// Job seconds a finished job stays readable. Default 3600.
    pub ttl_s: f64,
    /// Longest accepted `duration_s`. Default 30 days.
    pub max_duration_s: f64,
    /// Largest accepted request body in bytes. Default 4096.
    pub max_body_bytes: usize,
    /// Names this server run: job ids are `RUN-N`, so an id from an earlier
    /// run (or another server) is recognised, never mistaken for a job of
    /// this one. 1 to 16 lowercase letters and digits. Default: 10 hex digits
    /// drawn when the server starts.
    pub run_id: Option<String>,
    /// Real time a client has to send a request's head, from when the server
    /// starts waiting for it (the connection opened, or the previous answer
    /// went out); then the connection is closed. Default 10 s.
    pub header_read_timeout: Duration,
    /// Real time a connection may stay silent with no request in flight;
    /// then it is closed. Default 60 s.
    pub idle_timeout: Duration,
    /// The API it speaks. Default [`Dialect::Jobs`], pollsim's own.
    pub dialect: Dialect,
}

impl ServerConfig {
    /// Default of `max_jobs`.
    pub const DEFAULT_MAX_JOBS: usize = 100_000;
    /// Default of `ttl_s`: an hour.
    pub const DEFAULT_TTL_S: f64 = 3600.0;
    /// Default of `max_duration_s`: 30 days.
    pub const DEFAULT_MAX_DURATION_S: f64 = 30.0 * 86_400.0;
    /// Default of `max_body_bytes`.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 4096;
    /// Default of `header_read_timeout`.
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default of `idle_timeout`.
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
    /// At about 200 bytes a job, 10 million jobs are 2 GB: more is a typo.
    pub const MAX_MAX_JOBS: usize = 10_000_000;

    /// Defaults around a workload and a seed.
    pub fn new(workload: Workload, seed: u64) -> Self {
        Self {
            workload,
            seed,
            time_scale: 1.0,
            model: ServerModel {
                max_wait_s: ServerModel::DEFAULT_MAX_WAIT_S,
                ..ServerModel::default()
            },
            max_jobs: Self::DEFAULT_MAX_JOBS,
            ttl_s: Self::DEFAULT_TTL_S,
            max_duration_s: Self::DEFAULT_MAX_DURATION_S,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            run_id: None,
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            dialect: Dialect::Jobs,
        }
    }

    /// Checks every setting; the server only runs validated settings.
    pub fn validate(mut self) -> Result<Self, ServerConfigError> {
        validate_time_scale(self.time_scale)?;
        self.model = self.model.validate().map_err(|e| ServerConfigError {
            field: e.field,
            problem: e.problem,
        })?;
        if self.max_jobs == 0 {
            return Err(invalid(
                "max_jobs",
                "0: the server must hold at least one job",
            ));
        }
        if self.max_jobs > Self::MAX_MAX_JOBS {
            return Err(invalid(
                "max_jobs",
                format!(
                    "{}: at most {} jobs (about 200 bytes each)",
                    self.max_jobs,
                    Self::MAX_MAX_JOBS
                ),
            ));
        }
        for (field, timeout) in [
            ("header_read_timeout", self.header_read_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if timeout < Duration::from_millis(10) || timeout > Duration::from_secs(86_400) {
                return Err(invalid(
                    field,
                    format!(
                        "{} s is not between 0.01 s and one day (86400 s)",
                        timeout.as_secs_f64()
                    ),
                ));
            }
        }
        let run = self.run_id.get_or_insert_with(new_run_id);
        if run.is_empty()
            || run.len() > 16
            || !run
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        {
            return Err(invalid(
                "run_id",
                format!("'{run}' is not 1 to 16 lowercase letters and digits"),
            ));
        }
        for (field, value) in [
            ("ttl_s", self.ttl_s),
            ("max_duration_s", self.max_duration_s),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(invalid(
                    field,
                    format!("{value} is not a non-negative number of seconds"),
                ));
            }
        }
        // Real waits must fit in a Duration with room to add them to an Instant.
        let longest = (self.max_duration_s + self.ttl_s + self.model.max_wait_s) * self.time_scale;
        if longest > 1e9 {
            // Blame the largest of the three, with its value.
            let (field, value) = [
                ("max_duration_s", self.max_duration_s),
                ("ttl_s", self.ttl_s),
                ("max_wait_s", self.model.max_wait_s),
            ]
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("three settings");
            return Err(invalid(
                field,
                format!(
                    "{value} s: at time scale {}, max_duration_s + ttl_s + max_wait_s is {longest:.3e} real seconds, past the 1e9 a clock holds: lower it",
                    self.time_scale
                ),
            ));
        }
        Ok(self)
    }
}

/// A fresh run id: 10 hex digits from the OS-seeded hasher std gives every
/// `RandomState`, mixed with the clock and the process id, so two servers (in
/// one process or not) practically never share one.
fn new_run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    hasher.write_u32(std::process::id());
    format!("{:010x}", hasher.finish() >> 24)
}

/// Checks a time scale (shared by the server and the client).
pub fn validate_time_scale(scale: f64) -> Result<f64, ServerConfigError> {
    if scale.is_finite() && scale > 0.0 && scale <= 1e3 {
        Ok(scale)
    } else {
        Err(invalid(
            "time_scale",
            format!("{scale} is not a positive factor (real seconds per job second, at most 1000)"),
        ))
    }
}
