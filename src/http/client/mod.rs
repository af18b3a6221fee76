//! The thin client: creates jobs and polls them with a [`crate::policy`] policy.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pollsim::http::client::ClientError> {
//! use pollsim::http::{Client, wire::NewJob};
//! use pollsim::policy::PolicySpec;
//! let client = Client::new("http://127.0.0.1:8080")?;
//! let job = client.create_job(&NewJob::default()).await?;
//! let spec = PolicySpec::from_toml("name = 'e'\nkind = 'exponential'").unwrap();
//! let report = client.wait(&job, &mut spec.client()).await;
//! println!("{}: {} after {} calls", report.id, report.end, report.calls);
//! # Ok(()) }
//! ```
//!
//! Status answers are sorted into what a policy can act on ([`Answer`]): final,
//! pending, a transient error (5xx, connection refused or reset, timeout,
//! unreadable body) or rate limited (429), each with the server's `Retry-After`;
//! any other 4xx means the request itself is wrong and polling stops.
//!
//! The client speaks the bundled server's API, or any JSON status API that a
//! `[service]` table describes ([`Client::for_service`]).

mod contact;
mod dialect;
mod drive;
mod error;
mod options;

pub use crate::compare::{CheckRecord, CheckResult, JobEnd, JobReport};
pub use contact::describe;
use contact::{classify, error_text, retry_after};
use dialect::Described;
pub use dialect::QUOTED_BYTES;
pub use drive::Submit;
pub use error::ClientError;
pub use options::ClientOptions;

use super::install_crypto_provider;
use super::wire::{CreatedJob, JobState, NewJob, StatusBody};
use crate::policy::Guards;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// One status check, classified for the policy.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The job reached its final state.
    Final(JobState),
    /// The job still runs, with the server's hints.
    Pending {
        /// Share of the job done, 0..1.
        progress: Option<f64>,
        /// Job seconds until the final state, as the server estimates.
        eta: Option<f64>,
        /// The `Retry-After` header, in job seconds.
        retry_after: Option<f64>,
    },
    /// No answer at all: connection refused or reset, a timeout. Worth
    /// checking again, up to the policy's `max_transport_failures` in a row.
    Unreachable {
        /// What failed, for the job's error list.
        message: String,
    },
    /// The server answered with a failure (5xx, 408, an unreadable body):
    /// nothing learned; worth checking again.
    Transient {
        /// What failed, for the job's error list.
        message: String,
        /// The `Retry-After` header, in job seconds.
        retry_after: Option<f64>,
    },
    /// The server's rate limiter refused the check (429).
    RateLimited {
        /// The server's message.
        message: String,
        /// The `Retry-After` header, in job seconds.
        retry_after: Option<f64>,
    },
    /// The server refused the request itself (a 4xx other than 408 and 429).
    Rejected {
        /// The HTTP status code.
        status: u16,
        /// The server's message.
        message: String,
    },
}

/// A job the server accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct JobHandle {
    /// The server's job id.
    pub id: String,
    /// Keys the job's jitter. `create_job` numbers a client's jobs 0, 1, 2, …,
    /// like the simulator's job set; set it to match a specific simulated job.
    pub index: u64,
    /// The server's duration hint, for duration-aware policies.
    pub hint: Option<f64>,
    /// When the creation was answered: time zero of the job's schedule. The
    /// server started the job's clock a little earlier, between `submitted` and
    /// `created`, so no check can land before its scheduled job time.
    pub created: Instant,
    /// When the creation request was sent.
    pub submitted: Instant,
}

/// The client; cheap to clone (clones share connections).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: String,
    options: ClientOptions,
    in_flight: Arc<Semaphore>,
    created: AtomicU64,
    /// Whether an answer's `X-Pollsim-Time-Scale` matched (or was absent):
    /// checked until then, once per client.
    scale_checked: AtomicBool,
    /// A described service's requests and answers; none: the bundled server's API.
    dialect: Option<Arc<Described>>,
    /// The first answer the description could not read.
    misread: Arc<OnceLock<String>>,
    /// This client's guards per policy name (policies with a `retry_budget`,
    /// an `adaptive_throttle` or a `circuit_breaker`), kept per client key
    /// as the simulator keeps them.
    guards: Mutex<HashMap<String, Guards>>,
    /// Time 0 of the client's own clock, on which the guards' windows and
    /// timers run across jobs.
    origin: Instant,
}

