//! The bundled server through its router (no socket): bad input, job life, limits, OpenAPI.

use super::support::{runtime, workload};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use pollsim::http::server::{AppState, ServerConfig, app, openapi};
use pollsim::http::wire::{CreatedJob, ErrorBody, StatusBody};
use std::time::Duration;
use tower::ServiceExt;

fn state(configure: impl FnOnce(&mut ServerConfig)) -> AppState {
    let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
    // A fixed run id, so that ids in the tables below are this run's.
    config.run_id = Some("run1".into());
    configure(&mut config);
    AppState::new(config).expect("valid server settings")
}

/// Sends one request to the router; returns the status, headers and body text.
async fn call(
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

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

/// (case, method, uri, headers, body, expected status, text the error must contain)
#[allow(clippy::type_complexity)]
fn bad_inputs() -> Vec<(
    &'static str,
    &'static str,
    String,
    &'static [(&'static str, &'static str)],
    Vec<u8>,
    u16,
    &'static str,
)> {
    let b = |s: &str| s.as_bytes().to_vec();
    vec![
        (
            "malformed JSON",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": 1"),
            400,
            "body: not valid JSON",
        ),
        (
            "trailing garbage",
            "POST",
            "/jobs".into(),
            JSON,
            b("{} x"),
            400,
            "body: not valid JSON",
        ),
        (
            "JSON array",
            "POST",
            "/jobs".into(),
            JSON,
            b("[1, 2]"),
            400,
            "expected a JSON object",
        ),
        (
            "JSON string",
            "POST",
            "/jobs".into(),
            JSON,
            b("\"12\""),
            400,
            "got a string",
        ),
        (
            "duration as string",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": \"12\"}"),
            400,
            "duration_s: expected a number of seconds, got a string",
        ),
        (
            "duration as bool",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": true}"),
            400,
            "duration_s: expected a number of seconds, got a boolean",
        ),
        (
            "duration null",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": null}"),
            400,
            "duration_s: expected a number of seconds, got null",
        ),
        (
            "negative duration",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": -1}"),
            400,
            "duration_s: -1 is negative",
        ),
        (
            "NaN duration",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": NaN}"),
            400,
            "body: not valid JSON",
        ),
        (
            "infinite duration",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": 1e999}"),
            400,
            "number out of range",
        ),
        (
            "absurd duration",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duration_s\": 1e12}"),
            400,
            "duration_s: 1000000000000 is too large; at most 2592000 seconds",
        ),
        (
            "negative hint",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"hint_s\": -3}"),
            400,
            "hint_s: -3 is negative",
        ),
        (
            "fractional index",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"index\": 7.5}"),
            400,
            "index: 7.5 is not a job index",
        ),
        (
            "unknown outcome",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"outcome\": \"done\"}"),
            400,
            "outcome: \"done\" is not \"completed\" or \"error\"",
        ),
        (
            "outcome as number",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"outcome\": 1}"),
            400,
            "outcome: 1 is not",
        ),
        (
            "unknown field",
            "POST",
            "/jobs".into(),
            JSON,
            b("{\"duraton_s\": 3}"),
            400,
            "duraton_s: unknown field; a job takes duration_s, outcome, hint_s and index",
        ),
        (
            "form body",
            "POST",
            "/jobs".into(),
            &[("content-type", "application/x-www-form-urlencoded")],
            b("duration_s=3"),
            415,
            "is not JSON; send application/json",
        ),
        (
            "no content type",
            "POST",
            "/jobs".into(),
            &[],
            b("{\"duration_s\": 3}"),
            415,
            "content-type: (none) is not JSON",
        ),
        (
            "oversized body",
            "POST",
            "/jobs".into(),
            JSON,
            vec![b' '; 10_000].into_iter().chain(b("{}")).collect(),
            413,
            "body: larger than 4096 bytes",
        ),
        (
            "job id not a number",
            "GET",
            "/jobs/abc/status".into(),
            &[],
            vec![],
            400,
            "id: 'abc' is not a job id",
        ),
        (
            "job id with sign",
            "GET",
            "/jobs/+1/status".into(),
            &[],
            vec![],
            400,
            "id: '+1' is not a job id",
        ),
        (
            "job id too large",
            "GET",
            "/jobs/99999999999999999999/status".into(),
            &[],
            vec![],
            400,
            "out of range",
        ),
        (
            "unknown job id",
            "GET",
            "/jobs/run1-12345/status".into(),
            &[],
            vec![],
            404,
            "id: no job run1-12345",
        ),
        (
            "job id zero",
            "GET",
            "/jobs/run1-0/status".into(),
            &[],
            vec![],
            404,
            "id: no job run1-0",
        ),
        (
            "job id of another run",
            "GET",
            "/jobs/0a1b2c3d4e-5/status".into(),
            &[],
            vec![],
            404,
            "id: job '0a1b2c3d4e-5' belongs to an earlier server run (or another server): this run's ids look like run1-1",
        ),
        (
            "bare job number (ids before run ids)",
            "GET",
            "/jobs/5/status".into(),
            &[],
            vec![],
            404,
            "belongs to an earlier server run",
        ),
        (
            "job id with an empty run",
            "GET",
            "/jobs/-5/status".into(),
            &[],
            vec![],
            400,
            "id: '-5' is not a job id",
        ),
        (
            "job id with two dashes",
            "GET",
            "/jobs/run1-5-6/status".into(),
            &[],
            vec![],
            400,
            "is not a job id",
        ),
        (
            "no job yet",
            "GET",
            "/status".into(),
            &[],
            vec![],
            404,
            "no job has been created yet",
        ),
        (
            "wait not a number",
            "GET",
            "/jobs/1/status?wait=soon".into(),
            &[],
            vec![],
            400,
            "wait: 'soon' is not a number of seconds",
        ),
        (
            "negative wait",
            "GET",
            "/jobs/1/status?wait=-1".into(),
            &[],
            vec![],
            400,
            "wait: -1 is not a non-negative number",
        ),
        (
            "NaN wait",
            "GET",
            "/status?wait=NaN".into(),
            &[],
            vec![],
            400,
            "wait: NaN is not a non-negative number",
        ),
        (
            "unknown query parameter",
            "GET",
            "/jobs/1/status?wiat=3".into(),
            &[],
            vec![],
            400,
            "wiat: unknown query parameter",
        ),
        (
            "plus sign unescaped in wait",
            "GET",
            "/jobs/1/status?wait=1e+20".into(),
            &[],
            vec![],
            400,
            "wait: '1e 20' is not a number of seconds ('+' in a query is a space: write %2B",
        ),
        (
            "percent-encoded unknown parameter",
            "GET",
            "/jobs/1/status?wa%69x=1".into(),
            &[],
            vec![],
            400,
            "waix: unknown query parameter",
        ),
        (
            "percent-encoded NaN wait",
            "GET",
            "/status?wait=%4EaN".into(),
            &[],
            vec![],
            400,
            "wait: NaN is not a non-negative number",
        ),
        (
            "wait given twice",
            "GET",
            "/jobs/1/status?wait=1&wait=2".into(),
            &[],
            vec![],
            400,
            "wait: given more than once",
        ),
        (
            "DELETE a job",
            "DELETE",
            "/jobs/1/status".into(),
            &[],
            vec![],
            405,
            "method DELETE is not allowed on /jobs/1/status: use GET",
        ),
        (
            "GET /jobs",
            "GET",
            "/jobs".into(),
            &[],
            vec![],
            405,
            "method GET is not allowed on /jobs: use POST",
        ),
        (
            "POST /status",
            "POST",
            "/status".into(),
            JSON,
            b("{}"),
            405,
            "use GET",
        ),
        (
            "unknown route",
            "GET",
            "/jobs/1".into(),
            &[],
            vec![],
            404,
            "no route GET /jobs/1",
        ),
    ]
}

