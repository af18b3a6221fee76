//! The error a server or arrivals setting can have; the config layer adds where it was.

/// A setting that cannot be used, named as it is spelled in the config.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ModelError {
    /// The setting, as spelled in the config.
    pub field: String,
    /// What is wrong and what to write instead.
    pub problem: String,
}

impl ModelError {
    /// The error for `field`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
