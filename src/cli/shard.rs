//! `simulate --shard I/N` and `tune --shard I/N`: run one share of a run and
//! write its partial result for `pollsim merge`.
//!
//! # The partial format (version 1)
//!
//! A shard writes the results folder `<--out>/shard-I-of-N/` (through the
//! same staging-and-rename as every results folder) holding `part.json`, one
//! JSON object:
//!
//! | field | meaning |
//! |---|---|
//! | `format`, `version` | `"pollsim-part"` and `1`; a merge refuses any other version |
//! | `command` | `"simulate"` or `"tune"` |
//! | `config`, `policies`, `no_tune` | the command line's config path (as given: merge from the same directory), `--policies` and `--no-tune` |
//! | `config_hash` | FNV-1a (64 bits, hex) of every input file's bytes: the config, the file `--policies` names, an observed workload's data |
//! | `seed`, `jobs` | the run's, after overrides |
//! | `shard` | `{ "index": I, "count": N }` |
//! | `replay` | the single-job engine's share: per policy the counts and histograms merged (`counts`) and the float sums piece by piece (`sums`, chunks or client lanes, `pieces`) |
//! | `contention` | the discrete-event run's share: per policy run here its index, accumulator, per-second load and event count |
//! | `sweep` | the tuning sweep's share: the global grid points `points` and their rows |
//!
//! Only sufficient statistics, never rounded figures: counts, histograms,
//! moments' sums, per-second load and each grid point's figures, every float
//! as its IEEE-754 bit pattern (a `u64`), since decimal text may not parse
//! back to the same bits and JSON has no NaN. JSON rather than a binary
//! format: the parts are small (a few kilobytes per policy and per thousand
//! grid points), `jq` can read them, and serde_json is already a dependency.

use super::simulate::SimulateArgs;
use super::{OutputDir, UsageError, say, with_threads};
use crate::config::Config;
use crate::metrics::{Accumulator, bits};
use crate::optimize::{Point, SweepRow, TuneSettings, sweep_range, total_points};
use crate::sim::shard::{Shard, ShardRun, simulate_contention_shard, simulate_shard};
use crate::sim::{self, LoadTimeline, RunOptions};
use crate::workload::JobSource;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The partial format's name and version.
pub(super) const FORMAT: &str = "pollsim-part";
pub(super) const VERSION: u32 = 1;
/// The file a shard's folder holds.
pub(super) const PART_FILE: &str = "part.json";

/// `--shard`: `I/N`, or `auto` to read them from the batch scheduler.
#[derive(Clone, Debug)]
pub enum ShardArg {
    /// Given on the command line.
    Given(Shard),
    /// From JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID and POLLSIM_SHARDS / SLURM_ARRAY_TASK_COUNT.
    Auto,
}

/// Parses `--shard`.
pub(super) fn parse_shard(text: &str) -> Result<ShardArg, String> {
    if text == "auto" {
        return Ok(ShardArg::Auto);
    }
    let bad =
        || format!("'{text}' is not a shard: write I/N (shard I of N, I from 0, e.g. 0/4) or auto");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    Shard::new(i, n)
        .map(ShardArg::Given)
        .map_err(|e| e.to_string())
}

