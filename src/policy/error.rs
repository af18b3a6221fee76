//! The error a policy parameter can have; the config layer adds where it was.

/// A parameter that cannot be used, with the reason in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct PolicyError {
    /// The parameter, as it is spelled in the config (`interval`, `jitter`, ...).
    pub field: String,
    /// What is wrong and what to write instead.
    pub problem: String,
}

impl PolicyError {
    /// The error for `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Checks one number: finite and satisfying `ok`, else an error naming field and value.
pub(crate) fn require(
    field: &str,
    value: f64,
    ok: bool,
    problem: &str,
) -> Result<f64, PolicyError> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(PolicyError::new(field, format!("{value} {problem}")))
    }
}

/// A positive, finite number of seconds.
pub(crate) fn seconds(field: &str, value: f64) -> Result<f64, PolicyError> {
    require(
        field,
        value,
        value > 0.0,
        "is not a positive number of seconds",
    )
}

/// A growth factor of at least 1.
pub(crate) fn growth(field: &str, value: f64) -> Result<f64, PolicyError> {
    require(
        field,
        value,
        value >= 1.0,
        "is not a growth factor: it must be at least 1 (1 keeps the interval constant)",
    )
}

/// `text` cut to `max` characters, with "…" when cut: error messages quote
/// what the user wrote without repeating a megabyte of it.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
