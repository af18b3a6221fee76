//! A described service on the wire: the requests a `[service]` table names
//! and how its answers are read (see [`crate::config::Service`]).
//!
//! A status answer is sorted as the bundled server's are (429, 5xx and 408,
//! other 4xx), except that the description's `completed_codes` and
//! `error_codes` are final whatever the body, and any 2xx is read through the
//! state pointer. An answer the description cannot read (not JSON, a pointer
//! that finds nothing, a status value in no list) is never taken for a final
//! state: the job is stopped with an error that names the field and quotes the
//! answer (its first [`QUOTED_BYTES`] bytes), and the client remembers the
//! first such error ([`Client::description_error`]) so that a command can
//! report a bad description as bad input.
//!
//! Header values read from the environment are sent marked sensitive (so
//! `Debug` prints no value) and are cut out of every message that quotes an
//! answer, in case a service echoes a request's headers.

use super::contact::{classify, error_text, retry_after};
use super::{Answer, Client, ClientError, ClientOptions, JobHandle};
use crate::config::{Pointer, Request, Service};
use crate::http::wire::JobState;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

/// How much of an unreadable answer an error quotes.
pub const QUOTED_BYTES: usize = 200;

/// A `[service]` with its headers resolved.
pub(super) struct Described {
    service: Service,
    headers: HeaderMap,
    /// Values read from the environment, cut out of quoted answers.
    secrets: Vec<String>,
}

impl Described {
    /// Resolves the headers with `env`; a missing variable or a value that
    /// cannot be sent is an error naming the header and the variable only.
    pub(super) fn new(
        service: &Service,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ClientError> {
        let mut headers = HeaderMap::new();
        let mut secrets = Vec::new();
        for template in &service.headers {
            let field = || format!("headers.{}", template.name);
            let value = template
                .resolve(env)
                .map_err(|problem| ClientError::Service {
                    field: field(),
                    problem,
                })?;
            let name = HeaderName::from_bytes(template.name.as_bytes()).map_err(|_| {
                ClientError::Service {
                    field: field(),
                    problem: "is not a header name".into(),
                }
            })?;
            let mut header = HeaderValue::from_str(&value).map_err(|_| ClientError::Service {
                field: field(),
                problem: "the value (with the environment's variables) is not a header value: it holds a line break or another control character".into(),
            })?;
            // Every configured header may carry a credential: none is printed.
            header.set_sensitive(true);
            if template.is_secret() {
                // Short values would cut ordinary words out of messages.
                secrets.extend(template.variables(env).into_iter().filter(|v| v.len() >= 4));
            }
            headers.append(name, header);
        }
        Ok(Self {
            service: service.clone(),
            headers,
            secrets,
        })
    }

    /// `text` with every secret replaced by `<redacted>`.
    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "<redacted>");
        }
        text
    }

    /// The first [`QUOTED_BYTES`] of an answer, scrubbed, for an error.
    fn quote(&self, body: &[u8]) -> String {
        let cut = body.len() > QUOTED_BYTES;
        let text = String::from_utf8_lossy(&body[..body.len().min(QUOTED_BYTES)]);
        format!("{}{}", self.scrub(&text), if cut { "…" } else { "" })
    }

    /// Whether a redirect could be a final answer (so redirects are not followed).
    pub(super) fn final_redirects(&self) -> bool {
        let s = &self.service;
        s.completed_codes
            .iter()
            .chain(&s.error_codes)
            .any(|c| (300..400).contains(c))
    }

    /// The description's base URL, when it has one.
    pub(super) fn base_url(&self) -> Option<&str> {
        self.service.base_url.as_deref()
    }

    /// A 2xx status answer, read through the description.
    fn read(&self, body: &[u8]) -> Result<Reading, String> {
        let s = &self.service;
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            format!(
                "service.state: the status answer is not JSON ({e}); it says: {}",
                self.quote(body)
            )
        })?;
        let word = self.word(&value, &s.state, "state", body)?;
        if s.pending.contains(&word) {
            let number = |p: &Option<Pointer>| p.as_ref().and_then(|p| number(&value, p));
            Ok(Reading::Pending {
                progress: number(&s.progress),
                eta: number(&s.eta),
            })
        } else if s.completed.contains(&word) {
            Ok(Reading::Final(JobState::Completed))
        } else if s.error.contains(&word) {
            Ok(Reading::Final(JobState::Error))
        } else {
            Err(format!(
                "service.state: the status value '{}' is in none of pending, completed and error: add it to the list it means (the answer: {})",
                self.scrub(&word),
                self.quote(body)
            ))
        }
    }

    /// The string (or number, or boolean, as JSON writes it) at `pointer`.
    fn word(
        &self,
        value: &Value,
        pointer: &Pointer,
        field: &str,
        body: &[u8],
    ) -> Result<String, String> {
        match value.pointer(pointer.as_str()) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
            Some(other) => Err(format!(
                "service.{field}: \"{pointer}\" finds {}, not a string, in the answer {}",
                kind(other),
                self.quote(body)
            )),
            None => Err(format!(
                "service.{field}: \"{pointer}\" finds nothing in the answer {}",
                self.quote(body)
            )),
        }
    }
}

/// What a readable status answer says.
enum Reading {
    Pending {
        progress: Option<f64>,
        eta: Option<f64>,
    },
    Final(JobState),
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        _ => "a value",
    }
}

