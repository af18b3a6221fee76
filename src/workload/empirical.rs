//! The empirical distribution of observed durations (for example from production logs).

use super::DistributionError;
use std::path::Path;

/// Draws uniformly among the observed durations; `S` and `T` are exact step sums.
#[derive(Clone, Debug, PartialEq)]
pub struct Empirical {
    /// Sorted ascending.
    values: Vec<f64>,
    /// `suffix[i]` = sum of `values[i..]`, so `T(t)` is one binary search.
    suffix: Vec<f64>,
}

impl Empirical {
    pub fn new(mut values: Vec<f64>) -> Result<Self, DistributionError> {
        if values.is_empty() {
            return Err(DistributionError::Invalid(
                "needs at least one observed duration".into(),
            ));
        }
        if let Some((i, bad)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(DistributionError::Invalid(format!(
                "duration #{} is {bad}: every duration must be a positive number of seconds",
                i + 1
            )));
        }
        values.sort_by(f64::total_cmp);
        let mut suffix = vec![0.0; values.len() + 1];
        for i in (0..values.len()).rev() {
            suffix[i] = suffix[i + 1] + values[i];
        }
        Ok(Self { values, suffix })
    }

    /// Reads durations (seconds) from a CSV file: the column named `column`, or the
    /// only column when the file has one. Lines starting with `#` are comments.
    pub fn from_csv(path: &Path, column: &str) -> Result<Self, DistributionError> {
        let values = read_column(path, column).map_err(DistributionError::Invalid)?;
        Self::new(values)
            .map_err(|e| DistributionError::Invalid(format!("{}: {e}", path.display())))
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn max(&self) -> f64 {
        *self.values.last().expect("never empty")
    }

    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let i = ((u * self.values.len() as f64) as usize).min(self.values.len() - 1);
        self.values[i]
    }

    /// Index of the first value strictly greater than `t`.
    fn above(&self, t: f64) -> usize {
        self.values.partition_point(|v| *v <= t)
    }

    pub fn survival(&self, t: f64) -> f64 {
        (self.values.len() - self.above(t)) as f64 / self.values.len() as f64
    }

    pub fn partial_expectation(&self, t: f64) -> f64 {
        self.suffix[self.above(t)] / self.values.len() as f64
    }
}

/// Reads one numeric column of a CSV file: the column named `column`, or the only
/// column when the file has one. Lines starting with `#` are comments. Errors name
/// the file and row.
pub fn read_column(path: &Path, column: &str) -> Result<Vec<f64>, String> {
    let invalid = |what: String| format!("{}: {what}", path.display());
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| invalid(format!("cannot read the file ({e})")))?;
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the header line ({e})")))?
        .clone();
    let index = match headers.iter().position(|h| h == column) {
        Some(i) => i,
        None if headers.len() == 1 => 0,
        None => {
            return Err(invalid(format!(
                "no column named '{column}' (columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        }
    };
    let mut values = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| invalid(format!("row {}: {e}", line + 2)))?;
        let cell = record.get(index).unwrap_or("");
        let value: f64 = cell.parse().map_err(|_| {
            invalid(format!(
                "row {}: '{cell}' is not a number of seconds",
                line + 2
            ))
        })?;
        values.push(value);
    }
    Ok(values)
}
