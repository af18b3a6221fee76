//! What the network commands share: the tokio runtime, logging, and argument parsers.

use anyhow::{Context, Result};
use std::io::IsTerminal;
use tracing_subscriber::filter::Targets;

/// A multi-threaded runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings only).
pub(crate) fn init_tracing() {
    use tracing_subscriber::prelude::*;
    // `Targets` reads `RUST_LOG`'s `target=level` lists without a regex engine
    // (EnvFilter's span and field filters are not needed here).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::WARN));
    // A second init (tests run commands in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_filter(filter),
        )
        .try_init();
}

/// `0..50`: a range of milliseconds.
pub(crate) fn parse_ms_range(text: &str) -> Result<(f64, f64), String> {
    let (min, max) = text
        .split_once("..")
        .ok_or_else(|| format!("'{text}' is not a range like 0..50 (milliseconds)"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("'{s}' is not a non-negative number of milliseconds"))
    };
    let (min, max) = (number(min)?, number(max)?);
    if min > max || max > 60_000.0 {
        return Err(format!("{min}..{max}: need min <= max <= 60000"));
    }
    Ok((min, max))
}

/// `100/s` (or `100`): requests per job second.
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("'{text}' is not a rate like 100/s"))
}

/// A share in [0, 1].
pub(crate) fn parse_share(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("'{text}' is not a share between 0 and 1"))
}

/// A positive, finite number (seconds or a factor).
pub(crate) fn parse_positive(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("'{text}' is not a positive number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_accept_good_and_name_bad_input() {
        assert_eq!(parse_ms_range("0..50"), Ok((0.0, 50.0)));
        assert!(parse_ms_range("50..0").unwrap_err().contains("min <= max"));
        assert!(parse_ms_range("5").unwrap_err().contains("range like"));
        assert_eq!(parse_rate("100/s"), Ok(100.0));
        assert!(parse_rate("-1/s").is_err());
        assert_eq!(parse_share("0.2"), Ok(0.2));
        assert!(parse_share("1.5").is_err());
        assert!(parse_positive("NaN").is_err());
    }
}
