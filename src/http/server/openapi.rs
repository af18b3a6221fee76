//! The OpenAPI 3.1 description of the server, served at `GET /openapi.json`.
//! Written by hand; a test walks every documented operation against the router.

use super::{AppState, ServerConfig};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// `GET /openapi.json`: the API description for this server's settings.
pub async fn handler(State(state): State<AppState>) -> Json<Value> {
    Json(document(state.config()))
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn status_operation(summary: &str, with_id: bool, config: &ServerConfig) -> Value {
    let run = config.run_id.as_deref().unwrap_or("a1b2c3d4e5");
    let mut parameters = vec![json!({
        "name": "wait", "in": "query", "required": false,
        "description": "Long polling: hold a pending answer up to this many job seconds or until the job finishes. A longer wait is held for the server's max wait (60 by default; 0 turns long polling off).",
        "schema": { "type": "number", "minimum": 0 }
    })];
    if with_id {
        parameters.insert(
            0,
            json!({
                "name": "id", "in": "path", "required": true,
                "description": "The id POST /jobs returned: the server run's id, a dash and the job's number. An id of another run (an earlier start of the server) answers 404.",
                "example": format!("{run}-1"),
                "schema": { "type": "string", "pattern": "^([0-9a-zA-Z]{1,16}-)?[0-9]{1,20}$" }
            }),
        );
    }
    json!({
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The job's state. With retry_after_hints a pending answer carries Retry-After (the server's estimate of the job seconds until the job ends, rounded up).",
                "headers": { "Retry-After": { "schema": { "type": "integer" } } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } }
            },
            "400": error_response("A malformed id, an unknown query parameter or a bad wait."),
            "404": error_response("No such job, it expired (finished longer than the TTL ago), or its id belongs to another server run."),
            "429": error_response("Rate limited (rate_limit per client key, global_rate_limit, or at random with throttle_rate); Retry-After says when to check again."),
            "500": error_response("Injected failure (fail_rate).")
        }
    })
}

/// The document for a server with `config`: the limits it enforces are
/// declared, so generated clients and fuzzers send what it accepts. Times are
/// job seconds (see the server's time scale, `x-pollsim-time-scale`).
pub fn document(config: &ServerConfig) -> Value {
    let max_s = config.max_duration_s;
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pollsim status server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "In-memory slow jobs behind a status endpoint. All times are job seconds: with a time scale of 0.01 a 300 s job finishes after 3 s of real time. Every answer carries the server's time scale in X-Pollsim-Time-Scale.",
            "x-pollsim-time-scale": config.time_scale,
            "x-pollsim-run-id": config.run_id
        },
        "paths": {
            "/jobs": {
                "post": {
                    "summary": "Create a job",
                    "requestBody": {
                        "required": false,
                        "description": "Missing fields are sampled from the server's workload. An empty body samples everything.",
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewJob" } } }
                    },
                    "responses": {
                        "201": {
                            "description": "Created; Location is the status URL.",
                            "headers": { "Location": { "schema": { "type": "string" } } },
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Created" } } }
                        },
                        "400": error_response("Malformed JSON, a wrong type, an unknown field, a negative or too large duration."),
                        "413": error_response(&format!("The body is larger than {} bytes.", config.max_body_bytes)),
                        "415": error_response("A body that is not application/json."),
                        "503": error_response("The job table is full; Retry-After gives the job seconds until its first slot frees (when the first job's TTL runs out), at least 1.")
                    }
                }
            },
            "/jobs/{id}/status": { "get": status_operation("A job's state", true, config) },
            "/status": { "get": status_operation("The most recent job's state (the original single-job endpoint)", false, config) },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": {} } } }
                }
            }
        },
        "components": {
            "schemas": {
                "NewJob": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "duration_s": { "type": "number", "minimum": 0, "maximum": max_s, "description": "Job seconds until the final state (at most the server's max duration, 30 days by default)." },
                        "outcome": { "type": "string", "enum": ["completed", "error"], "description": "The final state; default completed (or sampled with the duration)." },
                        "hint_s": { "type": "number", "minimum": 0, "maximum": max_s, "description": "An approximate duration handed back to clients (at most the max duration)." },
                        "index": { "type": "integer", "minimum": 0, "maximum": u64::MAX, "description": "The simulator's job index: the job's latency, failures and estimate errors are drawn as the simulator draws them for that job (default: the sampled job's index, else the id minus one)." }
                    }
                },
                "Created": {
                    "type": "object",
                    "required": ["id", "status_url"],
                    "properties": {
                        "id": { "type": "string" },
                        "status_url": { "type": "string" },
                        "hint_s": { "type": "number" }
                    }
                },
                "Status": {
                    "type": "object",
                    "required": ["result"],
                    "properties": {
                        "result": { "type": "string", "enum": ["pending", "completed", "error"] },
                        "progress": { "type": "number", "minimum": 0, "maximum": 1, "description": "With eta_hints, on pending answers: elapsed / (elapsed + eta_s)." },
                        "eta_s": { "type": "number", "minimum": 0, "description": "With eta_hints: the server's estimate of the job seconds until the final state (off by up to eta_noise, relative)." }
                    }
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": { "type": "string", "description": "The field or input at fault, and the problem." } }
                }
            }
        }
    })
}
