//! The bundled server through its router: the OpenAPI document matches the
//! routes it serves, and query strings are decoded as HTML forms encode them.

use super::http_server::{JSON, call, create, state, status};
use super::support::runtime;
use pollsim::http::server::openapi;
use std::time::Duration;

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
