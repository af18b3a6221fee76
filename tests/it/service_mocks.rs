//! Mock status APIs on 127.0.0.1:0 for the `[service]` tests: three dialects
//! that differ in route shape, JSON nesting, status words, authentication and
//! `Retry-After` form, plus one that answers what no description can read.
//! Jobs end after a fixed real time; every request is logged.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// The token the authenticated mocks want.
pub(crate) const TOKEN: &str = "s3cret-token-8d1f2c";

/// One request the mock saw.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub path: String,
    pub authorized: bool,
}

#[derive(Default)]
pub(crate) struct Mock {
    /// Job id → (created, life, fails).
    jobs: Mutex<HashMap<String, (Instant, Duration, bool)>>,
    pub seen: Mutex<Vec<Seen>>,
    /// Status checks per job, to answer the first one differently.
    checks: Mutex<HashMap<String, u32>>,
    /// How long a job created by POST lives.
    life: Duration,
    /// Jobs created by POST so far (ids are drawn from it, so concurrent
    /// creations never share one).
    created: std::sync::atomic::AtomicU64,
}

pub(crate) type Shared = Arc<Mock>;

impl Mock {
    fn log(&self, path: String, authorized: bool) {
        self.seen.lock().unwrap().push(Seen { path, authorized });
    }

