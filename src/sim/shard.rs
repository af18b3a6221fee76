//! Sharded replays: shard `I` of `N` runs its share of a run, and the shares
//! merge into exactly the single run's [`Run`], bit for bit.
//!
//! What is split, and why it merges exactly:
//!
//! - **Policies that do not learn** run chunk by chunk ([`super::engine::CHUNK`]
//!   jobs each, fixed): a shard runs a contiguous range of whole chunks. Counts
//!   and histograms merge in any order; the floating-point sums
//!   ([`FloatSums`]) are kept chunk by chunk and folded in chunk order at the
//!   merge, the fold a single run does.
//! - **Learning policies** (`calibrated`): job `j` belongs to client
//!   `j % clients` and a client's decisions depend on its earlier jobs, so a
//!   range of jobs cannot be split off. A shard runs a range of whole client
//!   lanes instead, kept lane by lane as the chunks are (with one client the
//!   whole policy runs in shard 0's share).
//! - **The discrete-event simulator** ([`super::des`]) runs each policy
//!   against its own server, so it shards by policy: each policy runs whole in
//!   one shard ([`contention_policies`]).
//!
//! Refused, with the reason ([`ShardError`]): per-job records and exact
//! percentiles, whose size grows with the jobs (a merge would have to ship
//! every job's row or delay).

