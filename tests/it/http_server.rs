//! The bundled server through its router (no socket): job life, hints, the
//! job table's limits and the settings it refuses. Bad input and the API
//! surface are in `http_server_bad_input` and `http_server_api`, which share
//! the helpers here.

use super::support::{runtime, workload};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pollsim::http::server::{AppState, ServerConfig, app};
use pollsim::http::wire::{CreatedJob, StatusBody};
use std::time::Duration;
use tower::ServiceExt;

pub(crate) fn state(configure: impl FnOnce(&mut ServerConfig)) -> AppState {
    let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
    // A fixed run id, so that ids in the tables below are this run's.
    config.run_id = Some("run1".into());
    configure(&mut config);
    AppState::new(config).expect("valid server settings")
}

/// Sends one request to the router; returns the status, headers and body text.
pub(crate) async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app(state.clone())
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

pub(crate) const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

pub(crate) async fn create(state: &AppState, body: &str) -> CreatedJob {
    let (status, headers, text) =
        call(state, "POST", "/jobs", JSON, body.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let created: CreatedJob = serde_json::from_str(&text).unwrap();
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        created.status_url.as_str()
    );
    created
}

pub(crate) async fn status(state: &AppState, uri: &str) -> (StatusBody, Option<String>) {
    let (code, headers, text) = call(state, "GET", uri, &[], vec![]).await;
    assert_eq!(code, StatusCode::OK, "{text}");
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (serde_json::from_str(&text).unwrap(), retry_after)
}

#[test]
fn a_job_is_pending_then_final_and_long_polling_returns_at_the_end() {
    runtime().block_on(async {
        // Time scale 0.01: a 20 s job ends after 0.2 s; a wait of 1000 s is 10 s.
        let state = state(|c| {
            c.time_scale = 0.01;
            c.model.max_wait_s = 1000.0;
        });
        let job = create(&state, r#"{"duration_s": 20, "outcome": "error"}"#).await;
        assert_eq!(job.id, "run1-1");
        let (body, retry_after) = status(&state, &job.status_url).await;
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"result":"pending"}"#
        );
        assert_eq!(retry_after, None, "hints are off by default");
        // The original endpoint answers for the most recent job.
        let (latest, _) = status(&state, "/status").await;
        assert_eq!(latest, body);
        let started = std::time::Instant::now();
        let (body, _) = status(&state, &format!("{}?wait=1000", job.status_url)).await;
        let held = started.elapsed();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"result":"error"}"#
        );
        assert!(
            held < Duration::from_secs(3),
            "held until the end, not the whole wait: {held:?}"
        );
        assert!(held > Duration::from_millis(100), "{held:?}");
        // A job without a duration is job 1 of the workload (the first was explicit).
        let sampled = create(&state, "").await;
        assert_eq!(sampled.id, "run1-2");
    });
}

#[test]
fn hints_give_retry_after_progress_and_eta() {
    runtime().block_on(async {
        let state = state(|c| {
            c.model.retry_after_hints = true;
            c.model.eta_hints = true;
        });
        let job = create(&state, r#"{"duration_s": 100, "hint_s": 90}"#).await;
        assert_eq!(job.hint_s, Some(90.0));
        let (body, retry_after) = status(&state, &job.status_url).await;
        assert_eq!(retry_after.as_deref(), Some("100"));
        let eta = body.eta_s.unwrap();
        assert!(eta > 99.0 && eta <= 100.0, "{eta}");
        assert!(body.progress.unwrap() < 0.01);
        let done = create(&state, r#"{"duration_s": 0}"#).await;
        let (body, retry_after) = status(&state, &done.status_url).await;
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"result":"completed"}"#
        );
        assert_eq!(retry_after, None, "no hints on final answers");
    });
}

#[test]
fn the_table_is_capped_and_finished_jobs_expire() {
    runtime().block_on(async {
        // TTL 10 job s at scale 0.01: forgotten 0.1 s after the end.
        let state = state(|c| {
            c.time_scale = 0.01;
            c.max_jobs = 3;
            c.ttl_s = 10.0;
        });
        for _ in 0..3 {
            create(&state, r#"{"duration_s": 0}"#).await;
        }
        let (code, headers, text) = call(
            &state,
            "POST",
            "/jobs",
            JSON,
            b"{\"duration_s\": 0}".to_vec(),
        )
        .await;
        assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
        assert!(text.contains("job table full: 3 jobs"), "{text}");
        // The first slot frees when the first job's TTL runs out: 10 job s.
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "10");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let (code, _, text) = call(&state, "GET", "/jobs/run1-1/status", &[], vec![]).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        assert!(
            text.contains("job run1-1 finished more than 10 s ago and was forgotten"),
            "{text}"
        );
        let job = create(&state, r#"{"duration_s": 0}"#).await;
        assert_eq!(job.id, "run1-4");
        assert!(state.job_count() <= 3);
    });
}

#[test]
fn a_full_table_says_when_its_first_slot_frees() {
    runtime().block_on(async {
        let state = state(|c| {
            c.max_jobs = 2;
            c.ttl_s = 100.0;
        });
        // Expire at 600 and 130 job s: the first slot frees in 130 s, not 1.
        create(&state, r#"{"duration_s": 500}"#).await;
        create(&state, r#"{"duration_s": 30}"#).await;
        let (code, headers, text) = call(&state, "POST", "/jobs", JSON, b"{}".to_vec()).await;
        assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE, "{text}");
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "130");
        assert!(text.contains("the first slot frees in 130 s"), "{text}");
    });
}

#[test]
fn bad_server_settings_are_refused_by_name() {
    type Breaks = fn(&mut ServerConfig);
    let bad: [(&str, Breaks); 7] = [
        ("time_scale", |c| c.time_scale = 0.0),
        ("fail_rate", |c| c.model.fail_rate = 1.5),
        ("throttle_rate", |c| {
            c.model.fail_rate = 0.6;
            c.model.throttle_rate = 0.6;
        }),
        ("latency_ms", |c| c.model.latency_ms = Some((50.0, 10.0))),
        ("max_jobs", |c| c.max_jobs = 0),
        ("max_jobs", |c| c.max_jobs = usize::MAX),
        ("run_id", |c| c.run_id = Some("Run-1".into())),
    ];
    for (field, break_it) in bad {
        let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
        break_it(&mut config);
        let error = AppState::new(config).err().expect(field);
        assert!(error.to_string().starts_with(field), "{error}");
    }
}
