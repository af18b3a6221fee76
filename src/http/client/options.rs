//! How the client runs: [`ClientOptions`], with their defaults.

use std::time::Duration;

/// How the client runs. Defaults are documented on each field.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Real seconds per job second; must match the server's. Default 1.
    pub time_scale: f64,
    /// Timeout of one request, real time. Default 10 s.
    pub request_timeout: Duration,
    /// Stop polling a job this long (real time) after it was created. Default: never.
    pub deadline: Option<Duration>,
    /// Jitter seed: job `i` under policy `p` draws what the simulator draws for
    /// `(seed, p, i)`. Default 1, the config default.
    pub seed: u64,
    /// Sent as `X-Client-Id`, the server's rate-limit key. Default none.
    pub client_id: Option<String>,
    /// Status requests in flight at once across all jobs; bounds open connections.
    /// Default 64.
    pub max_in_flight: usize,
    /// Job seconds a status check may take before the client counts it a
    /// failed call (no answer), as the simulator's clients do with the
    /// config's `request_timeout`; it then may retry per the policy's
    /// `retry_delay` and `retry_budget`. A long-polled check may take its hold
    /// on top. Default: none (only `request_timeout`, real time, applies).
    pub check_timeout: Option<f64>,
    /// Speak HTTP/2 without negotiation (`http://` only; the bundled server
    /// does). A check given up on then resets one stream instead of closing
    /// a connection, so a retry storm does not open (and leave in TIME-WAIT)
    /// a socket per check. Default: HTTP/1.1.
    pub http2: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            time_scale: 1.0,
            request_timeout: Duration::from_secs(10),
            deadline: None,
            seed: crate::config::DEFAULT_SEED,
            client_id: None,
            max_in_flight: 64,
            check_timeout: None,
            http2: false,
        }
    }
}
