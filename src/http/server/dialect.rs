//! The seeds' dialects (`pollsim serve --dialect`): besides pollsim's own
//! API (`jobs`: `POST /jobs`, `GET /jobs/{id}/status`), the two status APIs
//! the original assignment's seeds speak, so that a `[service]` description
//! can be tried, and tested, against the bundled server:
//!
//! - `start-timer`: `POST /start-timer {"duration": s}` starts a single global
//!   timer (a new start replaces it), `GET /status` answers
//!   `{"result": "pending" | "completed" | "error"}` about it;
//! - `request`: `POST /request` starts a job whose duration, outcome and hint
//!   the server draws from the config's workload, `GET /status` as above.
//!
//! Both answer a start with `201 {"id": …, "status_url": "/status"}`. The
//! status answers, faults, hints and limits are the `jobs` dialect's, as
//! `GET /status` (the latest job) has always answered them.

use super::error::ApiError;
use super::handlers::{created, latest_status};
use super::{AppState, request};
use crate::http::wire::{NewJob, Outcome};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

/// Which API the bundled server speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// pollsim's own: `POST /jobs`, `GET /jobs/{id}/status`, `GET /status`.
    #[default]
    Jobs,
    /// `POST /start-timer {"duration": s}`, `GET /status`.
    StartTimer,
    /// `POST /request`, `GET /status`.
    Request,
}

impl Dialect {
    /// Every dialect, as `--dialect` names them.
    pub const ALL: [Dialect; 3] = [Dialect::Jobs, Dialect::StartTimer, Dialect::Request];

    /// The name `--dialect` takes.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Jobs => "jobs",
            Dialect::StartTimer => "start-timer",
            Dialect::Request => "request",
        }
    }

    /// The dialect called `name`, or a message listing them.
    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == name.trim())
            .ok_or_else(|| format!("'{name}' is not a dialect: write jobs, start-timer or request"))
    }

    /// The routes it serves, for messages.
    pub fn routes(self) -> &'static str {
        match self {
            Dialect::Jobs => "POST /jobs, GET /jobs/{id}/status, GET /status and GET /openapi.json",
            Dialect::StartTimer => "POST /start-timer and GET /status",
            Dialect::Request => "POST /request and GET /status",
        }
    }

    /// The path that starts a job.
    pub(super) fn start_path(self) -> &'static str {
        match self {
            Dialect::Jobs => "/jobs",
            Dialect::StartTimer => "/start-timer",
            Dialect::Request => "/request",
        }
    }
}

/// The routes of a seed dialect (not `jobs`, which the server module builds).
pub(super) fn routes(dialect: Dialect) -> Router<AppState> {
    let router = Router::new().route("/status", get(latest_status));
    match dialect {
        Dialect::Jobs => router,
        Dialect::StartTimer => router.route("/start-timer", post(start_timer)),
        Dialect::Request => router.route("/request", post(start_request)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Timer {
    duration: f64,
}

/// `POST /start-timer`.
async fn start_timer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let config = state.config();
    let bytes = request::body_bytes(&headers, body, config).await?;
    let timer: Timer = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "body: {e}: send {{\"duration\": SECONDS}}, like {{\"duration\": 3}}"
        ))
    })?;
    let max = config.max_duration_s;
    if !(timer.duration.is_finite() && (0.0..=max).contains(&timer.duration)) {
        return Err(ApiError::bad_request(format!(
            "duration: {} is not a number of seconds from 0 to {max}",
            timer.duration
        )));
    }
    let asked = NewJob {
        duration_s: Some(timer.duration),
        outcome: Some(Outcome::Completed),
        ..NewJob::default()
    };
    created(&state, &asked, |_| "/status".into())
}

/// `POST /request`: the job is drawn from the workload; a body is not read.
async fn start_request(State(state): State<AppState>) -> Result<Response, ApiError> {
    created(&state, &NewJob::default(), |_| "/status".into())
}
