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