/// A number, or a string holding one; anything else reads as no hint.
fn number(value: &Value, pointer: &Pointer) -> Option<f64> {
    let v = match value.pointer(pointer.as_str())? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// `id` as one path segment: every byte but RFC 3986's unreserved ones escaped.
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// A client for the service a `[service]` table describes, at `base_url`
    /// (else the description's); header variables are read from the
    /// environment now.
    pub fn for_service(
        service: &Service,
        base_url: Option<&str>,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        Self::for_service_with_env(service, base_url, options, &|name| std::env::var(name).ok())
    }

    /// [`Self::for_service`] with the variables read by `env`.
    pub fn for_service_with_env(
        service: &Service,
        base_url: Option<&str>,
        options: ClientOptions,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ClientError> {
        let described = Described::new(service, env)?;
        let Some(url) = base_url.or(described.base_url()).map(str::to_string) else {
            return Err(ClientError::Service {
                field: "base_url".into(),
                problem: "is not set: write base_url = \"https://…\" in [service], or give --url"
                    .into(),
            });
        };
        Self::build(&url, options, Some(described))
    }

    /// Whether the client speaks a described service (not the bundled server's API).
    pub fn is_described(&self) -> bool {
        self.inner.dialect.is_some()
    }

    /// The first answer the service description could not read, as the
    /// error that stopped its job.
    pub fn description_error(&self) -> Option<&str> {
        self.inner.misread.get().map(String::as_str)
    }

    fn misread(&self, status: u16, message: String) -> Answer {
        let _ = self.inner.misread.set(message.clone());
        Answer::Rejected { status, message }
    }

    fn described_request(
        &self,
        d: &Described,
        request: &Request,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        self.request(method, path).headers(d.headers.clone())
    }

    /// Submits a job with the description's `create`. Not retried.
    pub(super) async fn described_create(&self, d: &Described) -> Result<JobHandle, ClientError> {
        let Some(create) = &d.service.create else {
            return Err(ClientError::Service {
                field: "create".into(),
                problem: "is not described, so jobs cannot be created: follow existing ones with --job ID, or describe create = { method = \"POST\", path = \"…\", id = \"/id\" }".into(),
            });
        };
        let what = format!("{} {}", create.request.method, create.request.path);
        let mut request = self.described_request(d, &create.request, &create.request.path);
        if let Some(body) = &create.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let submitted = Instant::now();
        let response = request.send().await.map_err(ClientError::request(&what))?;
        let created = Instant::now();
        self.check_scale(response.headers())?;
        let status = response.status();
        if !status.is_success() {
            return Err(ClientError::Server {
                what,
                status: status.as_u16(),
                message: d.scrub(&error_text(response).await),
            });
        }
        let body = response
            .bytes()
            .await
            .map_err(ClientError::request(&what))?;
        let id = match &create.id {
            None => None,
            Some(pointer) => {
                let read = serde_json::from_slice::<Value>(&body)
                    .map_err(|e| {
                        format!(
                            "service.create.id: the create answer is not JSON ({e}); it says: {}",
                            d.quote(&body)
                        )
                    })
                    .and_then(|v| d.word(&v, pointer, "create.id", &body));
                match read {
                    Ok(id) => Some(id),
                    Err(problem) => {
                        let _ = self.inner.misread.set(problem.clone());
                        return Err(ClientError::Described(problem));
                    }
                }
            }
        };
        let index = self.inner.created.fetch_add(1, Ordering::Relaxed);
        Ok(JobHandle {
            id: id.unwrap_or_else(|| format!("job-{index}")),
            index,
            hint: None,
            created,
            submitted,
        })
    }

    /// One status check of job `id` on the described service, classified.
    pub(super) async fn described_status(&self, d: &Described, id: &str) -> Answer {
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.inner.in_flight.acquire().await.ok();
        let status = &d.service.status;
        let path = status.path.replace("{id}", &segment(id));
        let response = match self.described_request(d, status, &path).send().await {
            Ok(r) => r,
            Err(e) => {
                return Answer::Unreachable {
                    message: super::describe(&e),
                };
            }
        };
        if let Err(e) = self.check_scale(response.headers()) {
            return Answer::Rejected {
                status: 0,
                message: e.to_string(),
            };
        }
        let code = response.status().as_u16();
        let retry_after = retry_after(response.headers(), self.inner.options.time_scale);
        let final_code = if d.service.completed_codes.contains(&code) {
            Some(JobState::Completed)
        } else if d.service.error_codes.contains(&code) {
            Some(JobState::Error)
        } else {
            None
        };
        if let Some(state) = final_code {
            // Reading the body hands the connection back to the pool.
            let _ = response.bytes().await;
            return Answer::Final(state);
        }
        if !response.status().is_success() {
            let message = d.scrub(&format!("HTTP {code}: {}", error_text(response).await));
            return classify(code, message, retry_after);
        }
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => {
                return Answer::Unreachable {
                    message: format!("status answer cut off: {}", super::describe(&e)),
                };
            }
        };
        match d.read(&body) {
            Ok(Reading::Pending { progress, eta }) => Answer::Pending {
                progress,
                eta,
                retry_after,
            },
            Ok(Reading::Final(state)) => Answer::Final(state),
            Err(problem) => self.misread(code, problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn ids_are_escaped_as_one_path_segment() {
        assert_eq!(segment("t-1_a.b~c"), "t-1_a.b~c");
        assert_eq!(segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(segment("é"), "%C3%A9");
    }
}
