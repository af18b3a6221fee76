//! What a run keeps: each policy's accumulator and, when asked, one record per
//! job; the options that choose what to keep; the per-job call guard.

use crate::metrics::Accumulator;
use crate::workload::Job;

/// A job that needs more checks than this is counted as given up: a guard
/// against configs that would otherwise run for hours.
pub const MAX_CALLS_PER_JOB: u32 = 1_000_000;

/// What to keep besides the summaries.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep one record per job and policy (memory grows with jobs).
    pub per_job: bool,
    /// Keep every delay for exact percentiles (memory grows with jobs).
    pub exact_percentiles: bool,
    /// Clients the jobs are spread over, round robin (job `i` → client `i % clients`).
    /// Only learning policies notice: each client learns from its own jobs.
    pub clients: u64,
}

/// How one job went under one policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobRecord {
    /// Job index.
    pub job: u64,
    /// Seconds from submission to the final state.
    pub duration: f64,
    /// Whether the job ends in the error state.
    pub failed: bool,
    /// Status calls made.
    pub calls: u32,
    /// Elapsed time of the check that saw the final state; `None`: given up.
    pub seen_at: Option<f64>,
}

/// One policy's results.
#[derive(Clone, Debug)]
pub struct PolicyRun {
    /// The policy's measurements over every job.
    pub accumulator: Accumulator,
    /// Per-job records in job order, when asked for.
    pub records: Option<Vec<JobRecord>>,
}

/// Results of every policy, in the order given.
#[derive(Clone, Debug)]
pub struct Run {
    /// One per policy, in the order given.
    pub policies: Vec<PolicyRun>,
}

impl PolicyRun {
    /// No jobs yet, with room for `capacity` records when they are kept.
    pub(super) fn empty(options: RunOptions, capacity: usize) -> Self {
        Self {
            accumulator: Accumulator::new(options.exact_percentiles),
            records: options.per_job.then(|| Vec::with_capacity(capacity)),
        }
    }

    /// Adds a later part of the job set.
    pub(super) fn absorb(&mut self, part: &PolicyRun) {
        self.accumulator.merge(&part.accumulator);
        if let (Some(all), Some(some)) = (&mut self.records, &part.records) {
            all.extend_from_slice(some);
        }
    }

    /// Records a batch of jobs and their outcomes (`calls[i]`, `seen_at[i]`
    /// are `jobs[i]`'s), as [`Self::record`] job by job would.
    pub(super) fn record_batch(&mut self, jobs: &[Job], calls: &[u32], seen_at: &[Option<f64>]) {
        self.accumulator.add_batch(jobs, calls, seen_at);
        if let Some(records) = &mut self.records {
            records.extend(
                jobs.iter()
                    .zip(calls)
                    .zip(seen_at)
                    .map(|((job, &calls), &seen_at)| JobRecord {
                        job: job.index,
                        duration: job.duration,
                        failed: job.failed,
                        calls,
                        seen_at,
                    }),
            );
        }
    }

    #[inline]
    pub(super) fn record(&mut self, job: &Job, calls: u32, seen_at: Option<f64>) {
        self.accumulator
            .add(job.duration, job.failed, calls, seen_at);
        if let Some(records) = &mut self.records {
            records.push(JobRecord {
                job: job.index,
                duration: job.duration,
                failed: job.failed,
                calls,
                seen_at,
            });
        }
    }
}