    /// The next creation's number: 1, 2, 3, …
    fn next(&self) -> u64 {
        self.created
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    fn create(&self, id: String, fails: bool) {
        self.jobs
            .lock()
            .unwrap()
            .insert(id, (Instant::now(), self.life, fails));
    }

    /// Adds a job that exists already (for dialects without create).
    pub(crate) fn add(&self, id: &str, life: Duration, fails: bool) {
        self.jobs
            .lock()
            .unwrap()
            .insert(id.into(), (Instant::now(), life, fails));
    }

    /// `None`: unknown; else (done, fails, share done).
    fn state(&self, id: &str) -> Option<(bool, bool, f64)> {
        let jobs = self.jobs.lock().unwrap();
        let (created, life, fails) = jobs.get(id)?;
        let share = created.elapsed().as_secs_f64() / life.as_secs_f64().max(1e-9);
        Some((share >= 1.0, *fails, share.min(1.0)))
    }

    fn check(&self, id: &str) -> u32 {
        let mut checks = self.checks.lock().unwrap();
        let n = checks.entry(id.to_string()).or_default();
        *n += 1;
        *n
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves `router` on a free loopback port in the background; returns its URL.
pub(crate) async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Dialect A, "translations": nested JSON, `Authorization: Bearer TOKEN`, a
/// 429 with `Retry-After: 1` (seconds) on each job's first check; jobs whose
/// body asks `"fail": true` fail. A wrong token is answered 401 with the
/// header echoed back (so a client must keep it out of its messages).
pub(crate) fn translations(life: Duration) -> (Router, Shared) {
    let mock = Arc::new(Mock {
        life,
        ..Mock::default()
    });
    fn authorized(headers: &HeaderMap) -> Result<(), Box<Response>> {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if sent == format!("Bearer {TOKEN}") {
            Ok(())
        } else {
            Err(Box::new(json(
                StatusCode::UNAUTHORIZED,
                serde_json::json!({ "message": format!("bad credentials: {sent}") }),
            )))
        }
    }
    async fn create(State(m): State<Shared>, headers: HeaderMap, body: String) -> Response {
        let ok = authorized(&headers);
        m.log("POST /v1/translations".into(), ok.is_ok());
        if let Err(e) = ok {
            return *e;
        }
        let id = format!("tr-{}", m.next());
        m.create(id.clone(), body.contains("\"fail\": true"));
        json(
            StatusCode::ACCEPTED,
            serde_json::json!({ "data": { "id": id } }),
        )
    }
    async fn status(
        State(m): State<Shared>,
        Path(id): Path<String>,
        headers: HeaderMap,
    ) -> Response {
        let ok = authorized(&headers);
        m.log(format!("GET /v1/translations/{id}"), ok.is_ok());
        if let Err(e) = ok {
            return *e;
        }
        let Some((done, fails, share)) = m.state(&id) else {
            return json(
                StatusCode::NOT_FOUND,
                serde_json::json!({ "message": "no such translation" }),
            );
        };
        if m.check(&id) == 1 {
            let mut r = json(
                StatusCode::TOO_MANY_REQUESTS,
                serde_json::json!({ "message": "slow down" }),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        let status = match (done, fails) {
            (false, _) if share < 0.3 => "queued",
            (false, _) => "processing",
            (true, false) => "done",
            (true, true) => "failed",
        };
        json(
            StatusCode::OK,
            serde_json::json!({ "data": { "status": status, "progress": share, "eta_seconds": "0.5" } }),
        )
    }
    let router = Router::new()
        .route("/v1/translations", post(create))
        .route("/v1/translations/{id}", get(status))
        .with_state(mock.clone());
    (router, mock)
}

/// Dialect B, "tasks": flat JSON, numeric ids, upper-case words, `X-Api-Key`,
/// and a 429 whose `Retry-After` is an HTTP date 2 s ahead on each task's
/// first check.
pub(crate) fn tasks(life: Duration) -> (Router, Shared) {
    let mock = Arc::new(Mock {
        life,
        ..Mock::default()
    });
    fn authorized(headers: &HeaderMap) -> bool {
        headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(TOKEN)
    }
    async fn create(State(m): State<Shared>, headers: HeaderMap) -> Response {
        m.log("POST /api/tasks".into(), authorized(&headers));
        if !authorized(&headers) {
            return StatusCode::FORBIDDEN.into_response();
        }
        let n = m.next() + 16;
        m.create(n.to_string(), false);
        json(StatusCode::CREATED, serde_json::json!({ "task_id": n }))
    }
    async fn state(
        State(m): State<Shared>,
        Path(id): Path<String>,
        headers: HeaderMap,
    ) -> Response {
        m.log(format!("GET /api/tasks/{id}/state"), authorized(&headers));
        if !authorized(&headers) {
            return StatusCode::FORBIDDEN.into_response();
        }
        let Some((done, _, _)) = m.state(&id) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        if m.check(&id) == 1 {
            let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            let mut r = StatusCode::TOO_MANY_REQUESTS.into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_str(&at).unwrap());
            return r;
        }
        let state = if done { "SUCCEEDED" } else { "RUNNING" };
        json(StatusCode::OK, serde_json::json!({ "state": state }))
    }
    let router = Router::new()
        .route("/api/tasks", post(create))
        .route("/api/tasks/{id}/state", get(state))
        .with_state(mock.clone());
    (router, mock)
}

/// Dialect C, "queue": no create (jobs exist already, [`Mock::add`]); a
/// pending job is `202 {"status": {"phase": "waiting"}}`, a done one a `303
/// See Other` to its result, a failed one `410 Gone`; no authentication.
pub(crate) fn queue() -> (Router, Shared) {
    let mock = Arc::new(Mock::default());
    async fn status(State(m): State<Shared>, Path(id): Path<String>) -> Response {
        m.log(format!("GET /queue/{id}"), true);
        match m.state(&id) {
            None => StatusCode::NOT_FOUND.into_response(),
            Some((false, _, _)) => json(
                StatusCode::ACCEPTED,
                serde_json::json!({ "status": { "phase": "waiting" } }),
            ),
            Some((true, false, _)) => {
                let mut r = StatusCode::SEE_OTHER.into_response();
                let to = HeaderValue::from_str(&format!("/results/{id}")).unwrap();
                r.headers_mut().insert(header::LOCATION, to);
                r
            }
            Some((true, true, _)) => StatusCode::GONE.into_response(),
        }
    }
    async fn result() -> Response {
        json(
            StatusCode::OK,
            serde_json::json!({ "status": { "phase": "nonsense" } }),
        )
    }
    let router = Router::new()
        .route("/queue/{id}", get(status))
        .route("/results/{id}", get(result))
        .with_state(mock.clone());
    (router, mock)
}

/// A service whose answers no description reads: `GET /text/{id}` is not
/// JSON (a long HTML page), `GET /json/{id}` is `{"info": {"state": "weird"}}`.
pub(crate) fn unreadable() -> Router {
    async fn text() -> Response {
        let page = format!("<html>{}</html>", "maintenance ".repeat(100));
        (StatusCode::OK, page).into_response()
    }
    async fn weird() -> Response {
        json(
            StatusCode::OK,
            serde_json::json!({ "info": { "state": "weird" } }),
        )
    }
    Router::new()
        .route("/text/{id}", get(text))
        .route("/json/{id}", get(weird))
}
