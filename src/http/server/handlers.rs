//! Route handlers: create a job, answer status checks (optionally long-polled).

use super::super::wire::{CreatedJob, JobState, NewJob, StatusBody};
use super::capacity::Seat;
use super::conn::HangUp;
use super::error::ApiError;
use super::jobs::{Job, Missing};
use super::request;
use super::{AppState, LoadOutcome, Refused};
use crate::sim::server::{Verdict, retry_after_hint};
use axum::Json;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// `POST /jobs`.
pub(super) async fn create_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let config = state.config();
    let bytes = request::body_bytes(&headers, body, config).await?;
    let asked = request::new_job(&headers, &bytes, config.max_duration_s)?;
    created(&state, &asked, |id| format!("/jobs/{id}/status"))
}

/// Creates the job `asked` describes: `201` with its id and status path
/// (`status_url` of its id), or why not (a full table is a `503`).
pub(super) fn created(
    state: &AppState,
    asked: &NewJob,
    status_url: impl Fn(&str) -> String,
) -> Result<Response, ApiError> {
    let config = state.config();
    let now = Instant::now();
    let (id, hint_s) = state.try_create(asked, now).map_err(|refused| match refused {
        Refused::Full { frees } => {
            // Job seconds until the first slot frees, rounded up (RFC 9110
            // wants whole seconds): never earlier than a slot can be free.
            let wait = frees.saturating_duration_since(now).as_secs_f64() / config.time_scale;
            // One number for the message and the header.
            let after = (wait.ceil() as u64).max(1);
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "job table full: {} jobs are running or finished less than {} s ago; the first slot frees in {after} s; retry then or start the server with a larger --max-jobs",
                    state.jobs().cap(),
                    config.ttl_s
                ),
            )
            .retry_after(after)
        }
        Refused::BeyondClock => ApiError::bad_request(
            "duration_s: the job would end beyond the server's clock; ask for a shorter one",
        ),
    })?;
    let status_url = status_url(&id);
    let mut response = (
        StatusCode::CREATED,
        Json(CreatedJob {
            id,
            status_url: status_url.clone(),
            hint_s,
        }),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&status_url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `GET /jobs/{id}/status`.
pub(super) async fn job_status(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    let sent = request::job_id(&id)?;
    let wait = request::wait(query.as_deref(), state.config().model.max_wait_s)?;
    if sent.run != Some(state.run_id()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "id: job '{}' belongs to an earlier server run (or another server): this run's ids look like {}; create jobs with POST /jobs",
                id.chars().take(40).collect::<String>(),
                state.job_id(1)
            ),
        ));
    }
    status(&state, sent.n, wait, &headers, peer).await
}

/// `GET /status`: the most recent job, the original assignment's endpoint.
pub(super) async fn latest_status(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    let wait = request::wait(query.as_deref(), state.config().model.max_wait_s)?;
    let Some(id) = state.jobs().latest() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no job has been created yet: POST /jobs first",
        ));
    };
    status(&state, id, wait, &headers, peer).await
}

async fn status(
    state: &AppState,
    id: u64,
    wait: f64,
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<Response, ApiError> {
    let faults = state.faults();
    let arrived = Instant::now();
    // Counted even when it fails: the simulator draws for every check it sends.
    let (job, attempt) = state
        .jobs()
        .check(id, arrived)
        .map_err(|m| missing(state, id, m))?;
    let key = job.key.unwrap_or(id - 1);
    let mut noise = 0.5;
    // The check is decided at its arrival plus its latency, as in the
    // simulator, however late the timer wakes this task.
    let mut now = arrived;
    let draws = faults.active().then(|| faults.draw(key, attempt));
    if let Some(draws) = &draws {
        now = arrived + draws.latency;
        if !draws.latency.is_zero() {
            tokio::time::sleep_until(now.into()).await;
        }
        noise = draws.noise;
    }
    // An outage refuses before the other rules, as in the simulator.
    let station = state.station();
    let outage = station.is_some_and(|s| s.in_outage(state.run_time(now)));
    if outage {
        state.record(now, LoadOutcome::Failed);
    } else if let Some(draws) = &draws {
        let key = if faults.keyed() {
            client_key(headers, peer)?
        } else {
            String::new()
        };
        match faults.admit(&key, now, draws.failure) {
            Verdict::Pass => {}
            Verdict::Fail => {
                state.record(now, LoadOutcome::Failed);
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "injected failure (fail_rate): nothing is wrong with the job; check again",
                ));
            }
            Verdict::Throttle(after) => {
                state.record(now, LoadOutcome::Throttled);
                let model = &state.config().model;
                let cause = if draws.failure < model.fail_rate + model.throttle_rate {
                    "throttle_rate"
                } else {
                    "rate limit"
                };
                return Err(throttled(after as u64, cause));
            }
        }
    }
    if !outage {
        state.record(now, LoadOutcome::Answered);
    }
    if let Some(station) = station {
        // In an outage the station refuses, as `outage` said.
        let (sent, t) = (state.run_time(arrived), state.run_time(now));
        match station.arrive(key, attempt, sent, t, state.origin()) {
            Seat::Serve(done) => {
                if done > now {
                    tokio::time::sleep_until(done.into()).await;
                    now = done;
                }
            }
            Seat::Unavailable {
                outage,
                retry_after,
            } => {
                let error = if outage {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "outage (outages): the server answers nothing now; check again later",
                    )
                } else {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "queue full (queue): every worker is busy and the line is full; check again later",
                    )
                };
                return Err(match retry_after {
                    Some(after) => error.retry_after(after as u64),
                    None => error,
                });
            }
            Seat::HangUp(at) => {
                tokio::time::sleep_until(at.into()).await;
                return Ok(hang_up());
            }
        }
    }
    let mut job = lookup(state, id, now)?;
    if wait > 0.0 && job.state(now) == JobState::Pending {
        // Released when the job ends or the wait runs out, whichever is first.
        now = job.done_at.min(now + state.real(wait));
        tokio::time::sleep_until(now.into()).await;
        job = lookup(state, id, now)?;
    }
    Ok(answer(state, &job, now, noise))
}

