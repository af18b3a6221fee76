//! What can go wrong for the client: a bad URL or option, a request with no
//! readable answer, a server at another time scale, or an unexpected status.

use super::describe;

/// A request the client could not make or the server refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL cannot be used.
    #[error("base URL '{url}': {problem}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A client option is out of range.
    #[error("client option {field}: {problem}")]
    Option {
        /// The option's name.
        field: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// reqwest could not build the client (its TLS setup, say).
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
    /// The request got no (readable) answer. The cause chain is in the
    /// message, each cause once, and not repeated as a source.
    #[error("{what}: {}", describe(cause))]
    Request {
        /// The request, as method and path (`POST /jobs`).
        what: String,
        /// The transport's error.
        cause: reqwest::Error,
    },
    /// The server runs at another time scale than this client.
    #[error(
        "the server at {url} runs at time scale {server} (X-Pollsim-Time-Scale), this client at {client}: use the server's, --time-scale {server}"
    )]
    TimeScale {
        /// The server's base URL.
        url: String,
        /// The server's real seconds per job second.
        server: f64,
        /// This client's real seconds per job second.
        client: f64,
    },
    /// The service description cannot be used as it stands: a header's
    /// variable is not set, no base URL, no create request.
    #[error("service.{field}: {problem}")]
    Service {
        /// The field of `[service]`, like `headers.Authorization`.
        field: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// An answer the service description cannot read (the message names the
    /// field and quotes the answer).
    #[error("{0}")]
    Described(String),
    /// The server answered with an unexpected status.
    #[error("{what}: HTTP {status}: {message}")]
    Server {
        /// The request, as method and path.
        what: String,
        /// The HTTP status code.
        status: u16,
        /// The server's `error` message, or the body.
        message: String,
    },
}

impl ClientError {
    /// The `map_err` of a request named `what` (`POST /jobs`) that got no
    /// readable answer.
    pub(super) fn request(what: &str) -> impl FnOnce(reqwest::Error) -> Self + '_ {
        move |cause| ClientError::Request {
            what: what.to_string(),
            cause,
        }
    }
}
