//! JSON bodies exchanged by the server and the client, and the job-id format.

use crate::workload::Job;
use serde::{Deserialize, Serialize};

/// How a job ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The job completed.
    Completed,
    /// The job failed.
    Error,
}

impl Outcome {
    /// How a simulated job ends.
    pub fn of(job: &Job) -> Self {
        if job.failed {
            Outcome::Error
        } else {
            Outcome::Completed
        }
    }
}

/// `POST /jobs`: every field optional; the server samples what is missing from
/// its workload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct NewJob {
    /// Job seconds from submission to the final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// How the job ends (default: drawn from the workload's failure rate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// An approximate duration the client may use (duration-aware policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint_s: Option<f64>,
    /// Which job of the simulator's job set this is: the server draws the job's
    /// latency, failures and estimate errors as the simulator does for that job,
    /// so a validation run meets the faults the simulator predicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

impl NewJob {
    /// The request that recreates a simulated job on the server: its duration,
    /// outcome, hint and index, so the wire sees exactly the simulator's job.
    pub fn for_job(job: &Job) -> Self {
        Self {
            duration_s: Some(job.duration),
            outcome: Some(Outcome::of(job)),
            hint_s: job.hint,
            index: Some(job.index),
        }
    }
}

/// `201` answer to `POST /jobs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedJob {
    /// The job's id, `RUN-N`.
    pub id: String,
    /// Path of the job's status check (`/jobs/{id}`).
    pub status_url: String,
    /// An approximate duration in job seconds, for duration-aware policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint_s: Option<f64>,
}

/// The `result` of a status check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Still running.
    Pending,
    /// Completed.
    Completed,
    /// Failed.
    Error,
}

/// `200` answer to a status check: the original assignment's `{ "result": … }`,
/// plus optional hints when the server is started with `--eta-hints`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusBody {
    /// The job's state.
    pub result: JobState,
    /// Share of the job done, 0..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    /// Job seconds until the final state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta_s: Option<f64>,
}

/// Every 4xx and 5xx answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, and what to send instead.
    pub error: String,
}
