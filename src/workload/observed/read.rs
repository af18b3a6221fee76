//! Reading `observed.csv` (format version 1, named by its header line) into
//! one bracket per job, with errors that name the file, line, field and value.

use super::super::DistributionError;
use std::collections::HashSet;
use std::path::Path;

/// The header line of format version 1, exactly.
pub const HEADER: &str = "job,submitted_s,last_pending_s,first_final_s,state,calls,progress,eta_s";

const COLUMNS: [&str; 8] = [
    "job",
    "submitted_s",
    "last_pending_s",
    "first_final_s",
    "state",
    "calls",
    "progress",
    "eta_s",
];

/// How a job's observation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// A check saw the job completed.
    Completed,
    /// A check saw the job failed: also a final answer, so also an event.
    Error,
    /// The observer stopped checking first: right-censored.
    GaveUp,
}

/// One job's observation: its duration `D` lies in `(low, high]`, with
/// `high = ∞` when the observer gave up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bracket {
    /// The last check that saw the job pending (seconds after submission).
    pub low: f64,
    /// The first check that saw it final, or `f64::INFINITY` when censored.
    pub high: f64,
}

impl Bracket {
    /// Whether the observer gave up before seeing the job final.
    pub fn censored(&self) -> bool {
        self.high.is_infinite()
    }
}

