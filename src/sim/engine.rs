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

use super::record::{MAX_CALLS_PER_JOB, PolicyRun, Run, RunOptions};
use crate::policy::{ClientPolicy, JobHint, JobOutcome, JobPoll, PolicySpec, PollPolicy};
use crate::rng::{Domain, JITTER_WINDOW, JobRng, fill_windows, seek_record, stream, stream_id};
use crate::workload::{Job, JobSource};
use rayon::prelude::*;

/// Jobs per unit of parallel work. Part of the result's definition only through
/// the order of floating-point merges, so it is fixed, never derived from threads.
pub const CHUNK: u64 = 1 << 15;

/// Jobs whose outcomes are recorded together (see `run_chunk`).
const BLOCK: usize = 1024;

/// Jobs between two progress reports of a sequential lane of work.
pub(crate) const PROGRESS_STEP: u64 = 1 << 16;

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
    let work = Work {
        source,
        policies,
        jobs,
        seed,
        options,
        progress,
    };
    let independent = work.independent();
    let mut totals: Vec<PolicyRun> = independent
        .iter()
        .map(|_| PolicyRun::empty(options, 0))
        .collect();
    work.chunks(0..chunks, |_, parts| {
        for (total, part) in totals.iter_mut().zip(&parts) {
            total.absorb(part);
        }
    });
    let mut results: Vec<Option<PolicyRun>> = vec![None; policies.len()];
    for (total, &i) in totals.into_iter().zip(&independent) {
        results[i] = Some(total);
    }
    for (i, spec) in policies.iter().enumerate() {
        if spec.learns() {
            let mut merged = PolicyRun::empty(options, 0);
            work.lanes(spec, 0..work.lane_count(), |_, lane| merged.absorb(&lane));
            if let Some(records) = &mut merged.records {
                records.sort_by_key(|r| r.job);
            }
            results[i] = Some(merged);
        }
    }
    Run {
        policies: results
            .into_iter()
            .map(|r| r.expect("every policy ran"))
            .collect(),
    }
}

/// One replay's inputs: what [`simulate_with_progress`] runs whole and a
/// shard ([`super::shard`]) runs a share of (a range of chunks, a range of a
/// learning policy's client lanes), with the same code and the same order.
pub(super) struct Work<'a> {
    pub(super) source: &'a JobSource,
    pub(super) policies: &'a [PolicySpec],
    pub(super) jobs: u64,
    pub(super) seed: u64,
    pub(super) options: RunOptions,
    pub(super) progress: &'a (dyn Fn(u64) + Sync),
}

impl Work<'_> {
    /// Indices of the policies that run chunk by chunk (those that do not learn).
    pub(super) fn independent(&self) -> Vec<usize> {
        (0..self.policies.len())
            .filter(|&i| !self.policies[i].learns())
            .collect()
    }

    /// Runs every non-learning policy over each chunk of `chunks` and hands
    /// `consume` the chunk's index and its runs (in [`Self::independent`]
    /// order), strictly in chunk order.
    pub(super) fn chunks(
        &self,
        chunks: std::ops::Range<u64>,
        mut consume: impl FnMut(u64, Vec<PolicyRun>),
    ) {
        let independent = self.independent();
        let (jobs, seed, options) = (self.jobs, self.seed, self.options);
        in_order(
            chunks,
            |chunk| {
                let range = chunk * CHUNK..((chunk + 1) * CHUNK).min(jobs);
                let done = (range.end - range.start) * independent.len() as u64;
                let mut batch = Vec::with_capacity(CHUNK as usize);
                self.source.fill(range, &mut batch);
                // The longest job, once per chunk rather than once per policy:
                // how far the deterministic policies' check times must reach.
                // Compared, not `f64::max`: durations are never NaN, and the
                // plain maximum vectorizes.
                let horizon = batch
                    .iter()
                    .map(|j| j.duration)
                    .fold(0.0, |m, d| if d > m { d } else { m });
                let parts = independent
                    .iter()
                    .map(|&i| run_chunk(&self.policies[i], &batch, horizon, seed, options))
                    .collect::<Vec<_>>();
                (self.progress)(done);
                (chunk, parts)
            },
            |(chunk, parts)| consume(chunk, parts),
        );
    }

    /// Client lanes of a learning policy: one per client, at most one per job.
    pub(super) fn lane_count(&self) -> u64 {
        self.options.clients.clamp(1, self.jobs.max(1))
    }

    /// A learning policy over each client lane of `lanes` (client `c` polls
    /// jobs `c, c + clients, …` in order, learning as it goes), handed to
    /// `consume` in lane order.
    pub(super) fn lanes(
        &self,
        spec: &PolicySpec,
        lanes: std::ops::Range<u64>,
        mut consume: impl FnMut(u64, PolicyRun),
    ) {
        let clients = self.lane_count();
        let (jobs, seed, options, progress) = (self.jobs, self.seed, self.options, self.progress);
        in_order(
            lanes,
            |client_index| {
                let sid = stream_id(spec.name());
                // As in `run_chunk`: a policy that draws no jitter gets no stream.
                let jitter = spec.draws_jitter();
                let mut client = spec.client();
                let mut run = PolicyRun::empty(options, (jobs / clients + 1) as usize);
                let mut job_index = client_index;
                let mut lane_jobs = 0u64;
                while job_index < jobs {
                    let job = self.source.job(job_index);
                    let mut rng = if jitter {
                        JobRng::for_job(seed, sid, job_index)
                    } else {
                        JobRng::empty(seed, sid)
                    };
                    let outcome = drive(&mut client, &job, &mut rng);
                    client.finished(&outcome);
                    run.record(&job, outcome.calls, outcome.seen_at);
                    job_index += clients;
                    lane_jobs += 1;
                    if lane_jobs.is_multiple_of(PROGRESS_STEP) {
                        progress(PROGRESS_STEP);
                    }
                }
                progress(lane_jobs % PROGRESS_STEP);
                (client_index, run)
            },
            |(lane, run)| consume(lane, run),
        );
    }
}

