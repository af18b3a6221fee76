//! Builds the contention simulator's settings from `[server]` and `[arrivals]`.

use super::raw::{RawArrivals, RawServer};
use super::{ConfigError, Source};
use crate::sim::{Arrivals, ModelError, ServerModel};
use crate::workload::read_column;
use std::path::Path;
use toml::Spanned;

/// The many-clients model: one server, a submission pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentionSettings {
    /// The server's capacity, rate limit and faults (`[server]`).
    pub server: ServerModel,
    /// When jobs are submitted (`[arrivals]`).
    pub arrivals: Arrivals,
    /// Whether the config has a `[server]` section (else `server` is the ideal
    /// default, and `pollsim serve` keeps its own defaults).
    pub server_given: bool,
}

const ARRIVAL_KINDS: &str = "batch, poisson, trace";

/// `None` when the config has neither section (the single-job engine runs).
/// Without `[server]` the server is ideal; without `[arrivals]` every job is
/// submitted at t = 0.
pub(super) fn build(
    source: &Source,
    server: Option<Spanned<RawServer>>,
    arrivals: Option<Spanned<RawArrivals>>,
    base_dir: &Path,
) -> Result<Option<ContentionSettings>, ConfigError> {
    if server.is_none() && arrivals.is_none() {
        return Ok(None);
    }
    let server_given = server.is_some();
    let server = match server {
        None => ServerModel::default(),
        Some(raw) => {
            let span = raw.span();
            let mut raw = raw.into_inner();
            let capacity = super::capacity::take(source, &mut raw, span.clone(), base_dir)?;
            let server = build_server(raw)
                .or_else(|e| source.invalid(span, format!("server.{}", e.field), e.problem))?;
            ServerModel { capacity, ..server }
        }
    };
    let arrivals = match arrivals {
        None => Arrivals::Batch,
        Some(raw) => {
            let span = raw.span();
            build_arrivals(raw.get_ref(), base_dir)
                .or_else(|e| source.invalid(span, format!("arrivals.{}", e.field), e.problem))?
        }
    };
    Ok(Some(ContentionSettings {
        server,
        arrivals,
        server_given,
    }))
}

fn build_server(raw: RawServer) -> Result<ServerModel, ModelError> {
    let latency_ms = match raw.latency_ms.as_deref() {
        None => None,
        Some([min, max]) => Some((*min, *max)),
        Some(other) => {
            return Err(ModelError::new(
                "latency_ms",
                format!(
                    "has {} numbers: write [min, max] in milliseconds (equal for a fixed latency)",
                    other.len()
                ),
            ));
        }
    };
    ServerModel {
        latency_ms,
        fail_rate: raw.fail_rate.unwrap_or(0.0),
        throttle_rate: raw.throttle_rate.unwrap_or(0.0),
        rate_limit: raw.rate_limit,
        global_rate_limit: raw.global_rate_limit,
        retry_after_hints: raw.retry_after_hints.unwrap_or(false),
        eta_hints: raw.eta_hints.unwrap_or(false),
        eta_noise: raw.eta_noise.unwrap_or(0.0),
        max_wait_s: raw.max_wait_s.unwrap_or(ServerModel::DEFAULT_MAX_WAIT_S),
        capacity: None,
    }
    .validate()
}

fn build_arrivals(raw: &RawArrivals, base_dir: &Path) -> Result<Arrivals, ModelError> {
    let allowed: &[&str] = match raw.kind.as_str() {
        "batch" => &[],
        "poisson" => &["rate", "horizon"],
        "trace" => &["file", "column"],
        other => {
            return Err(ModelError::new(
                "kind",
                format!("'{other}' is not an arrival pattern; use one of: {ARRIVAL_KINDS}"),
            ));
        }
    };
    let present = [
        ("rate", raw.rate.is_some()),
        ("horizon", raw.horizon.is_some()),
        ("file", raw.file.is_some()),
        ("column", raw.column.is_some()),
    ];
    for (field, set) in present {
        if set && !allowed.contains(&field) {
            let takes = if allowed.is_empty() {
                "no parameters: the config's `jobs` are all submitted at t = 0".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(ModelError::new(
                field,
                format!("is not a parameter of {} (it takes {takes})", raw.kind),
            ));
        }
    }
    match raw.kind.as_str() {
        "batch" => Ok(Arrivals::Batch),
        "poisson" => {
            let rate = raw.rate.ok_or_else(|| {
                ModelError::new(
                    "rate",
                    "is missing: poisson needs a rate in jobs per second",
                )
            })?;
            Arrivals::poisson(rate, raw.horizon)
        }
        _ => {
            let file = raw.file.as_ref().ok_or_else(|| {
                ModelError::new(
                    "file",
                    "is missing: trace needs a CSV file of submission times",
                )
            })?;
            let times = read_column(&base_dir.join(file), raw.column.as_deref(), "submitted_s")
                .map_err(|problem| ModelError::new("file", problem))?;
            Arrivals::trace(times)
        }
    }
}
