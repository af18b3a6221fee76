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
    /// The empirical distribution of `values`; fails on none, or one that is not a positive number of seconds.
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

    /// Reads durations (seconds) from a CSV file: the column named `column`,
    /// else `duration_s` or the only column (see [`read_column`]).
    pub fn from_csv(path: &Path, column: Option<&str>) -> Result<Self, DistributionError> {
        let values = read_column(path, column, "duration_s").map_err(DistributionError::Invalid)?;
        Self::new(values)
            .map_err(|e| DistributionError::Invalid(format!("{}: {e}", path.display())))
    }

    /// The observed durations, sorted ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The longest observed duration.
    pub fn max(&self) -> f64 {
        *self.values.last().expect("never empty")
    }

    /// The duration at cumulative probability `u` in `[0, 1)`.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let i = ((u * self.values.len() as f64) as usize).min(self.values.len() - 1);
        self.values[i]
    }

    /// Index of the first value strictly greater than `t`.
    fn above(&self, t: f64) -> usize {
        self.values.partition_point(|v| *v <= t)
    }

    /// Survival `S(t) = P(D > t)`.
    pub fn survival(&self, t: f64) -> f64 {
        (self.values.len() - self.above(t)) as f64 / self.values.len() as f64
    }

    /// Partial expectation `T(t) = E[D; D > t]`.
    pub fn partial_expectation(&self, t: f64) -> f64 {
        self.suffix[self.above(t)] / self.values.len() as f64
    }
}

/// Reads one numeric column of a CSV file. `column` named in the config must
/// exist; without one, the column called `default` is read, or the only column
/// of a one-column file. A one-column file whose first line is a number has no
/// header line: that number is a value, not a name. Lines starting with `#`
/// are comments. Errors name the file, the row and what to write instead.
pub fn read_column(path: &Path, column: Option<&str>, default: &str) -> Result<Vec<f64>, String> {
    let invalid = |what: String| format!("{}: {what}", path.display());
    let open = |headers: bool| {
        csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .has_headers(headers)
            .from_path(path)
            .map_err(|e| invalid(format!("cannot read the file ({e})")))
    };
    let mut reader = open(true)?;
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the header line ({e})")))?
        .clone();
    if headers.is_empty() || headers.iter().all(str::is_empty) {
        return Err(invalid(format!(
            "is empty: write a header line ({default}) and one number of seconds per line"
        )));
    }
    let names = || headers.iter().collect::<Vec<_>>().join(", ");
    let (index, first_row) = match (
        column,
        headers.iter().position(|h| h == column.unwrap_or(default)),
    ) {
        (_, Some(i)) => (i, 2),
        (Some(wanted), None) => {
            return Err(invalid(format!(
                "no column named '{wanted}' (columns: {}): set column to one of them",
                names()
            )));
        }
        (None, None) if headers.len() == 1 && headers[0].parse::<f64>().is_ok() => {
            // No header line: the first line is the first value.
            reader = open(false)?;
            (0, 1)
        }
        (None, None) if headers.len() == 1 => (0, 2),
        (None, None) => {
            return Err(invalid(format!(
                "no column named '{default}' (columns: {}): set column to the one to read",
                names()
            )));
        }
    };
    let mut values = Vec::new();
    for (line, record) in reader.records().enumerate() {
        // The file's own line number when the reader knows it: comment lines
        // are skipped by the reader, so counting records would be off.
        let counted = line + first_row;
        let record = record.map_err(|e| invalid(format!("row {counted}: {e}")))?;
        let row = record
            .position()
            .and_then(|p| line_at(path, p.byte()))
            .unwrap_or(counted);
        let cell = record.get(index).unwrap_or("");
        let value: f64 = cell
            .parse()
            .map_err(|_| invalid(format!("row {row}: '{cell}' is not a number of seconds")))?;
        values.push(value);
    }
    if values.is_empty() {
        return Err(invalid(format!(
            "has a header line but no values: add one number of seconds per line under {}",
            headers.get(index).unwrap_or(default)
        )));
    }
    Ok(values)
}

/// The 1-based line of the record the reader met at byte `offset` of `path`,
/// for an error message (the file is read again only then). The reader's
/// offset is where it started reading, before the comment lines it skipped.
fn line_at(path: &Path, offset: u64) -> Option<usize> {
    let bytes = std::fs::read(path).ok()?;
    let offset = usize::try_from(offset).ok()?;
    let line = 1 + bytes.get(..offset)?.iter().filter(|&&b| b == b'\n').count();
    let skipped = bytes
        .get(offset..)?
        .split(|&b| b == b'\n')
        .take_while(|l| l.trim_ascii().is_empty() || l.trim_ascii_start().starts_with(b"#"))
        .count();
    Some(line + skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_column_named_in_the_config_must_exist() {
        let (_d, path) = file("duration_s\n100\n1\n");
        let err = read_column(&path, Some("secs"), "duration_s").unwrap_err();
        assert!(
            err.contains("no column named 'secs' (columns: duration_s)"),
            "{err}"
        );
        assert_eq!(read_column(&path, None, "duration_s"), Ok(vec![100.0, 1.0]));
        assert_eq!(
            read_column(&path, Some("duration_s"), "x"),
            Ok(vec![100.0, 1.0])
        );
    }

    #[test]
    fn a_headerless_one_column_file_keeps_its_first_value() {
        let (_d, path) = file("100\n1\n1\n");
        assert_eq!(
            read_column(&path, None, "duration_s"),
            Ok(vec![100.0, 1.0, 1.0])
        );
        // A bad value is then counted from the first line.
        let (_d, path) = file("100\nx\n");
        let err = read_column(&path, None, "duration_s").unwrap_err();
        assert!(err.contains("row 2: 'x'"), "{err}");
        // Comment lines count: the row is the file's line.
        let (_d, path) = file("duration_s\n# measured in May\n100\n# June\nx\n");
        let err = read_column(&path, None, "duration_s").unwrap_err();
        assert!(err.contains("row 5: 'x'"), "{err}");
    }

    #[test]
    fn empty_files_and_files_without_values_say_what_to_write() {
        let (_d, path) = file("");
        let err = read_column(&path, None, "duration_s").unwrap_err();
        assert!(
            err.contains("is empty: write a header line (duration_s)"),
            "{err}"
        );
        let (_d, path) = file("# only a comment\n");
        assert!(
            read_column(&path, None, "duration_s")
                .unwrap_err()
                .contains("is empty")
        );
        let (_d, path) = file("duration_s\n");
        let err = read_column(&path, None, "duration_s").unwrap_err();
        assert!(err.contains("no values"), "{err}");
        let (_d, path) = file("a,b\n1,2\n");
        let err = read_column(&path, None, "duration_s").unwrap_err();
        assert!(
            err.contains("no column named 'duration_s' (columns: a, b)"),
            "{err}"
        );
    }
}
