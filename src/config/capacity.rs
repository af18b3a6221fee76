//! `[server]`'s capacity keys: `workers`, `service_ms`, `queue`,
//! `queue_full`, `outages`, `outage_answer` and `request_timeout`, read into
//! a [`Capacity`]. Without any of them the server has none (`None`), and
//! every run is what it was before these keys existed.

use super::raw::RawServer;
use super::{ConfigError, Source, distribution};
use crate::sim::ModelError;
use crate::sim::server::{Capacity, Refusal};
use std::path::Path;

/// Takes the capacity keys out of `raw` (so the rest of the server is built
/// as before) and validates them; `Ok(None)` when none is set.
pub(super) fn take(
    source: &Source,
    raw: &mut RawServer,
    span: std::ops::Range<usize>,
    base_dir: &Path,
) -> Result<Option<Capacity>, ConfigError> {
    let service_ms = match raw.service_ms.take() {
        Some(d) => Some(distribution::build(
            source,
            &d,
            base_dir,
            "server.service_ms",
        )?),
        None => None,
    };
    let keys = Keys {
        workers: raw.workers.take(),
        queue: raw.queue.take(),
        queue_full: raw.queue_full.take(),
        outages: raw.outages.take(),
        outage_answer: raw.outage_answer.take(),
        request_timeout: raw.request_timeout.take(),
    };
    if service_ms.is_none() && keys.is_empty() {
        return Ok(None);
    }
    build(keys, service_ms)
        .map(Some)
        .or_else(|e| source.invalid(span, format!("server.{}", e.field), e.problem))
}

struct Keys {
    workers: Option<i64>,
    queue: Option<i64>,
    queue_full: Option<String>,
    outages: Option<Vec<Vec<f64>>>,
    outage_answer: Option<String>,
    request_timeout: Option<f64>,
}

impl Keys {
    fn is_empty(&self) -> bool {
        self.workers.is_none()
            && self.queue.is_none()
            && self.queue_full.is_none()
            && self.outages.is_none()
            && self.outage_answer.is_none()
            && self.request_timeout.is_none()
    }
}

/// The most workers a simulated server may have.
const MAX_WORKERS: u32 = 1_000_000;

fn count(field: &str, value: i64, least: i64) -> Result<u32, ModelError> {
    if value < least || value > i64::from(u32::MAX) {
        return Err(ModelError::new(
            field,
            format!("{value} is not a whole number from {least} to {}", u32::MAX),
        ));
    }
    Ok(value as u32)
}

fn refusal(field: &str, value: &str, allowed: &[Refusal]) -> Result<Refusal, ModelError> {
    allowed
        .iter()
        .copied()
        .find(|r| r.name() == value)
        .ok_or_else(|| {
            let names: Vec<_> = allowed
                .iter()
                .map(|r| format!("\"{}\"", r.name()))
                .collect();
            ModelError::new(
                field,
                format!(
                    "\"{value}\" is not an answer here; write {}",
                    names.join(" or ")
                ),
            )
        })
}

fn build(
    keys: Keys,
    service_ms: Option<crate::workload::Distribution>,
) -> Result<Capacity, ModelError> {
    let workers = keys.workers.map(|w| count("workers", w, 1)).transpose()?;
    // The station keeps one free time per worker: bounded, like `threads`.
    if let Some(w) = workers.filter(|w| *w > MAX_WORKERS) {
        return Err(ModelError::new(
            "workers",
            format!("{w} is more than {MAX_WORKERS} workers: write {MAX_WORKERS} or fewer"),
        ));
    }
    if workers.is_some() && service_ms.is_none() {
        return Err(ModelError::new(
            "workers",
            "is set without service_ms: checks would take no time and never wait; add service_ms = { kind = \"exponential\", mean = 10.0 } (milliseconds)",
        ));
    }
    let queue = keys.queue.map(|q| count("queue", q, 0)).transpose()?;
    if queue.is_some() && workers.is_none() {
        return Err(ModelError::new(
            "queue",
            "is set without workers: unlimited workers never queue; add workers = 4 (say)",
        ));
    }
    let queue_full = match keys.queue_full.as_deref() {
        None => Refusal::Unavailable,
        Some(_) if queue.is_none() => {
            return Err(ModelError::new(
                "queue_full",
                "is set without queue: an unbounded queue is never full; add queue = 100 (say)",
            ));
        }
        Some(v) => refusal("queue_full", v, &[Refusal::Unavailable, Refusal::Drop])?,
    };
    let request_timeout = match keys.request_timeout {
        Some(t) if !(t.is_finite() && t > 0.0 && t <= 86_400.0) => {
            return Err(ModelError::new(
                "request_timeout",
                format!("{t} is not a number of seconds in (0, 86400]"),
            ));
        }
        other => other,
    };
    let mut outages = Vec::new();
    for (i, o) in keys.outages.iter().flatten().enumerate() {
        let &[start, end] = o.as_slice() else {
            return Err(ModelError::new(
                "outages",
                format!(
                    "window {} has {} numbers: write [start, end] in seconds",
                    i + 1,
                    o.len()
                ),
            ));
        };
        let after = outages.last().map_or(0.0, |&(_, e): &(f64, f64)| e);
        if !(start.is_finite() && end.is_finite() && after <= start && start < end) {
            return Err(ModelError::new(
                "outages",
                format!(
                    "window {} [{start}, {end}] is not 0 <= start < end, after the window before it (sorted, not overlapping)",
                    i + 1
                ),
            ));
        }
        outages.push((start, end));
    }
    let outage_answer = match keys.outage_answer.as_deref() {
        None => Refusal::Unavailable,
        Some(_) if outages.is_empty() => {
            return Err(ModelError::new(
                "outage_answer",
                "is set without outages: add outages = [[60.0, 120.0]] (say)",
            ));
        }
        Some(v) => refusal(
            "outage_answer",
            v,
            &[Refusal::Unavailable, Refusal::Silence],
        )?,
    };
    if outage_answer == Refusal::Silence && request_timeout.is_none() {
        return Err(ModelError::new(
            "outage_answer",
            "\"none\" needs request_timeout: a client would wait for ever; add request_timeout = 2.0 (say)",
        ));
    }
    Ok(Capacity {
        workers,
        service_ms,
        queue,
        queue_full,
        outages,
        outage_answer,
        request_timeout,
    })
}