/// Produces the items of a range in parallel and consumes them strictly in index order,
/// a window at a time: results (floating-point merges included) do not depend
/// on the thread count, and memory holds one window, not all `n` items.
fn in_order<T: Send>(
    items: std::ops::Range<u64>,
    produce: impl Fn(u64) -> T + Sync,
    mut consume: impl FnMut(T),
) {
    let window = 4 * rayon::current_num_threads().max(1) as u64;
    let (mut start, n) = (items.start, items.end);
    while start < n {
        let end = (start + window).min(n);
        let items: Vec<T> = (start..end).into_par_iter().map(&produce).collect();
        items.into_iter().for_each(&mut consume);
        start = end;
    }
}

/// One non-learning policy over one chunk of jobs, none longer than `horizon`.
fn run_chunk(
    spec: &PolicySpec,
    batch: &[Job],
    horizon: f64,
    seed: u64,
    options: RunOptions,
) -> PolicyRun {
    let mut run = PolicyRun::empty(options, batch.len());
    // Outcomes are recorded a block at a time, each statistic one tight loop
    // over buffers that stay in the L1 cache (a whole chunk's would not).
    let mut calls = [0u32; BLOCK];
    let mut seen_at = [None; BLOCK];
    if let Some(checks) = spec.check_times(horizon, MAX_CALLS_PER_JOB as usize) {
        let times = &checks.times;
        for block in batch.chunks(BLOCK) {
            for ((job, calls), seen_at) in block.iter().zip(&mut calls).zip(&mut seen_at) {
                let k = times.partition_point(|&t| t < job.duration);
                (*calls, *seen_at) = match times.get(k) {
                    Some(&seen) => (k as u32 + 1, Some(seen)),
                    None => (times.len() as u32, None),
                };
            }
            let n = block.len();
            run.record_batch(block, &calls[..n], &seen_at[..n]);
        }
        return run;
    }
    let sid = stream_id(spec.name());
    let jitter = spec.draws_jitter();
    let mut bulk = stream(seed, Domain::Jitter, sid);
    if let Some(first) = batch.first() {
        seek_record(&mut bulk, first.index, JITTER_WINDOW as u64);
    }
    // A block's jitter windows are drawn in one copy out of ChaCha; a policy
    // that draws no jitter gets no stream.
    let mut windows = vec![[0u32; JITTER_WINDOW]; if jitter { BLOCK } else { 0 }];
    let mut rng = JobRng::empty(seed, sid);
    let client = spec.client();
    for block in batch.chunks(BLOCK) {
        let n = block.len();
        if jitter {
            fill_windows(&mut bulk, windows[..n].as_flattened_mut());
        }
        client.replay_each(
            n,
            MAX_CALLS_PER_JOB,
            &mut rng,
            |i, rng| {
                let job = &block[i];
                if jitter {
                    rng.load_window(&windows[i], job.index);
                }
                (job.duration, JobHint { expected: job.hint })
            },
            |i, outcome| (calls[i], seen_at[i]) = (outcome.calls, outcome.seen_at),
        );
        run.record_batch(block, &calls[..n], &seen_at[..n]);
    }
    run
}

/// Polls one job on the virtual clock until the policy sees it end or gives up.
#[inline]
pub fn drive(client: &mut ClientPolicy, job: &Job, rng: &mut JobRng) -> JobOutcome {
    let hint = JobHint { expected: job.hint };
    JobPoll::start(client, &hint, MAX_CALLS_PER_JOB).replay(job.duration, rng)
}
