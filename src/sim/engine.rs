//! The replay engine: every policy against the same jobs, in parallel, reproducibly.
//!
//! Work is cut into fixed chunks of jobs (independent of the thread count); each
//! chunk draws its jobs once and runs every policy on them. Policies that learn
//! across jobs run per client instead, each client's jobs in order. Partial
//! results are merged in chunk (or client) order, so sums are bit-identical at
//! any thread count.
//!
//! Deterministic policies take a fast path: their check times are the same for
//! every job, so they are generated once per chunk — by the same poller — and each
//! job is a binary search. Randomized and learning policies are driven job by
//! job. Both paths give identical results for deterministic policies (tested).

use crate::metrics::Accumulator;
use crate::policy::{ClientPolicy, JobHint, JobOutcome, PolicySpec, PollPolicy};
use crate::rng::{Domain, JITTER_WINDOW, JobRng, seek_record, stream, stream_id};
use crate::workload::{Job, JobSource};
use rayon::prelude::*;

/// Jobs per unit of parallel work. Part of the result's definition only through
/// the order of floating-point merges, so it is fixed, never derived from threads.
pub const CHUNK: u64 = 1 << 15;

/// A job that needs more checks than this is counted as given up: a guard
/// against configs that would otherwise run for hours.
pub const MAX_CALLS_PER_JOB: u32 = 1_000_000;

/// Jobs between two progress reports of a sequential lane of work.
pub(crate) const PROGRESS_STEP: u64 = 1 << 16;

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
    pub job: u64,
    pub duration: f64,
    pub failed: bool,
    pub calls: u32,
    /// Elapsed time of the check that saw the final state; `None`: given up.
    pub seen_at: Option<f64>,
}

/// One policy's results.
#[derive(Clone, Debug)]
pub struct PolicyRun {
    pub accumulator: Accumulator,
    /// Per-job records in job order, when asked for.
    pub records: Option<Vec<JobRecord>>,
}

/// Results of every policy, in the order given.
#[derive(Clone, Debug)]
pub struct Run {
    pub policies: Vec<PolicyRun>,
}

/// Replays `jobs` jobs from `source` against every policy.
pub fn simulate(
    source: &JobSource,
    policies: &[PolicySpec],
    jobs: u64,
    seed: u64,
    options: RunOptions,
) -> Run {
    simulate_with_progress(source, policies, jobs, seed, options, &|_| {})
}