/// The shard `arg` names, reading the environment for `auto`.
fn resolve(arg: &ShardArg) -> Result<Shard> {
    if let ShardArg::Given(shard) = arg {
        return Ok(*shard);
    }
    let var = |name: &str| -> Result<Option<u64>> {
        match std::env::var(name) {
            Err(_) => Ok(None),
            Ok(v) => v.trim().parse().map(Some).map_err(|_| {
                UsageError(format!(
                    "--shard auto: {name}={v:?} is not a whole number; set it to the shard's number"
                ))
                .into()
            }),
        }
    };
    let index = match var("JOB_COMPLETION_INDEX")? {
        Some(i) => i,
        None => match var("SLURM_ARRAY_TASK_ID")? {
            Some(id) => id.saturating_sub(var("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0)),
            None => {
                return Err(UsageError(
                    "--shard auto: neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (a Slurm array) is set; give --shard I/N".into(),
                )
                .into());
            }
        },
    };
    let count = match var("POLLSIM_SHARDS")? {
        Some(n) => n,
        None => var("SLURM_ARRAY_TASK_COUNT")?.ok_or_else(|| {
            UsageError(
                "--shard auto: the number of shards is unknown: set POLLSIM_SHARDS (a Kubernetes Job's completions) or run in a Slurm array (SLURM_ARRAY_TASK_COUNT)".into(),
            )
        })?,
    };
    Shard::new(index, count).map_err(|e| UsageError(format!("--shard auto: {e}")).into())
}

/// A shard's partial result (see the module doc).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Part {
    pub format: String,
    pub version: u32,
    pub command: String,
    pub config: PathBuf,
    pub policies: Option<PathBuf>,
    pub no_tune: bool,
    pub config_hash: String,
    pub seed: u64,
    pub jobs: u64,
    pub shard: Shard,
    pub replay: Option<ShardRun>,
    pub contention: Option<Vec<ContendedPart>>,
    pub sweep: Option<SweepPart>,
}

/// One policy of a discrete-event run, run whole in this shard.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ContendedPart {
    pub policy: usize,
    pub accumulator: Accumulator,
    pub load: LoadTimeline,
    pub events: u64,
}

/// A shard's grid points.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SweepPart {
    pub points: Range<u64>,
    pub rows: Vec<Row>,
    #[serde(with = "bits")]
    pub seconds: f64,
}

/// A [`SweepRow`], floats as bit patterns: the point's figures in
/// [`Point`]'s field order (calls, delay, give_up, p95_delay, hit_rate,
/// efficiency_ratio, cost, cost_se, score).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Row {
    pub grid: usize,
    pub index: u64,
    pub method: Option<String>,
    pub figures: Vec<u64>,
    #[serde(with = "bits")]
    pub objective: f64,
    pub feasible: bool,
}

impl Row {
    fn of(row: &SweepRow) -> Self {
        let p = row.point.as_ref();
        Self {
            grid: row.grid,
            index: row.index,
            method: p.map(|p| p.method.to_string()),
            figures: p.map_or_else(Vec::new, |p| {
                [
                    p.calls,
                    p.delay,
                    p.give_up,
                    p.p95_delay,
                    p.hit_rate,
                    p.efficiency_ratio,
                    p.cost,
                    p.cost_se,
                    p.score,
                ]
                .map(f64::to_bits)
                .to_vec()
            }),
            objective: row.objective,
            feasible: row.feasible,
        }
    }

    /// The row back, or `None` when it is not one pollsim writes.
    pub(super) fn row(&self) -> Option<SweepRow> {
        let point = match &self.method {
            None => None,
            Some(m) => {
                let method = ["exact", "sampled-exact", "simulated"]
                    .into_iter()
                    .find(|k| k == m)?;
                let f: [u64; 9] = self.figures.clone().try_into().ok()?;
                let f = f.map(f64::from_bits);
                Some(Point {
                    method,
                    calls: f[0],
                    delay: f[1],
                    give_up: f[2],
                    p95_delay: f[3],
                    hit_rate: f[4],
                    efficiency_ratio: f[5],
                    cost: f[6],
                    cost_se: f[7],
                    score: f[8],
                })
            }
        };
        Some(SweepRow {
            grid: self.grid,
            index: self.index,
            point,
            objective: self.objective,
            feasible: self.feasible,
        })
    }
}

/// FNV-1a (64 bits) of every input file's length and bytes, in order: tells
/// whether parts and the merge read the same inputs (not a security hash).
pub(super) fn config_hash(config: &Config) -> Result<String> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for input in &config.inputs {
        let bytes =
            std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
        eat(&(bytes.len() as u64).to_le_bytes());
        eat(&bytes);
    }
    Ok(format!("{h:016x}"))
}

