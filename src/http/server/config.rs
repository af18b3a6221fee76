//! Server settings: the workload it samples, the time scale, hints, faults and limits.

use crate::workload::Workload;

/// A setting the server cannot run with, named.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ServerConfigError {
    pub field: &'static str,
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> ServerConfigError {
    ServerConfigError {
        field,
        problem: problem.into(),
    }
}

/// Faults injected into status checks (never into job creation, so that a retried
/// creation cannot make two jobs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Share of status checks answered `500`.
    pub fail_rate: f64,
    /// Share of status checks answered `429` with `Retry-After: 1`, at random.
    pub throttle_rate: f64,
    /// Real milliseconds added before each status check is answered, uniform in
    /// `[min, max]`.
    pub latency_ms: Option<(f64, f64)>,
    /// Status checks allowed per job second and client key (`X-Client-Id`, else the
    /// peer address); beyond it `429` with the `Retry-After` that frees a slot.
    pub rate_limit: Option<f64>,
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
    /// Send `Retry-After` (the remaining job seconds) on pending answers. Default off.
    pub retry_after_hints: bool,
    /// Add `progress` and `eta_s` to pending answers. Default off.
    pub eta_hints: bool,
    pub faults: Faults,
    /// Jobs kept at once; beyond it creation answers `503`. Default 100 000.
    pub max_jobs: usize,
    /// Job seconds a finished job stays readable. Default 3600.
    pub ttl_s: f64,
    /// Longest `?wait=` in job seconds. Default 60.
    pub max_wait_s: f64,
    /// Longest accepted `duration_s`. Default 30 days.
    pub max_duration_s: f64,
    /// Largest accepted request body in bytes. Default 4096.
    pub max_body_bytes: usize,
}

impl ServerConfig {
    pub const DEFAULT_MAX_JOBS: usize = 100_000;
    pub const DEFAULT_TTL_S: f64 = 3600.0;
    pub const DEFAULT_MAX_WAIT_S: f64 = 60.0;
    pub const DEFAULT_MAX_DURATION_S: f64 = 30.0 * 86_400.0;
    pub const DEFAULT_MAX_BODY_BYTES: usize = 4096;

    pub fn new(workload: Workload, seed: u64) -> Self {
        Self {
            workload,
            seed,
            time_scale: 1.0,
            retry_after_hints: false,
            eta_hints: false,
            faults: Faults::default(),
            max_jobs: Self::DEFAULT_MAX_JOBS,
            ttl_s: Self::DEFAULT_TTL_S,
            max_wait_s: Self::DEFAULT_MAX_WAIT_S,
            max_duration_s: Self::DEFAULT_MAX_DURATION_S,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Checks every setting; the server only runs validated settings.
    pub fn validate(self) -> Result<Self, ServerConfigError> {
        validate_time_scale(self.time_scale)?;
        let f = &self.faults;
        for (field, rate) in [
            ("fail_rate", f.fail_rate),
            ("throttle_rate", f.throttle_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(invalid(field, format!("{rate} is not a share in [0, 1]")));
            }
        }
        if f.fail_rate + f.throttle_rate > 1.0 {
            return Err(invalid(
                "throttle_rate",
                "fail_rate + throttle_rate exceeds 1: no check could succeed",
            ));
        }
        if let Some((min, max)) = f.latency_ms
            && !(min.is_finite() && max.is_finite() && 0.0 <= min && min <= max && max <= 60_000.0)
        {
            return Err(invalid(
                "latency_ms",
                format!("{min}..{max} is not a range 0 <= min <= max <= 60000 ms"),
            ));
        }
        if let Some(rate) = f.rate_limit
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(invalid(
                "rate_limit",
                format!("{rate} is not a positive number of requests per second"),
            ));
        }
        if self.max_jobs == 0 {
            return Err(invalid(
                "max_jobs",
                "0: the server must hold at least one job",
            ));
        }
        for (field, value) in [
            ("ttl_s", self.ttl_s),
            ("max_wait_s", self.max_wait_s),
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
        let longest = (self.max_duration_s + self.ttl_s + self.max_wait_s) * self.time_scale;
        if longest > 1e9 {
            return Err(invalid(
                "max_duration_s",
                "with this time scale, jobs would outlive any clock: lower it",
            ));
        }
        Ok(self)
    }
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
