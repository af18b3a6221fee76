//! First contact and what answers say: the server's time scale, `Retry-After`,
//! error bodies, and error chains said once.

use super::{Answer, Client, ClientError};
use crate::http::wire::ErrorBody;
use std::sync::atomic::Ordering;

impl Client {
    /// First contact: `GET /openapi.json`, to learn that the server answers
    /// and runs at this client's time scale. Later answers are not checked
    /// again once one matched.
    pub async fn check_server(&self) -> Result<(), ClientError> {
        let what = || "GET /openapi.json".to_string();
        let response = self
            .request(reqwest::Method::GET, "/openapi.json")
            .send()
            .await
            .map_err(ClientError::request(&what()))?;
        self.check_scale(response.headers())?;
        // Reading the body hands the connection back to the pool.
        let _ = response.bytes().await;
        Ok(())
    }

    /// Refuses an answer from a server at another time scale: its job seconds
    /// are not this client's. A server that does not say (not pollsim's) passes.
    pub(super) fn check_scale(
        &self,
        headers: &reqwest::header::HeaderMap,
    ) -> Result<(), ClientError> {
        if self.inner.scale_checked.load(Ordering::Relaxed) {
            return Ok(());
        }
        let client = self.inner.options.time_scale;
        let server = headers
            .get(crate::http::server::TIME_SCALE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        match server {
            Some(server) if (server - client).abs() > 1e-9 * client.max(server) => {
                Err(ClientError::TimeScale {
                    url: self.inner.base.clone(),
                    server,
                    client,
                })
            }
            _ => {
                self.inner.scale_checked.store(true, Ordering::Relaxed);
                Ok(())
            }
        }
    }
}

/// `Retry-After` in job seconds: a number of seconds (pollsim's server sends
/// job seconds), or an HTTP date (real time, so divided by the time scale;
/// a date in the past is 0).
pub(super) fn retry_after(headers: &reqwest::header::HeaderMap, time_scale: f64) -> Option<f64> {
    let text = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let seconds = match text.parse::<f64>() {
        Ok(seconds) => seconds,
        Err(_) => {
            let date = httpdate::parse_http_date(text).ok()?;
            let real = date
                .duration_since(std::time::SystemTime::now())
                .map_or(0.0, |d| d.as_secs_f64());
            real / time_scale
        }
    };
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

/// A status check's answer that is not a status: rate limited (429),
/// transient (5xx, 408) or a refusal of the request itself (other codes).
pub(super) fn classify(code: u16, message: String, retry_after: Option<f64>) -> Answer {
    if code == 429 {
        Answer::RateLimited {
            message,
            retry_after,
        }
    } else if (500..600).contains(&code) || code == 408 {
        Answer::Transient {
            message,
            retry_after,
        }
    } else {
        Answer::Rejected {
            status: code,
            message,
        }
    }
}

/// The server's `{ "error": … }`, or the start of whatever it sent.
pub(super) async fn error_text(response: reqwest::Response) -> String {
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => body.error,
        Err(_) => text.chars().take(200).collect(),
    }
}

/// An error with its causes (connection refused, reset, timeout), each said
/// once: reqwest and hyper repeat a cause's text in its wrapper's.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::retry_after;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use std::time::{Duration, SystemTime};

    fn after(value: &str, scale: f64) -> Option<f64> {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        retry_after(&headers, scale)
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        assert_eq!(after("3", 0.01), Some(3.0));
        assert_eq!(after("-1", 1.0), None);
        assert_eq!(after("soon", 1.0), None);
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(10));
        assert_eq!(after(&past, 1.0), Some(0.0));
        // 100 real seconds ahead (the date's whole seconds lose up to one) are
        // 200 job seconds at time scale 0.5.
        let ahead = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(100));
        let job_s = after(&ahead, 0.5).unwrap();
        assert!((198.0..=200.0).contains(&job_s), "{job_s}");
    }
}