fn lookup(state: &AppState, id: u64, now: Instant) -> Result<Job, ApiError> {
    state.jobs().get(id, now).map_err(|m| missing(state, id, m))
}

fn missing(state: &AppState, id: u64, missing: Missing) -> ApiError {
    let message = match missing {
        Missing::Unknown => format!(
            "id: no job {}; create jobs with POST /jobs",
            state.job_id(id)
        ),
        Missing::Expired => format!(
            "id: job {} finished more than {} s ago and was forgotten (--ttl)",
            state.job_id(id),
            state.config().ttl_s
        ),
    };
    ApiError::new(StatusCode::NOT_FOUND, message)
}

/// The answer at `now`; `noise` is the check's draw for the estimate's error.
fn answer(state: &AppState, job: &Job, now: Instant, noise: f64) -> Response {
    let result = job.state(now);
    let config = state.config();
    let model = &config.model;
    let pending = result == JobState::Pending;
    let elapsed_s = now.duration_since(job.created).as_secs_f64() / config.time_scale;
    // The estimate the simulator gives at the same time with the same draw.
    let estimate = model.estimate((job.duration_s - elapsed_s).max(0.0), noise);
    let body = StatusBody {
        result,
        progress: (pending && model.eta_hints).then(|| {
            let whole = elapsed_s + estimate;
            if whole > 0.0 {
                (elapsed_s / whole).clamp(0.0, 1.0)
            } else {
                1.0
            }
        }),
        eta_s: (pending && model.eta_hints).then_some(estimate),
    };
    let mut response = Json(body).into_response();
    if pending && model.retry_after_hints {
        // Whole seconds (RFC 9110), rounded up: never wakes the client early.
        let after = retry_after_hint(estimate) as u64;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(after));
    }
    response
}

/// A response the connection layer answers by closing the connection.
fn hang_up() -> Response {
    let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
    response.extensions_mut().insert(HangUp);
    response
}

fn throttled(after: u64, cause: &str) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("rate limited ({cause}): check again after {after} s"),
    )
    .retry_after(after)
}

/// The rate limiter's key: `X-Client-Id` when sent, else the peer address.
fn client_key(
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<String, ApiError> {
    match headers.get("x-client-id") {
        Some(value) => match value.to_str() {
            Ok(key) if !key.is_empty() && key.len() <= 128 => Ok(key.to_string()),
            _ => Err(ApiError::bad_request(
                "x-client-id: must be 1 to 128 visible ASCII characters",
            )),
        },
        None => Ok(peer.map_or_else(
            || "anonymous".into(),
            |Extension(ConnectInfo(a))| a.ip().to_string(),
        )),
    }
}

/// Any path the server does not have.
pub(super) async fn no_route(State(state): State<AppState>, method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route {method} {}: the server has {}",
            uri.path(),
            state.config().dialect.routes()
        ),
    )
}

/// A known path with the wrong method.
pub(super) async fn wrong_method(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
) -> Response {
    let start = state.config().dialect.start_path();
    let allowed = if uri.path() == start { "POST" } else { "GET" };
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {method} is not allowed on {}: use {allowed}",
            uri.path()
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}