use super::des::{ContendedRun, Contention, simulate_contention_with_progress};
use super::engine::{CHUNK, Work};
use super::record::{PolicyRun, Run, RunOptions};
use crate::metrics::{Accumulator, FloatSums};
use crate::policy::PolicySpec;
use crate::workload::JobSource;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Most shards a run may be split into.
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` of `count` (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Shards in the run.
    pub count: u64,
}

/// A sharded run that cannot be done, with what to do instead.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShardError {
    /// `index` or `count` out of range.
    #[error("shard {index}/{count}: write I/N with N from 1 to {MAX_SHARDS} and I from 0 to N - 1")]
    Range {
        /// The index given.
        index: u64,
        /// The count given.
        count: u64,
    },
    /// Per-job records were asked for.
    #[error(
        "per-job output cannot be sharded: jobs.csv holds a row per job, so every shard would ship all of its rows to the merge; drop --per-job (the summaries merge exactly), or run unsharded"
    )]
    PerJob,
    /// Every delay was to be kept.
    #[error(
        "exact percentiles cannot be sharded: they keep every delay, so every shard would ship all of its delays to the merge; drop exact_percentiles (the histogram's percentiles, within 0.05 %, merge exactly), or run unsharded"
    )]
    ExactPercentiles,
}

impl Shard {
    /// Shard `index` of `count`, checked.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if count == 0 || count > MAX_SHARDS || index >= count {
            return Err(ShardError::Range { index, count });
        }
        Ok(Self { index, count })
    }

    /// This shard's contiguous share of `0..n`: the shares of `0..count` tile it
    /// in order, as evenly as whole items allow.
    pub fn share(&self, n: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(n) * u128::from(i) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// Refuses what cannot be merged exactly.
    pub fn check(options: RunOptions) -> Result<(), ShardError> {
        if options.per_job {
            return Err(ShardError::PerJob);
        }
        if options.exact_percentiles {
            return Err(ShardError::ExactPercentiles);
        }
        Ok(())
    }
}

/// One policy's share of a sharded replay.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PolicyPart {
    /// Counts and histograms of every piece the shard ran, merged (its float
    /// sums are not used: see `sums`).
    pub counts: Accumulator,
    /// The float sums piece by piece (chunks, or client lanes for a learning
    /// policy), in order.
    pub sums: Vec<FloatSums>,
    /// The pieces this shard ran (`sums` has one per piece).
    pub pieces: Range<u64>,
}

/// A shard's share of a replay: one part per policy, in config order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardRun {
    /// One per policy, in the order given.
    pub policies: Vec<PolicyPart>,
}

/// Replays shard `shard`'s share of `jobs` jobs against every policy (see the
/// module doc for what each policy's share is).
pub fn simulate_shard(
    source: &JobSource,
    policies: &[PolicySpec],
    jobs: u64,
    seed: u64,
    options: RunOptions,
    shard: Shard,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ShardRun, ShardError> {
    Shard::check(options)?;
    let work = Work {
        source,
        policies,
        jobs,
        seed,
        options,
        progress,
    };
    let empty = |pieces: Range<u64>| PolicyPart {
        counts: Accumulator::new(false),
        sums: Vec::with_capacity((pieces.end - pieces.start) as usize),
        pieces,
    };
    let chunks = shard.share(jobs.div_ceil(CHUNK));
    let independent = work.independent();
    let mut parts: Vec<PolicyPart> = independent.iter().map(|_| empty(chunks.clone())).collect();
    work.chunks(chunks, |_, runs| {
        for (part, run) in parts.iter_mut().zip(&runs) {
            part.counts.merge(&run.accumulator);
            part.sums.push(run.accumulator.float_sums());
        }
    });
    let mut results: Vec<Option<PolicyPart>> = vec![None; policies.len()];
    for (part, &i) in parts.into_iter().zip(&independent) {
        results[i] = Some(part);
    }
    for (i, spec) in policies.iter().enumerate() {
        if spec.learns() {
            let lanes = shard.share(work.lane_count());
            let mut part = empty(lanes.clone());
            work.lanes(spec, lanes, |_, run| {
                part.counts.merge(&run.accumulator);
                part.sums.push(run.accumulator.float_sums());
            });
            results[i] = Some(part);
        }
    }
    Ok(ShardRun {
        policies: results
            .into_iter()
            .map(|r| r.expect("every policy ran"))
            .collect(),
    })
}

/// Why shards' parts do not add up to one run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    /// Parts disagree on the number of policies.
    #[error("part {part} has {got} policies where part 0 has {want}")]
    Policies {
        /// The part, in shard order.
        part: usize,
        /// Its policy count.
        got: usize,
        /// The first part's.
        want: usize,
    },
    /// A policy's pieces do not follow on from the previous part's.
    #[error(
        "part {part}, policy {policy}: its pieces {got:?} do not start where the previous part's end ({want})"
    )]
    Gap {
        /// The part, in shard order.
        part: usize,
        /// The policy's index.
        policy: usize,
        /// Its pieces.
        got: Range<u64>,
        /// Where they should start.
        want: u64,
    },
}

/// Merges the parts of every shard, in shard order, into the single run's
/// [`Run`], bit for bit: counts added, float sums folded piece by piece in order.
pub fn merge_shards(parts: &[ShardRun]) -> Result<Run, MergeError> {
    let want = parts.first().map_or(0, |p| p.policies.len());
    for (part, p) in parts.iter().enumerate() {
        if p.policies.len() != want {
            return Err(MergeError::Policies {
                part,
                got: p.policies.len(),
                want,
            });
        }
    }
    let mut policies = Vec::with_capacity(want);
    for policy in 0..want {
        let mut accumulator = Accumulator::new(false);
        let mut sums = FloatSums::default();
        let mut next = 0;
        for (part, p) in parts.iter().enumerate() {
            let piece = &p.policies[policy];
            if piece.pieces.start != next || piece.sums.len() as u64 != piece.pieces.end - next {
                return Err(MergeError::Gap {
                    part,
                    policy,
                    got: piece.pieces.clone(),
                    want: next,
                });
            }
            next = piece.pieces.end;
            accumulator.merge(&piece.counts);
            piece.sums.iter().for_each(|s| sums.merge(s));
        }
        accumulator.set_float_sums(sums);
        policies.push(PolicyRun {
            accumulator,
            records: None,
        });
    }
    Ok(Run { policies })
}

/// The policies (indices into the config's) a discrete-event run's shard runs:
/// each policy runs whole, against its own server, in one shard.
pub fn contention_policies(policies: usize, shard: Shard) -> Range<usize> {
    let r = shard.share(policies as u64);
    r.start as usize..r.end as usize
}

/// Runs shard `shard`'s policies of a discrete-event run (see
/// [`contention_policies`]), each exactly as the whole run runs it.
pub fn simulate_contention_shard(
    setup: &Contention,
    policies: &[PolicySpec],
    shard: Shard,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ContendedRun>, ShardError> {
    Shard::check(setup.options)?;
    let mine = contention_policies(policies.len(), shard);
    Ok(simulate_contention_with_progress(
        setup,
        &policies[mine],
        progress,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::simulate;
    use crate::workload::{Distribution, Uniform, Workload};

    /// Shards merged give the single run's accumulators bit for bit: chunks
    /// split unevenly (empty shards too), a jittered policy, and a learning
    /// one over 5 clients whose lanes are split between shards.
    #[test]
    fn merged_shards_are_the_single_run_bit_for_bit() {
        let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
        let source = JobSource::new(Workload::new(dist, 0.02, None).unwrap(), 9);
        let policies: Vec<PolicySpec> = [
            "name = 'j'\nkind = 'exponential'\ninitial = 1.0\nfactor = 2.0\ncap = 60.0\njitter = 'full'",
            "name = 'c'\nkind = 'calibrated'\nmin = 2.0\nmax = 30.0\nfactor = 1.5\nwindow = 5",
        ]
        .iter()
        .map(|t| PolicySpec::from_toml(t).unwrap())
        .collect();
        let options = RunOptions {
            clients: 5,
            ..RunOptions::default()
        };
        let jobs = 2 * CHUNK + 100;
        let whole = simulate(&source, &policies, jobs, 9, options);
        let bits = |a: &Accumulator| {
            let s = a.float_sums();
            format!(
                "{:?} {:?} {} {}",
                s,
                a.calls(),
                a.jobs,
                a.delay_quantile(0.99)
            )
        };
        for count in [2u64, 4, 7] {
            let parts: Vec<ShardRun> = (0..count)
                .map(|i| {
                    let shard = Shard::new(i, count).unwrap();
                    simulate_shard(&source, &policies, jobs, 9, options, shard, &|_| {}).unwrap()
                })
                .collect();
            let merged = merge_shards(&parts).unwrap();
            for (w, m) in whole.policies.iter().zip(&merged.policies) {
                assert_eq!(
                    w.accumulator.float_sums(),
                    m.accumulator.float_sums(),
                    "N = {count}"
                );
                assert_eq!(bits(&w.accumulator), bits(&m.accumulator), "N = {count}");
            }
            // Out of order, the pieces do not follow: refused.
            let mut swapped = parts.clone();
            swapped.swap(0, 1);
            assert!(merge_shards(&swapped).is_err() || parts[0].policies[0].pieces.is_empty());
        }
    }

    #[test]
    fn shares_tile_the_range_in_order() {
        for n in [0u64, 1, 2, 6, 7, 100, 1 << 40] {
            for count in [1u64, 2, 3, 7, 100] {
                let mut next = 0;
                for index in 0..count {
                    let r = Shard::new(index, count).unwrap().share(n);
                    assert_eq!(r.start, next);
                    assert!(r.end - r.start <= n / count + 1);
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
        assert_eq!(
            Shard::new(3, 3),
            Err(ShardError::Range { index: 3, count: 3 })
        );
        assert!(Shard::new(0, 0).is_err());
    }
}
