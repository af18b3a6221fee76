//! `[service]`: a JSON status API described in a config, so that `poll`,
//! `observe` and `validate` talk to the user's own service instead of the
//! bundled server.
//!
//! The raw table is read with unknown keys rejected; [`Service`] is what the
//! client runs with. Everything that can be checked without the network is
//! checked here, once, with the field named: methods, paths and their `{id}`,
//! the create body's JSON, the syntax of every JSON pointer (RFC 6901: empty,
//! or `/`-separated tokens where `~` appears only as `~0` or `~1`), that the
//! status words are in exactly one list, the status codes, header names and
//! the `${NAME}` references in header values. Header values are not read from
//! the environment here, so that loading a config never needs the secrets:
//! the client resolves them when it is built ([`HeaderTemplate::resolve`]).

use super::ConfigError;
use super::source::{Source, read};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

mod header;
pub use header::HeaderTemplate;

/// `[service]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub base_url: Option<String>,
    pub create: Option<RawRequest>,
    pub status: Option<RawRequest>,
    pub state: Option<String>,
    pub pending: Option<Vec<String>>,
    pub completed: Option<Vec<String>>,
    pub error: Option<Vec<String>>,
    pub progress: Option<String>,
    pub eta: Option<String>,
    pub headers: Option<toml::Table>,
    pub completed_codes: Option<Vec<i64>>,
    pub error_codes: Option<Vec<i64>>,
}

/// `create = { … }` or `status = { … }` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: Option<String>,
    pub path: Option<String>,
    pub body: Option<String>,
    pub id: Option<String>,
}

/// A file holding only a `[service]` table (`--service FILE`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServiceFile {
    service: Option<Spanned<RawService>>,
}

/// A validated JSON pointer (RFC 6901), as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    /// Checks the syntax: empty (the whole document) or `/`-separated tokens
    /// in which `~` is followed by `0` or `1`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.is_empty() && !text.starts_with('/') {
            return Err(format!(
                "'{text}' is not a JSON pointer: it must start with '/' (write \"/{text}\"), or be empty for the whole answer"
            ));
        }
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return Err(format!(
                    "'{text}' is not a JSON pointer: '~' must be written ~0, and '/' inside a key ~1"
                ));
            }
        }
        Ok(Self(text.to_string()))
    }

    /// The pointer as written (`/data/status`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Pointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One request of the service: method and path (below the base URL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, … (upper case).
    pub method: String,
    /// Starts with `/`; a status path may hold `{id}`, the job's id.
    pub path: String,
}

/// The request that submits a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateRequest {
    /// Method and path.
    pub request: Request,
    /// The JSON body sent as is (`Content-Type: application/json`); none: no body.
    pub body: Option<String>,
    /// Where the answer holds the new job's id; none when the status path
    /// names no `{id}` (a service with one status for its latest job).
    pub id: Option<Pointer>,
}

/// A validated `[service]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// `http(s)://host[:port][/prefix]`; `--url` overrides it.
    pub base_url: Option<String>,
    /// How to submit a job; none: only existing ids are polled (`--job`).
    pub create: Option<CreateRequest>,
    /// How to check a job's status.
    pub status: Request,
    /// Where a status answer holds the job's state.
    pub state: Pointer,
    /// State values meaning "still running".
    pub pending: Vec<String>,
    /// State values meaning "done".
    pub completed: Vec<String>,
    /// State values meaning "failed".
    pub error: Vec<String>,
    /// Where a status answer holds the share done (a number, or a numeric string).
    pub progress: Option<Pointer>,
    /// Where a status answer holds the seconds left.
    pub eta: Option<Pointer>,
    /// Headers sent with every request, in config order.
    pub headers: Vec<HeaderTemplate>,
    /// HTTP status codes of a status check that mean "done", whatever the body
    /// (a `303 See Other` to the result, say).
    pub completed_codes: Vec<u16>,
    /// HTTP status codes of a status check that mean "failed".
    pub error_codes: Vec<u16>,
}

impl Service {
    /// Reads a file holding a `[service]` table (`--service FILE`).
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let text = read(file)?;
        let source = Source { file, text: &text };
        let raw: RawServiceFile = source.parse()?;
        match raw.service {
            Some(service) => build(&source, service),
            None => source.invalid(
                0..0,
                "service",
                "no [service] table: describe the status API under [service] (see the README, \"Your own service\")",
            ),
        }
    }
}

