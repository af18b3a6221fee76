//! The TOML schema as written by users: serde types that reject unknown fields.
//! Nothing here is validated; see the parent module for that.

use crate::policy::RawPolicy;
use serde::Deserialize;
use toml::Spanned;

/// A config file as parsed, before validation; spans locate errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Seed of every random stream. Default 1.
    pub seed: Option<u64>,
    /// Jobs to simulate. Default 100000. Signed, so that a negative count gets
    /// the config's own message rather than the parser's.
    pub jobs: Option<Spanned<i64>>,
    /// Worker threads (0 or absent: all cores).
    pub threads: Option<Spanned<i64>>,
    /// The job-duration distribution (`[workload]`).
    pub workload: Spanned<RawWorkload>,
    /// Score weights and prices (`[metrics]`).
    #[serde(default)]
    pub metrics: Option<Spanned<RawMetrics>>,
    /// The policies (`[[policies]]`).
    #[serde(default)]
    pub policies: Vec<Spanned<RawPolicy>>,
    /// Parameter grids for `pollsim tune`; kept as TOML until the optimizer reads it.
    #[serde(default)]
    pub tune: Option<Spanned<toml::Table>>,
    /// The status server of the contention simulator.
    #[serde(default)]
    pub server: Option<Spanned<RawServer>>,
    /// When jobs are submitted, for the contention simulator.
    #[serde(default)]
    pub arrivals: Option<Spanned<RawArrivals>>,
    /// The user's own status API (`[service]`).
    #[serde(default)]
    pub service: Option<Spanned<super::service::RawService>>,
}

/// `[server]`: named after `pollsim serve`'s options (see `sim::server`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// `[min, max]` milliseconds, uniform.
    pub latency_ms: Option<Vec<f64>>,
    pub fail_rate: Option<f64>,
    pub throttle_rate: Option<f64>,
    pub rate_limit: Option<f64>,
    pub global_rate_limit: Option<f64>,
    pub retry_after_hints: Option<bool>,
    pub eta_hints: Option<bool>,
    pub eta_noise: Option<f64>,
    pub max_wait_s: Option<f64>,
    /// Capacity keys (see `config::capacity`): checks served at once.
    pub workers: Option<i64>,
    /// One check's service time, milliseconds, in the workload's syntax.
    pub service_ms: Option<Spanned<RawDistribution>>,
    /// Most checks waiting for a worker.
    pub queue: Option<i64>,
    /// `"503"` or `"drop"`.
    pub queue_full: Option<String>,
    /// `[[start, end], …]` seconds.
    pub outages: Option<Vec<Vec<f64>>>,
    /// `"503"` or `"none"`.
    pub outage_answer: Option<String>,
    /// Seconds a client waits for an answer.
    pub request_timeout: Option<f64>,
}

/// `[arrivals]`: `kind` plus that kind's parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    pub kind: String,
    pub rate: Option<f64>,
    pub horizon: Option<f64>,
    pub file: Option<String>,
    pub column: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub distribution: Spanned<RawDistribution>,
    pub error_probability: Option<f64>,
    pub hint_error: Option<f64>,
    pub clients: Option<u64>,
    /// `[[workload.phases]]`: later distributions by first job.
    #[serde(default)]
    pub phases: Vec<RawPhase>,
}

/// One `[[workload.phases]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub from_job: u64,
    pub distribution: Spanned<RawDistribution>,
}

/// One flat table per distribution: `kind` plus that kind's parameters.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistribution {
    pub kind: String,
    /// Only inside a mixture: the component's weight.
    pub weight: Option<f64>,
    pub value: Option<f64>,
    pub base: Option<f64>,
    pub spread: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub sigma: Option<f64>,
    pub file: Option<String>,
    pub column: Option<String>,
    /// `observed`: how to estimate (`turnbull`, `lognormal`).
    pub method: Option<String>,
    pub components: Option<Vec<RawDistribution>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    pub exact_percentiles: Option<bool>,
    pub weights: Option<RawWeights>,
    pub prices: Option<RawPrices>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeights {
    pub hit_rate: Option<f64>,
    pub efficiency: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrices {
    pub call: Option<f64>,
    pub delay_s: Option<f64>,
    pub give_up: Option<f64>,
}

/// A file holding only policies (`tuned.toml`, `--policies`).
#[derive(Debug, Deserialize)]
pub(super) struct RawPolicyFile {
    pub policies: Vec<Spanned<RawPolicy>>,
}