#[test]
fn every_bad_input_is_a_4xx_json_error_naming_the_problem() {
    let cases = bad_inputs();
    assert!(cases.len() >= 20);
    runtime().block_on(async {
        let state = state(|_| {});
        for (case, method, uri, headers, body, status, text) in cases {
            let (got, headers, body) = call(&state, method, &uri, headers, body).await;
            assert_eq!(got.as_u16(), status, "{case}: {body}");
            assert_eq!(
                headers
                    .get(header::CONTENT_TYPE)
                    .map(|v| v.to_str().unwrap()),
                Some("application/json"),
                "{case}"
            );
            let error: ErrorBody =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{case}: {e}: {body}"));
            assert!(
                error.error.contains(text),
                "{case}: '{}' lacks '{text}'",
                error.error
            );
        }
        // Nothing above created a job.
        assert_eq!(state.job_count(), 0);
    });
}

async fn create(state: &AppState, body: &str) -> CreatedJob {
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

async fn status(state: &AppState, uri: &str) -> (StatusBody, Option<String>) {
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

#[test]
fn openapi_documents_exactly_the_routes_the_server_has() {
    let server = state(|c| c.time_scale = 0.5);
    let doc = openapi::document(server.config());
    // The limits the server enforces, its run and its time scale are declared.
    let new_job = &doc["components"]["schemas"]["NewJob"]["properties"];
    assert_eq!(new_job["duration_s"]["maximum"], 2_592_000.0);
    assert_eq!(new_job["hint_s"]["maximum"], 2_592_000.0);
    assert_eq!(doc["info"]["x-pollsim-time-scale"], 0.5);
    assert_eq!(doc["info"]["x-pollsim-run-id"], "run1");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let expected = [
        ("GET", "/jobs/{id}/status"),
        ("GET", "/openapi.json"),
        ("GET", "/status"),
        ("POST", "/jobs"),
    ];
    assert_eq!(
        documented,
        expected.map(|(m, p)| (m.to_string(), p.to_string()))
    );
    runtime().block_on(async {
        let state = server;
        let created = create(&state, r#"{"duration_s": 5}"#).await;
        for (method, path) in &documented {
            let uri = path.replace("{id}", &created.id);
            let body = if method == "POST" {
                b"{}".to_vec()
            } else {
                vec![]
            };
            let (code, _, text) = call(&state, method, &uri, JSON, body).await;
            assert!(code.is_success(), "{method} {uri}: {code} {text}");
            // Every documented success code of the operation is a real one.
            let responses = &doc["paths"][path.as_str()][method.to_lowercase()]["responses"];
            assert!(
                responses.get(code.as_str()).is_some(),
                "{method} {path}: {code} undocumented"
            );
        }
        let (_, _, served) = call(&state, "GET", "/openapi.json", &[], vec![]).await;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&served).unwrap(),
            doc
        );
    });
}

#[test]
fn query_strings_are_decoded_as_forms_encode_them() {
    runtime().block_on(async {
        // Time scale 0.1: a wait of 1.5 job s holds 150 ms; max wait 2 job s (200 ms).
        let state = state(|c| {
            c.time_scale = 0.1;
            c.model.max_wait_s = 2.0;
        });
        // JSON Schema counts 7.0 as an integer, so an index may be written so.
        let job = create(&state, r#"{"duration_s": 1000, "index": 7.0}"#).await;
        let url = &job.status_url;
        // (query, real hold expected): what Python requests sends for
        // params={"wait": 1e20}, an escaped dot, an escaped name, a form space.
        for (query, held_ms) in [
            ("wait=1e%2B20", 200),
            ("wait=1%2E5", 150),
            ("wa%69t=1", 100),
            ("wait=%201", 100),
        ] {
            let started = std::time::Instant::now();
            let (body, _) = status(&state, &format!("{url}?{query}")).await;
            let held = started.elapsed();
            assert_eq!(body.result, pollsim::http::wire::JobState::Pending);
            assert!(
                held >= Duration::from_millis(held_ms - 5)
                    && held < Duration::from_millis(held_ms + 400),
                "{query}: held {held:?}, expected {held_ms} ms"
            );
        }
    });
}