/// Validates `[service]`.
pub(super) fn build(source: &Source, raw: Spanned<RawService>) -> Result<Service, ConfigError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let err = |field: &str, problem: String| {
        source.error(span.clone(), format!("service.{field}"), problem)
    };
    if let Some(url) = &raw.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(err(
            "base_url",
            format!("'{url}' is not an http:// or https:// URL (like \"https://api.example.com\")"),
        ));
    }
    let Some(raw_status) = &raw.status else {
        return Err(err(
            "status",
            "is missing: write status = { method = \"GET\", path = \"/jobs/{id}\" }".into(),
        ));
    };
    let status = request(raw_status, "status", true).map_err(|(f, p)| err(&f, p))?;
    if raw_status.body.is_some() || raw_status.id.is_some() {
        return Err(err(
            "status",
            "takes only method and path (body and id belong to create)".into(),
        ));
    }
    let create = match &raw.create {
        None => None,
        Some(c) => {
            let request = request(c, "create", false).map_err(|(f, p)| err(&f, p))?;
            if let Some(body) = &c.body
                && let Err(e) = serde_json::from_str::<serde_json::Value>(body)
            {
                return Err(err(
                    "create.body",
                    format!(
                        "is not JSON ({e}): write it in single quotes, like body = '{{\"video_url\": \"s3://in.mp4\"}}'"
                    ),
                ));
            }
            let id = match &c.id {
                Some(p) => Some(Pointer::parse(p).map_err(|e| err("create.id", e))?),
                None if status.path.contains("{id}") => {
                    return Err(err(
                        "create.id",
                        "is missing, and the status path needs the job's {id}: write id = \"/id\" (the JSON pointer to the id in the create answer)".into(),
                    ));
                }
                None => None,
            };
            Some(CreateRequest {
                request,
                body: c.body.clone(),
                id,
            })
        }
    };
    let Some(state) = &raw.state else {
        return Err(err(
            "state",
            "is missing: write the JSON pointer to the status value, like state = \"/data/status\""
                .into(),
        ));
    };
    let state = Pointer::parse(state).map_err(|e| err("state", e))?;
    let pointer = |field: &str, value: &Option<String>| match value {
        None => Ok(None),
        Some(p) => Pointer::parse(p).map(Some).map_err(|e| err(field, e)),
    };
    let progress = pointer("progress", &raw.progress)?;
    let eta = pointer("eta", &raw.eta)?;
    let mut lists: Vec<(&str, Vec<String>)> = Vec::new();
    for (field, list, required) in [
        ("pending", &raw.pending, true),
        ("completed", &raw.completed, true),
        ("error", &raw.error, false),
    ] {
        let list = list.clone().unwrap_or_default();
        if required && list.is_empty() {
            return Err(err(
                field,
                format!(
                    "is missing or empty: list the status values that mean {field}, like {field} = [\"{field}\"]"
                ),
            ));
        }
        for value in &list {
            if let Some((other, _)) = lists.iter().find(|(_, l)| l.contains(value)) {
                return Err(err(
                    field,
                    format!(
                        "'{value}' is also in {other}: a status value means one thing; keep it in one list"
                    ),
                ));
            }
        }
        lists.push((field, list));
    }
    let mut lists = lists.into_iter().map(|(_, l)| l);
    let (pending, completed, error) = (
        lists.next().unwrap_or_default(),
        lists.next().unwrap_or_default(),
        lists.next().unwrap_or_default(),
    );
    let completed_codes = codes(&raw.completed_codes).map_err(|e| err("completed_codes", e))?;
    let error_codes = codes(&raw.error_codes).map_err(|e| err("error_codes", e))?;
    if let Some(code) = completed_codes.iter().find(|c| error_codes.contains(c)) {
        return Err(err(
            "error_codes",
            format!("{code} is also in completed_codes: keep it in one list"),
        ));
    }
    let mut headers = Vec::new();
    for (name, value) in raw.headers.iter().flatten() {
        let Some(value) = value.as_str() else {
            return Err(err(
                &format!("headers.{name}"),
                format!("{value} is not a string: write {name} = \"…\""),
            ));
        };
        headers.push(
            HeaderTemplate::parse(name, value).map_err(|e| err(&format!("headers.{name}"), e))?,
        );
    }
    Ok(Service {
        base_url: raw.base_url.map(|u| u.trim_end_matches('/').to_string()),
        create,
        status,
        state,
        pending,
        completed,
        error,
        progress,
        eta,
        headers,
        completed_codes,
        error_codes,
    })
}

/// A request's method and path; errors are `(field, problem)`.
fn request(raw: &RawRequest, name: &str, status: bool) -> Result<Request, (String, String)> {
    let method = raw
        .method
        .as_deref()
        .unwrap_or(if status { "GET" } else { "POST" });
    let method = method.to_ascii_uppercase();
    if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
        return Err((
            format!("{name}.method"),
            format!("'{method}' is not GET, POST, PUT, PATCH or DELETE"),
        ));
    }
    let Some(path) = &raw.path else {
        return Err((
            format!("{name}.path"),
            "is missing: write the path below base_url, like path = \"/v1/jobs\"".into(),
        ));
    };
    if !path.starts_with('/') {
        return Err((
            format!("{name}.path"),
            format!("'{path}' must start with '/' (write \"/{path}\")"),
        ));
    }
    let mut rest = path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map(|e| start + e);
        let placeholder = end.map_or(&rest[start..], |e| &rest[start..=e]);
        if placeholder != "{id}" || !status {
            return Err((
                format!("{name}.path"),
                if status {
                    format!("'{placeholder}': the only placeholder is {{id}}, the job's id")
                } else {
                    format!("'{placeholder}': the create path takes no placeholder")
                },
            ));
        }
        rest = &rest[start + 4..];
    }
    if path.contains(char::is_whitespace) {
        return Err((
            format!("{name}.path"),
            format!("'{path}' holds a space: write it %20"),
        ));
    }
    Ok(Request {
        method,
        path: path.clone(),
    })
}

fn codes(raw: &Option<Vec<i64>>) -> Result<Vec<u16>, String> {
    let mut codes = Vec::new();
    for &code in raw.iter().flatten() {
        match u16::try_from(code) {
            Ok(c) if (200..=499).contains(&c) && c != 429 && c != 408 => codes.push(c),
            _ => {
                return Err(format!(
                    "{code} cannot mean a final state: give HTTP status codes from 200 to 499 other than 408 and 429 (which are retried)"
                ));
            }
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests;
