//! Reading client input: the job body, the job id and the query. Every problem
//! becomes a 4xx naming the field; nothing here can panic on any input.

use super::super::wire::{NewJob, Outcome};
use super::ServerConfig;
use super::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::Value;

/// Reads a body of at most the server's `max_body_bytes`, within its
/// header-read timeout: a client that declares a body and stops sending
/// would otherwise hold the connection (that timeout covers only the head).
pub(super) async fn body_bytes(
    headers: &HeaderMap,
    body: Body,
    config: &ServerConfig,
) -> Result<Vec<u8>, ApiError> {
    let (limit, timeout) = (config.max_body_bytes, config.header_read_timeout);
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body: larger than {limit} bytes; a job needs a few dozen"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let Ok(read) = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await else {
        return Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "body: not complete within {} s (the header-read timeout); send the whole body at once",
                timeout.as_secs_f64()
            ),
        ));
    };
    match read {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(e) if is_length_limit(&e) => Err(too_large()),
        Err(e) => Err(ApiError::bad_request(format!(
            "body: could not be read: {e}"
        ))),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.to_string().contains("length limit exceeded") {
            return true;
        }
        source = e.source();
    }
    false
}

/// Parses `POST /jobs`. An empty body means "sample everything".
pub(super) fn new_job(
    headers: &HeaderMap,
    bytes: &[u8],
    max_duration_s: f64,
) -> Result<NewJob, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(NewJob::default());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"))
        .unwrap_or("(none)");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content-type: {content_type} is not JSON; send application/json"),
        ));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("body: not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(ApiError::bad_request(format!(
            "body: expected a JSON object like {{\"duration_s\": 12.5, \"outcome\": \"completed\"}}, got {}",
            kind(&value)
        )));
    };
    let mut job = NewJob::default();
    for (name, value) in &fields {
        match name.as_str() {
            "duration_s" => job.duration_s = Some(seconds("duration_s", value, max_duration_s)?),
            "hint_s" => job.hint_s = Some(seconds("hint_s", value, max_duration_s)?),
            "index" => {
                // JSON Schema counts 7.0 as an integer: so does the server.
                let whole = value
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && (0.0..u64::MAX as f64).contains(f))
                    .map(|f| f as u64);
                job.index = Some(value.as_u64().or(whole).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "index: {value} is not a job index (a whole number from 0)"
                    ))
                })?);
            }
            "outcome" => {
                job.outcome = Some(match value.as_str() {
                    Some("completed") => Outcome::Completed,
                    Some("error") => Outcome::Error,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "outcome: {value} is not \"completed\" or \"error\""
                        )));
                    }
                });
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "{other}: unknown field; a job takes duration_s, outcome, hint_s and index"
                )));
            }
        }
    }
    Ok(job)
}

/// A job-seconds field: a number in `[0, max]`. (JSON has no NaN or infinity;
/// numbers too large for a double are rejected by the JSON parser.)
fn seconds(field: &str, value: &Value, max: f64) -> Result<f64, ApiError> {
    let Some(s) = value.as_f64() else {
        return Err(ApiError::bad_request(format!(
            "{field}: expected a number of seconds, got {}",
            kind(value)
        )));
    };
    if !s.is_finite() {
        return Err(ApiError::bad_request(format!(
            "{field}: {s} is not a finite number"
        )));
    }
    if s < 0.0 {
        return Err(ApiError::bad_request(format!(
            "{field}: {s} is negative; durations are at least 0 seconds"
        )));
    }
    if s > max {
        return Err(ApiError::bad_request(format!(
            "{field}: {s} is too large; at most {max} seconds"
        )));
    }
    Ok(s)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A job id as sent: `RUN-N` (the form `POST /jobs` answers), or a bare
/// number, the form servers before run ids gave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SentId<'a> {
    /// `None` for a bare number.
    pub run: Option<&'a str>,
    pub n: u64,
}

/// Parses a job id. Only its form is checked here (400 when wrong); whether
/// it is this run's is for the lookup (404).
pub(super) fn job_id(text: &str) -> Result<SentId<'_>, ApiError> {
    let shown: String = text.chars().take(40).collect();
    let bad = || {
        ApiError::bad_request(format!(
            "id: '{shown}' is not a job id; ids are what POST /jobs returns, like 'a1b2c3d4e5-17'"
        ))
    };
    let (run, number) = match text.split_once('-') {
        Some((run, number)) => (Some(run), number),
        None => (None, text),
    };
    if run.is_some_and(|r| {
        r.is_empty() || r.len() > 16 || !r.bytes().all(|b| b.is_ascii_alphanumeric())
    }) {
        return Err(bad());
    }
    if number.is_empty() || number.len() > 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = number.parse().map_err(|_| {
        ApiError::bad_request(format!("id: '{shown}' is not a job id; it is out of range"))
    })?;
    Ok(SentId { run, n })
}

/// The status query: `wait` (job seconds to hold a pending answer, at most
/// `max_wait_s`), nothing else. Decoded as HTML forms encode queries (what
/// browsers, Python `requests` and `curl --data-urlencode` send): percent
/// escapes are decoded in names and values, and `+` is a space.
pub(super) fn wait(query: Option<&str>, max_wait_s: f64) -> Result<f64, ApiError> {
    let mut wait = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if name.is_empty() && value.is_empty() {
            continue;
        }
        let shown: String = value.chars().take(40).collect();
        if name != "wait" {
            let name: String = name.chars().take(40).collect();
            return Err(ApiError::bad_request(format!(
                "{name}: unknown query parameter; only wait is accepted"
            )));
        }
        if wait.is_some() {
            return Err(ApiError::bad_request(
                "wait: given more than once; send it once",
            ));
        }
        let seconds: f64 = value.trim().parse().map_err(|_| {
            // `?wait=1e+20` decodes to "1e 20": the sender meant %2B.
            let plus = if value.contains(' ') {
                " ('+' in a query is a space: write %2B for a plus sign)"
            } else {
                ""
            };
            ApiError::bad_request(format!("wait: '{shown}' is not a number of seconds{plus}"))
        })?;
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err(ApiError::bad_request(format!(
                "wait: {shown} is not a non-negative number of seconds"
            )));
        }
        // Longer than the server holds: held as long as it does (0: not at all).
        wait = Some(seconds.min(max_wait_s));
    }
    Ok(wait.unwrap_or(0.0))
}