/// Runs this shard's share and writes its part.
pub(super) fn run(
    args: &SimulateArgs,
    arg: &ShardArg,
    config: &Config,
    settings: Option<&TuneSettings>,
    tune_required: bool,
) -> Result<()> {
    let shard = resolve(arg)?;
    let refuse = |ok: bool, what: &str| super::usage(ok, || format!("--shard: {what}"));
    refuse(
        !args.no_write,
        "--no-write: a shard's only output is its part; drop --no-write",
    )?;
    // Part format 1 has no place for the capacity model's per-second queue
    // and latency, from which recovery is judged: refused rather than merged
    // without its overload columns.
    refuse(
        config
            .contention
            .as_ref()
            .is_none_or(|c| c.server.capacity.is_none()),
        "a [server] with capacity keys (workers, service_ms, queue, outages, request_timeout) \
         cannot be sharded yet: its overload figures do not merge; run it whole",
    )?;
    let options = RunOptions {
        per_job: args.per_job,
        exact_percentiles: config.exact_percentiles,
        clients: config.clients,
    };
    Shard::check(options).map_err(|e| UsageError(format!("--shard: {e}")))?;
    let parts_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}.parts", config.name())));
    let target = parts_dir.join(format!("shard-{}-of-{}", shard.index, shard.count));
    let inputs: Vec<&Path> = config.inputs.iter().map(|p| p.as_path()).collect();
    let out = OutputDir::create(&target, &[PART_FILE], &inputs)?;
    let started = std::time::Instant::now();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let (replay, contention) = with_threads(config.threads, || -> Result<_> {
        Ok(match &config.contention {
            None => (
                Some(simulate_shard(
                    &source,
                    &config.policies,
                    config.jobs,
                    config.seed,
                    options,
                    shard,
                    &|_| {},
                )?),
                None,
            ),
            Some(c) => {
                let setup = sim::Contention {
                    source: &source,
                    arrivals: &c.arrivals,
                    server: &c.server,
                    jobs: config.jobs,
                    seed: config.seed,
                    options,
                };
                let first = sim::shard::contention_policies(config.policies.len(), shard).start;
                let runs = simulate_contention_shard(&setup, &config.policies, shard, &|_| {})?;
                let parts = runs
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| ContendedPart {
                        policy: first + i,
                        accumulator: r.run.accumulator,
                        load: r.load,
                        events: r.events,
                    })
                    .collect();
                (None, Some(parts))
            }
        })
    })??;
    let sweep = match settings {
        None => None,
        Some(settings) => {
            let (evaluator, _) = super::tune::evaluator(config, settings);
            let points = shard.share(total_points(settings));
            let swept = std::time::Instant::now();
            let rows = with_threads(config.threads, || {
                sweep_range(settings, &evaluator, points.clone(), &|_| {})
            })?;
            Some(SweepPart {
                points,
                rows: rows.iter().map(Row::of).collect(),
                seconds: swept.elapsed().as_secs_f64(),
            })
        }
    };
    let part = Part {
        format: FORMAT.into(),
        version: VERSION,
        command: if tune_required { "tune" } else { "simulate" }.into(),
        config: args.config.clone(),
        policies: args.policies.clone(),
        no_tune: args.no_tune,
        config_hash: config_hash(config)?,
        seed: config.seed,
        jobs: config.jobs,
        shard,
        replay,
        contention,
        sweep,
    };
    out.write(PART_FILE, &serde_json::to_vec(&part)?)?;
    let written = out.commit()?;
    say(format_args!(
        "{}: shard {}/{} in {:.3} s; wrote {} (merge every shard with: pollsim merge {}/shard-* --out DIR)",
        config.file.display(),
        shard.index,
        shard.count,
        started.elapsed().as_secs_f64(),
        written.display(),
        parts_dir.display(),
    ));
    Ok(())
}