/// Reads every row of `path`; fails on the first row that breaks the format,
/// and on a file with no job or with every job censored.
pub fn read(path: &Path) -> Result<Vec<Bracket>, DistributionError> {
    let row_error = |line: u64, field: &str, problem: String| DistributionError::Row {
        file: path.to_path_buf(),
        line: usize::try_from(line).unwrap_or(usize::MAX),
        field: field.to_string(),
        problem,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(false)
        .from_path(path)
        .map_err(|e| {
            DistributionError::Invalid(format!(
                "cannot read {} ({e}): write the path of an observed.csv, relative to the config",
                path.display()
            ))
        })?;
    let headers = reader
        .headers()
        .map_err(|e| row_error(1, "header", format!("cannot read the header line ({e})")))?
        .clone();
    let names: Vec<&str> = headers.iter().collect();
    if names != COLUMNS {
        let problem = match COLUMNS.iter().find(|c| !names.contains(c)) {
            Some(missing) if names.iter().all(|n| n.is_empty()) => {
                format!(
                    "the file is empty (missing column {missing}): write the header line {HEADER} and one row per job"
                )
            }
            Some(missing) => format!(
                "column {missing} is missing (the header is '{}'): the first line must be exactly {HEADER}",
                names.join(",")
            ),
            None => format!(
                "'{}' is not the version-1 header: the first line must be exactly {HEADER}",
                names.join(",")
            ),
        };
        return Err(row_error(1, "header", problem));
    }
    let mut brackets = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_error(
                line,
                "row",
                format!("{e}: every row has the 8 columns of {HEADER}"),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |i: usize| record.get(i).unwrap_or("");
        let seconds = |i: usize, what: &str| -> Result<f64, DistributionError> {
            let text = cell(i);
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
                _ => Err(row_error(
                    line,
                    COLUMNS[i],
                    format!("'{text}' is not a number of seconds: write {what}"),
                )),
            }
        };
        let job = cell(0);
        if job.is_empty() {
            return Err(row_error(
                line,
                "job",
                "is empty: write the job's id".into(),
            ));
        }
        if !seen.insert(job.to_string()) {
            return Err(row_error(
                line,
                "job",
                format!("'{job}' is listed twice: write one row per job"),
            ));
        }
        seconds(
            1,
            "the seconds from the start of the run to the submission, e.g. 12.5",
        )?;
        let low = seconds(
            2,
            "the seconds after submission of the last check that saw the job pending (0 if the first check saw it final)",
        )?;
        let state = match cell(4) {
            "completed" => State::Completed,
            "error" => State::Error,
            "gave_up" => State::GaveUp,
            other => {
                return Err(row_error(
                    line,
                    "state",
                    format!("'{other}' is not a state: write completed, error or gave_up"),
                ));
            }
        };
        let final_text = cell(3);
        let high = match (state, final_text.is_empty()) {
            (State::GaveUp, true) => f64::INFINITY,
            (State::GaveUp, false) => {
                return Err(row_error(
                    line,
                    "first_final_s",
                    format!(
                        "'{final_text}' on a job that was given up on: leave it empty, or set state to completed or error"
                    ),
                ));
            }
            (_, true) => {
                return Err(row_error(
                    line,
                    "first_final_s",
                    format!(
                        "is empty on a {} job: write the seconds after submission of the first check that saw it final, or set state to gave_up",
                        cell(4)
                    ),
                ));
            }
            (_, false) => {
                let high = seconds(
                    3,
                    "the seconds after submission of the first check that saw the job final",
                )?;
                if high <= low {
                    return Err(row_error(
                        line,
                        "first_final_s",
                        format!(
                            "{final_text} is not after last_pending_s = {low}: the first final check comes after the last pending one"
                        ),
                    ));
                }
                high
            }
        };
        let calls = cell(5);
        if calls.parse::<u64>().is_err() {
            return Err(row_error(
                line,
                "calls",
                format!("'{calls}' is not a number of checks: write a whole number, 0 or more"),
            ));
        }
        for (i, what) in [
            (6, "a number, or nothing"),
            (7, "a number of seconds, or nothing"),
        ] {
            let text = cell(i);
            if !text.is_empty() && !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(row_error(
                    line,
                    COLUMNS[i],
                    format!("'{text}' is not a reading: write {what}"),
                ));
            }
        }
        brackets.push(Bracket { low, high });
    }
    if brackets.is_empty() {
        return Err(row_error(
            2,
            "job",
            "no job: the file has a header but no rows; write one row per observed job".into(),
        ));
    }
    if brackets.iter().all(Bracket::censored) {
        return Err(row_error(
            2,
            "state",
            format!(
                "every one of the {} jobs is gave_up, so no duration was observed: observe until some jobs finish (a longer give-up time)",
                brackets.len()
            ),
        ));
    }
    Ok(brackets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("observed.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// The error's line, field and message for `rows` under the header.
    fn error(rows: &str) -> (usize, String, String) {
        let (_d, path) = file(&format!("{HEADER}\n{rows}"));
        match read(&path).unwrap_err() {
            DistributionError::Row {
                file,
                line,
                field,
                problem,
            } => {
                assert_eq!(file, path);
                (line, field, problem)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_good_file_gives_one_bracket_per_job() {
        let (_d, path) = file(&format!(
            "{HEADER}\na,0,10,20,completed,3,,\n\"b \"\"quoted\"\"\",1.5,0,5,error,1,0.5,12\nc,2,30,,gave_up,4,,\n"
        ));
        let b = read(&path).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(
            b[0],
            Bracket {
                low: 10.0,
                high: 20.0
            }
        );
        assert_eq!(
            b[1],
            Bracket {
                low: 0.0,
                high: 5.0
            }
        );
        assert!(b[2].censored() && b[2].low == 30.0);
    }

    #[test]
    fn each_bad_row_names_its_line_field_value_and_fix() {
        let (line, field, problem) = error("a,0,10,20,completed,3,,\nb,0,1x,20,completed,3,,\n");
        assert_eq!((line, field.as_str()), (3, "last_pending_s"));
        assert!(
            problem.contains("'1x' is not a number of seconds: write"),
            "{problem}"
        );
        let (line, field, problem) = error("a,0,20,20,completed,3,,\n");
        assert_eq!((line, field.as_str()), (2, "first_final_s"));
        assert!(
            problem.contains("20 is not after last_pending_s = 20"),
            "{problem}"
        );
        let (_, field, problem) = error("a,0,20,25,gave_up,3,,\n");
        assert_eq!(field, "first_final_s");
        assert!(
            problem.contains("'25' on a job that was given up on: leave it empty"),
            "{problem}"
        );
        let (_, field, problem) = error("a,0,20,,completed,3,,\n");
        assert_eq!(field, "first_final_s");
        assert!(problem.contains("or set state to gave_up"), "{problem}");
        let (_, field, problem) = error("a,0,20,30,done,3,,\n");
        assert_eq!(field, "state");
        assert!(problem.contains("'done' is not a state: write completed, error or gave_up"));
        let (_, field, _) = error("a,0,20,30,completed,-1,,\n");
        assert_eq!(field, "calls");
        let (_, field, _) = error("a,0,20,30,completed,2,x,\n");
        assert_eq!(field, "progress");
        let (line, field, problem) = error("a,0,20,30,completed,2,,\na,0,20,30,completed,2,,\n");
        assert_eq!((line, field.as_str()), (3, "job"));
        assert!(problem.contains("listed twice"));
        let (line, field, _) = error("a,0,20,30,completed\n");
        assert_eq!((line, field.as_str()), (2, "row"));
    }

    #[test]
    fn files_without_a_usable_job_say_what_to_write() {
        let (_, field, problem) = error("");
        assert_eq!(field, "job");
        assert!(problem.contains("no job"), "{problem}");
        let (_, field, problem) = error("a,0,20,,gave_up,3,,\nb,0,20,,gave_up,3,,\n");
        assert_eq!(field, "state");
        assert!(
            problem.contains("every one of the 2 jobs is gave_up"),
            "{problem}"
        );
        let (_d, path) = file("job,submitted_s,last_pending_s,state,calls,progress,eta_s\n");
        let DistributionError::Row {
            line,
            field,
            problem,
            ..
        } = read(&path).unwrap_err()
        else {
            panic!()
        };
        assert_eq!((line, field.as_str()), (1, "header"));
        assert!(
            problem.contains("column first_final_s is missing"),
            "{problem}"
        );
        assert!(problem.contains(HEADER), "{problem}");
        let missing = read(Path::new("no/such/observed.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.starts_with("cannot read no/such/observed.csv ("),
            "{missing}"
        );
        let (_d, path) = file("");
        let DistributionError::Row { problem, .. } = read(&path).unwrap_err() else {
            panic!()
        };
        assert!(problem.contains("the file is empty"), "{problem}");
    }
}
