//! Parsers for the counts the commands take (`--jobs`, `--threads`): the
//! same bounds as the config's, and errors that name the valid range (clap
//! reports them with exit code 2).

use crate::config::{MAX_JOBS, MAX_THREADS};

/// A whole number in `1..=max`, or a message naming the range.
fn count(text: &str, what: &str, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{text}' is not a number of {what}: write a whole number from 1 to {max}"
        )),
    }
}

/// Most jobs a command on the wire creates in one run: the bundled server's
/// largest table (every job is real, with a connection and a timer).
pub(crate) const MAX_WIRE_JOBS: u64 = 10_000_000;

/// `--jobs` of `poll` and `validate`: 1 to [`MAX_WIRE_JOBS`].
pub(crate) fn parse_wire_jobs(text: &str) -> Result<u64, String> {
    count(text, "jobs", MAX_WIRE_JOBS)
}

/// Longest real wait a network command takes (`--deadline`,
/// `--request-timeout`): a year, far past any run, and within what a timer holds.
pub(crate) const MAX_REAL_SECONDS: f64 = 365.0 * 86_400.0;

/// A positive number of real seconds, at most [`MAX_REAL_SECONDS`].
pub(crate) fn parse_real_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_REAL_SECONDS => Ok(v),
        _ => Err(format!(
            "'{text}' is not a number of seconds: write a positive number up to {MAX_REAL_SECONDS:.0} (a year)"
        )),
    }
}

/// `--jobs`: 1 to [`MAX_JOBS`].
pub(crate) fn parse_jobs(text: &str) -> Result<u64, String> {
    count(text, "jobs", MAX_JOBS)
}

/// `--threads`: 1 to [`MAX_THREADS`].
pub(crate) fn parse_threads(text: &str) -> Result<usize, String> {
    count(text, "threads", MAX_THREADS as u64).map(|n| n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_seconds_are_bounded_and_wire_jobs_too() {
        assert_eq!(parse_real_seconds("2.5"), Ok(2.5));
        for bad in ["0", "-1", "1e20", "NaN", "inf", "x"] {
            let e = parse_real_seconds(bad).unwrap_err();
            assert!(e.contains("up to 31536000"), "{bad}: {e}");
        }
        assert!(
            parse_wire_jobs("10000001")
                .unwrap_err()
                .contains("from 1 to 10000000")
        );
    }

    #[test]
    fn counts_name_their_range() {
        assert_eq!(parse_jobs("500"), Ok(500));
        for bad in ["0", "-5", "1.5", "x", "", "1000000000001"] {
            let err = parse_jobs(bad).unwrap_err();
            assert!(
                err.contains(&format!("'{bad}'")) && err.contains("from 1 to 1000000000000"),
                "{err}"
            );
        }
        assert_eq!(parse_threads("2"), Ok(2));
        assert!(
            parse_threads("100000")
                .unwrap_err()
                .contains("from 1 to 1024")
        );
    }
}
