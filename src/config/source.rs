//! Where a config's errors are: a file's text that locates a field's line, the
//! parser's messages in the config's own terms, and reading the file.

use super::ConfigError;
use std::path::Path;

/// Locates errors inside one file's text.
pub(crate) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// An error about `field` of the table at `span`: located at the field's
    /// own line when the table spells it out, else at the table's.
    pub(crate) fn error(
        &self,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> ConfigError {
        let field = field.into();
        let start = self.key_offset(&span, &field).unwrap_or(span.start);
        ConfigError::Invalid {
            file: self.file.to_path_buf(),
            line: self.line_of(start),
            field,
            problem: problem.into(),
        }
    }

    /// Where the line `key = …` of the field's last name starts within `span`.
    fn key_offset(&self, span: &std::ops::Range<usize>, field: &str) -> Option<usize> {
        let key = field.rsplit('.').next()?.split('[').next()?;
        if key.is_empty() {
            return None;
        }
        // The span of a `[[table]]` may cover only its header: read on to the
        // next header, or to the span's end when it is longer.
        let rest = self.text.get(span.start..)?;
        let mut offset = span.start;
        for (n, line) in rest.split_inclusive('\n').enumerate() {
            let trimmed = line.trim_start();
            if n > 0 && trimmed.starts_with('[') && offset >= span.end {
                return None;
            }
            let name = line.split('=').next().unwrap_or("").trim();
            if line.contains('=') && name.trim_matches('"') == key {
                return Some(offset + (line.len() - trimmed.len()));
            }
            offset += line.len();
        }
        None
    }

    pub(crate) fn invalid<T>(
        &self,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> Result<T, ConfigError> {
        Err(self.error(span, field, problem))
    }

    pub(super) fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::from_str(self.text).map_err(|e| {
            let at = e.span().map(|span| {
                let line = self.line_of(span.start);
                let line_start = self.text[..span.start].rfind('\n').map_or(0, |i| i + 1);
                format!(", line {line}, column {}", span.start - line_start + 1)
            });
            ConfigError::Syntax {
                file: self.file.to_path_buf(),
                message: format!(
                    "{}: {}",
                    at.unwrap_or_default(),
                    plain_words(
                        e.message().trim_end(),
                        e.span().and_then(|s| self.text.get(s))
                    )
                ),
            }
        })
    }
}

/// The parser's messages in the config's own terms, with what to write
/// instead: serde speaks of maps, sequences and Rust struct names.
fn plain_words(message: &str, at: Option<&str>) -> String {
    let at = at.unwrap_or("").trim();
    if message.contains("invalid type: map, expected a sequence") {
        let name = at
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("")
            .trim();
        let name = if name.is_empty() { "policies" } else { name };
        return format!(
            "[{name}] is one table, but this is a list of them: write [[{name}]] (two brackets) above each entry"
        );
    }
    if let Some(rest) = message.split("expected struct Raw").nth(1) {
        let what = rest.split_whitespace().next().unwrap_or("");
        let (table, example) = match what {
            "Distribution" => (
                "a distribution",
                "{ kind = \"uniform\", base = 300.0, spread = 120.0 }, or a [...distribution] table",
            ),
            "Workload" => (
                "the [workload] table",
                "[workload] then [workload.distribution] with kind = ...",
            ),
            "Policy" => ("a policy", "[[policies]] with name = ..., kind = ..."),
            "Server" => (
                "the [server] table",
                "[server] with latency_ms = [20.0, 80.0] and the like",
            ),
            "Arrivals" => ("the [arrivals] table", "[arrivals] with kind = \"batch\""),
            "Service" => (
                "the [service] table",
                "[service] with status = { path = \"/jobs/{id}\" }, state = \"/status\" and the like",
            ),
            "Request" => ("a request", "{ method = \"GET\", path = \"/jobs/{id}\" }"),
            _ => ("a table", "key = value lines under a [table] header"),
        };
        let found = message
            .split("invalid type: ")
            .nth(1)
            .and_then(|m| m.split(", expected").next());
        return format!(
            "{} where {table} belongs: write {example}",
            found.unwrap_or("a value")
        );
    }
    message.to_string()
}

pub(super) fn read(file: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
        file: file.to_path_buf(),
        source,
    })
}