/// [`simulate`], telling `progress` how many job-simulations (jobs × policies)
/// each finished piece of work did, so that long runs can show how far they are.
pub fn simulate_with_progress(
    source: &JobSource,
    policies: &[PolicySpec],
    jobs: u64,
    seed: u64,
    options: RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Run {
    let chunks = jobs.div_ceil(CHUNK);
    let independent: Vec<usize> = (0..policies.len())
        .filter(|&i| !policies[i].learns())
        .collect();
    let mut totals: Vec<PolicyRun> = independent.iter().map(|_| empty_run(options, 0)).collect();
    in_order(
        chunks,
        |chunk| {
            let range = chunk * CHUNK..((chunk + 1) * CHUNK).min(jobs);
            let done = (range.end - range.start) * independent.len() as u64;
            let mut batch = Vec::with_capacity(CHUNK as usize);
            source.fill(range, &mut batch);
            let parts = independent
                .iter()
                .map(|&i| run_chunk(&policies[i], &batch, seed, options))
                .collect::<Vec<_>>();
            progress(done);
            parts
        },
        |parts| {
            for (total, part) in totals.iter_mut().zip(&parts) {
                total.absorb(part);
            }
        },
    );
    let mut results: Vec<Option<PolicyRun>> = vec![None; policies.len()];
    for (total, &i) in totals.into_iter().zip(&independent) {
        results[i] = Some(total);
    }
    for (i, spec) in policies.iter().enumerate() {
        if spec.learns() {
            results[i] = Some(run_learning(spec, source, jobs, seed, options, progress));
        }
    }
    Run {
        policies: results
            .into_iter()
            .map(|r| r.expect("every policy ran"))
            .collect(),
    }
}

fn empty_run(options: RunOptions, capacity: usize) -> PolicyRun {
    PolicyRun {
        accumulator: Accumulator::new(options.exact_percentiles),
        records: options.per_job.then(|| Vec::with_capacity(capacity)),
    }
}

/// Produces items `0..n` in parallel and consumes them strictly in index order,
/// a window at a time: results (floating-point merges included) do not depend
/// on the thread count, and memory holds one window, not all `n` items.
fn in_order<T: Send>(n: u64, produce: impl Fn(u64) -> T + Sync, mut consume: impl FnMut(T)) {
    let window = 4 * rayon::current_num_threads().max(1) as u64;
    let mut start = 0;
    while start < n {
        let end = (start + window).min(n);
        let items: Vec<T> = (start..end).into_par_iter().map(&produce).collect();
        items.into_iter().for_each(&mut consume);
        start = end;
    }
}

impl PolicyRun {
    /// Adds a later part of the job set.
    fn absorb(&mut self, part: &PolicyRun) {
        self.accumulator.merge(&part.accumulator);
        if let (Some(all), Some(some)) = (&mut self.records, &part.records) {
            all.extend_from_slice(some);
        }
    }

    #[inline]
    fn record(&mut self, job: &Job, calls: u32, seen_at: Option<f64>) {
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

/// One non-learning policy over one chunk of jobs.
fn run_chunk(spec: &PolicySpec, batch: &[Job], seed: u64, options: RunOptions) -> PolicyRun {
    let mut run = empty_run(options, batch.len());
    let horizon = batch.iter().map(|j| j.duration).fold(0.0, f64::max);
    if let Some(checks) = spec.check_times(horizon, MAX_CALLS_PER_JOB as usize) {
        let times = &checks.times;
        for job in batch {
            let k = times.partition_point(|&t| t < job.duration);
            match times.get(k) {
                Some(&seen) => run.record(job, k as u32 + 1, Some(seen)),
                None => run.record(job, times.len() as u32, None),
            }
        }
        return run;
    }
    let sid = stream_id(spec.name());
    let jitter = spec.draws_jitter();
    let mut bulk = stream(seed, Domain::Jitter, sid);
    if let Some(first) = batch.first() {
        seek_record(&mut bulk, first.index, JITTER_WINDOW as u64);
    }
    let mut rng = JobRng::empty(seed, sid);
    let mut client = spec.client();
    for job in batch {
        if jitter {
            rng.load(&mut bulk, job.index);
        }
        let outcome = drive(&mut client, job, &mut rng);
        run.record(job, outcome.calls, outcome.seen_at);
    }
    run
}

/// A learning policy: one lane per client, each in job order.
fn run_learning(
    spec: &PolicySpec,
    source: &JobSource,
    jobs: u64,
    seed: u64,
    options: RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> PolicyRun {
    let clients = options.clients.clamp(1, jobs.max(1));
    let mut merged = empty_run(options, 0);
    in_order(
        clients,
        |client_index| {
            let sid = stream_id(spec.name());
            let mut client = spec.client();
            let mut run = empty_run(options, (jobs / clients + 1) as usize);
            let mut job_index = client_index;
            let mut lane_jobs = 0u64;
            while job_index < jobs {
                let job = source.job(job_index);
                let mut rng = JobRng::for_job(seed, sid, job_index);
                let outcome = drive(&mut client, &job, &mut rng);
                client.finished(&outcome);
                run.record(&job, outcome.calls, outcome.seen_at);
                job_index += clients;
                lane_jobs += 1;
                if lane_jobs % PROGRESS_STEP == 0 {
                    progress(PROGRESS_STEP);
                }
            }
            progress(lane_jobs % PROGRESS_STEP);
            run
        },
        |lane| merged.absorb(&lane),
    );
    if let Some(records) = &mut merged.records {
        records.sort_by_key(|r| r.job);
    }
    merged
}

/// Polls one job on the virtual clock until the policy sees it end or gives up.
#[inline]
pub fn drive(client: &mut ClientPolicy, job: &Job, rng: &mut JobRng) -> JobOutcome {
    let mut poller = client.start(&JobHint { expected: job.hint });
    poller.replay(job.duration, MAX_CALLS_PER_JOB, rng)
}