impl Client {
    /// A client with default options for `base_url` (`http://host:port`).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        Self::with_options(base_url, ClientOptions::default())
    }

    /// A client for `base_url` with these options; fails on a bad URL or option.
    pub fn with_options(base_url: &str, options: ClientOptions) -> Result<Self, ClientError> {
        Self::build(base_url, options, None)
    }

    fn build(
        base_url: &str,
        options: ClientOptions,
        dialect: Option<Described>,
    ) -> Result<Self, ClientError> {
        let bad_url = |problem: String| ClientError::BaseUrl {
            url: base_url.to_string(),
            problem,
        };
        if !base_url.contains("://") {
            return Err(bad_url(format!(
                "no scheme; write http://{}",
                base_url.trim_start_matches('/')
            )));
        }
        let url = reqwest::Url::parse(base_url).map_err(|e| bad_url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad_url(format!(
                "scheme {} is not http or https",
                url.scheme()
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad_url("must not have a query or fragment".into()));
        }
        super::server::validate_time_scale(options.time_scale).map_err(|e| {
            ClientError::Option {
                field: "time_scale",
                problem: e.problem,
            }
        })?;
        if options.max_in_flight == 0 {
            return Err(ClientError::Option {
                field: "max_in_flight",
                problem: "0: at least one request must be allowed".into(),
            });
        }
        if let Some(t) = options.check_timeout
            && !(t.is_finite() && t > 0.0)
        {
            return Err(ClientError::Option {
                field: "check_timeout",
                problem: format!("{t} is not a positive number of job seconds"),
            });
        }
        if options.request_timeout.is_zero() {
            return Err(ClientError::Option {
                field: "request_timeout",
                problem: "0: requests need time".into(),
            });
        }
        install_crypto_provider();
        // A redirect the description counts as a final answer must reach it.
        let redirects = if dialect.as_ref().is_some_and(Described::final_redirects) {
            reqwest::redirect::Policy::none()
        } else {
            reqwest::redirect::Policy::default()
        };
        let mut http = reqwest::Client::builder();
        if options.http2 {
            http = http.http2_prior_knowledge();
        }
        let http = http
            .redirect(redirects)
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout)
            .tcp_nodelay(true)
            // Loopback and private servers must not be routed through a proxy.
            .no_proxy()
            .user_agent(concat!("pollsim/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Build)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base: url.as_str().trim_end_matches('/').to_string(),
                in_flight: Arc::new(Semaphore::new(options.max_in_flight)),
                options,
                created: AtomicU64::new(0),
                scale_checked: AtomicBool::new(false),
                dialect: dialect.map(Arc::new),
                misread: Arc::default(),
                guards: Mutex::default(),
                origin: Instant::now(),
            }),
        })
    }

    /// The same client speaking for another client key (`X-Client-Id`, the
    /// server's rate-limit key): connections and the in-flight bound are shared.
    /// Jobs it creates are numbered from 0; it starts with fresh guards (full
    /// retry quotas, no throttle history, closed breakers) on this client's clock.
    pub fn for_client(&self, client_id: Option<String>) -> Client {
        self.for_client_at(client_id, self.inner.origin)
    }

    /// [`Self::for_client`] with its clock's time 0 at `origin`: a driver
    /// that replays a simulated run puts it at the run's t = 0, so that the
    /// guards' windows and timers see the simulator's times.
    pub fn for_client_at(&self, client_id: Option<String>, origin: Instant) -> Client {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                base: inner.base.clone(),
                options: ClientOptions {
                    client_id,
                    ..inner.options.clone()
                },
                in_flight: inner.in_flight.clone(),
                created: AtomicU64::new(0),
                scale_checked: AtomicBool::new(inner.scale_checked.load(Ordering::Relaxed)),
                dialect: inner.dialect.clone(),
                misread: inner.misread.clone(),
                guards: Mutex::default(),
                origin,
            }),
        }
    }

    /// Opens up to `connections` connections to the server ahead of a burst
    /// (concurrent `GET /openapi.json`s), so that checks sent together do not
    /// each wait for a TCP handshake. Returns how many requests succeeded.
    pub async fn warm_up(&self, connections: usize) -> usize {
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let request = self.request(reqwest::Method::GET, "/openapi.json");
            requests.spawn(async move {
                match request.send().await {
                    // Reading the body hands the connection back to the pool.
                    Ok(response) => response.bytes().await.is_ok(),
                    Err(_) => false,
                }
            });
        }
        requests
            .join_all()
            .await
            .into_iter()
            .filter(|ok| *ok)
            .count()
    }

    /// The options the client runs with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The server's base URL, as requests use it.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .inner
            .http
            .request(method, format!("{}{path}", self.inner.base));
        match &self.inner.options.client_id {
            Some(id) => request.header("x-client-id", id),
            None => request,
        }
    }

    /// Creates a job (`POST /jobs`, or a described service's `create`, which
    /// ignores `job`). Not retried: a retry could create two jobs.
    pub async fn create_job(&self, job: &NewJob) -> Result<JobHandle, ClientError> {
        if let Some(d) = &self.inner.dialect {
            return self.described_create(d).await;
        }
        let what = || "POST /jobs".to_string();
        let submitted = Instant::now();
        let response = self
            .request(reqwest::Method::POST, "/jobs")
            .json(job)
            .send()
            .await
            .map_err(ClientError::request(&what()))?;
        let created_at = Instant::now();
        self.check_scale(response.headers())?;
        let status = response.status();
        if status != reqwest::StatusCode::CREATED {
            return Err(ClientError::Server {
                what: what(),
                status: status.as_u16(),
                message: error_text(response).await,
            });
        }
        let created: CreatedJob = response
            .json()
            .await
            .map_err(ClientError::request(&what()))?;
        Ok(JobHandle {
            id: created.id,
            index: self.inner.created.fetch_add(1, Ordering::Relaxed),
            hint: created.hint_s,
            created: created_at,
            submitted,
        })
    }

    /// One status check of job `id`, classified. Never fails: failures are answers.
    pub async fn status(&self, id: &str) -> Answer {
        self.status_held(id, None).await
    }

    /// A status check that asks the server to hold a pending answer up to `hold`
    /// job seconds (long polling, `?wait=`); the request's timeout grows by the hold.
    /// A described service is not asked to hold (it has no such parameter).
    pub async fn status_held(&self, id: &str, hold: Option<f64>) -> Answer {
        if let Some(d) = &self.inner.dialect {
            return self.described_status(d, id).await;
        }
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Answer::Rejected {
                status: 400,
                message: format!("job id '{id}' has characters a job id never has"),
            };
        }
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.inner.in_flight.acquire().await.ok();
        let hold = hold.filter(|h| h.is_finite() && *h > 0.0);
        let request = match hold {
            Some(wait) => {
                let held = Duration::try_from_secs_f64(wait * self.inner.options.time_scale)
                    .unwrap_or(Duration::MAX);
                self.request(
                    reqwest::Method::GET,
                    &format!("/jobs/{id}/status?wait={wait}"),
                )
                .timeout(self.inner.options.request_timeout.saturating_add(held))
            }
            None => self.request(reqwest::Method::GET, &format!("/jobs/{id}/status")),
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Answer::Unreachable {
                    message: describe(&e),
                };
            }
        };
        if let Err(e) = self.check_scale(response.headers()) {
            return Answer::Rejected {
                status: 0,
                message: e.to_string(),
            };
        }
        let status = response.status();
        let retry_after = retry_after(response.headers(), self.inner.options.time_scale);
        if status == reqwest::StatusCode::OK {
            return match response.json::<StatusBody>().await {
                Ok(StatusBody {
                    result: JobState::Pending,
                    progress,
                    eta_s,
                }) => Answer::Pending {
                    progress,
                    eta: eta_s,
                    retry_after,
                },
                Ok(body) => Answer::Final(body.result),
                // A body cut off (a reset) is no answer; a body that is not a
                // status is the server's failure.
                Err(e) if !e.is_decode() => Answer::Unreachable {
                    message: format!("status answer cut off: {}", describe(&e)),
                },
                Err(e) => Answer::Transient {
                    message: format!("unreadable status answer: {}", describe(&e)),
                    retry_after,
                },
            };
        }
        let message = format!("HTTP {}: {}", status.as_u16(), error_text(response).await);
        classify(status.as_u16(), message, retry_after)
    }
}
