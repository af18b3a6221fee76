//! The error a server or arrivals setting can have; the config layer adds where it was.

/// A setting that cannot be used, named as it is spelled in the config.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ModelError {
    pub field: String,
    pub problem: String,
}

impl ModelError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}
