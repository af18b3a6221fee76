//! Sim-to-real validation: the simulator's jobs on the real server, polled by the
//! real client, compared job by job with the simulator's prediction.
//!
//! Job `i` is created with the duration, outcome and hint the simulator draws for
//! job `i` of the config's seed, and polled with the jitter the simulator gives
//! it, so a difference can only come from the wire. Jobs are submitted at a
//! steady rate rather than all at once: identical schedules would otherwise send
//! their checks in bursts, and queueing, not the policy, would decide what the
//! checks see.

mod compare;

pub use compare::{Delays, JobComparison, PolicyComparison};

use super::client::{Client, ClientError, ClientOptions, JobEnd, JobReport};
use super::server::{ServerConfig, SpawnError, spawn};
use super::wire::NewJob;
use crate::config::Config;
use crate::policy::{ClientPolicy, JobOutcome, PolicySpec, PollPolicy};
use crate::rng::{JobRng, stream_id};
use crate::sim::engine::drive;
use crate::workload::{Job, JobSource};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Lowest calls agreement a (non-learning) policy may show. At the default time
/// scale a check lands ~0.1 job seconds late (1 ms of timer and loopback lag), so
/// a policy checking every 5 s near the job's end sees ~2% of jobs one check early.
pub const DEFAULT_MIN_AGREEMENT: f64 = 0.95;

/// How to validate. Defaults are documented on each field.
#[derive(Clone, Debug)]
pub struct ValidationSettings {
    /// Jobs per policy. Default 200.
    pub jobs: u64,
    /// Real seconds per job second. Default 0.01.
    pub time_scale: f64,
    /// Jobs created per real second. Default 500.
    pub submit_rate: f64,
    /// Default 10 s.
    pub request_timeout: Duration,
}

impl Default for ValidationSettings {
    fn default() -> Self {
        Self {
            jobs: 200,
            time_scale: 0.01,
            submit_rate: 500.0,
            request_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("{field}: {problem}")]
    Settings {
        field: &'static str,
        problem: String,
    },
}

/// A validation run.
#[derive(Clone, Debug)]
pub struct Validation {
    pub policies: Vec<PolicyComparison>,
    /// Real time the run took.
    pub elapsed: Duration,
}

/// The simulator's outcome for every job, as `simulate` computes it.
pub fn predict(spec: &PolicySpec, jobs: &[Job], seed: u64, clients: u64) -> Vec<JobOutcome> {
    let sid = stream_id(spec.name());
    // Learning policies: one lane per client, each in job order (as the engine).
    let mut lanes: Vec<ClientPolicy> = (0..clients.max(1)).map(|_| spec.client()).collect();
    jobs.iter()
        .map(|job| {
            let lane = if spec.learns() {
                (job.index % clients.max(1)) as usize
            } else {
                0
            };
            let client = &mut lanes[lane];
            let outcome = drive(client, job, &mut JobRng::for_job(seed, sid, job.index));
            client.finished(&outcome);
            outcome
        })
        .collect()
}

/// Runs `policies` over `settings.jobs` jobs of `config` on a bundled server on a
/// free loopback port. Must be called inside a multi-threaded tokio runtime.
pub async fn validate(
    config: &Config,
    policies: &[PolicySpec],
    settings: &ValidationSettings,
) -> Result<Validation, ValidationError> {
    if !(settings.submit_rate.is_finite() && settings.submit_rate > 0.0) {
        return Err(ValidationError::Settings {
            field: "submit_rate",
            problem: format!(
                "{} is not a positive number of jobs per second",
                settings.submit_rate
            ),
        });
    }
    let started = Instant::now();
    // A faultless server without hints: the simulator models neither.
    let mut server_config = ServerConfig::new(config.workload.clone(), config.seed);
    server_config.time_scale = settings.time_scale;
    server_config.max_jobs = server_config
        .max_jobs
        .max((settings.jobs as usize).saturating_mul(policies.len()));
    let server = spawn(server_config).await?;
    let client = Client::with_options(
        &server.url(),
        ClientOptions {
            time_scale: settings.time_scale,
            request_timeout: settings.request_timeout,
            seed: config.seed,
            ..ClientOptions::default()
        },
    )?;
    let source = JobSource::new(config.workload.clone(), config.seed);
    let jobs: Arc<Vec<Job>> = Arc::new((0..settings.jobs).map(|i| source.job(i)).collect());

    let mut tasks = tokio::task::JoinSet::new();
    let gap = 1.0 / settings.submit_rate;
    for (p, spec) in policies.iter().enumerate() {
        let shared = Arc::new(Mutex::new(spec.client()));
        for i in 0..jobs.len() {
            let slot = (i * policies.len() + p) as f64;
            let start = started + Duration::from_secs_f64(slot * gap);
            let (client, shared, jobs) = (client.clone(), shared.clone(), jobs.clone());
            tasks.spawn(async move {
                tokio::time::sleep_until(start).await;
                let report = submit_and_wait(&client, &jobs[i], &shared).await;
                (p, i, report)
            });
        }
    }
    let mut reports: Vec<Vec<Option<JobReport>>> = vec![vec![None; jobs.len()]; policies.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((p, i, report)) = joined {
            reports[p][i] = Some(report);
        }
    }
    let _ = server.stop().await;

    let comparisons = policies
        .iter()
        .zip(reports)
        .map(|(spec, measured)| {
            let predicted = predict(spec, &jobs, config.seed, config.clients);
            let rows = jobs
                .iter()
                .zip(&predicted)
                .zip(measured)
                .map(|((job, predicted), measured)| {
                    let measured =
                        measured.unwrap_or_else(|| failed_report(job, "the polling task panicked"));
                    JobComparison::new(job, predicted, &measured)
                })
                .collect();
            PolicyComparison {
                policy: spec.name().to_string(),
                learns: spec.learns(),
                jobs: rows,
            }
        })
        .collect();
    Ok(Validation {
        policies: comparisons,
        elapsed: started.elapsed(),
    })
}

async fn submit_and_wait(client: &Client, job: &Job, policy: &Mutex<ClientPolicy>) -> JobReport {
    let new = NewJob::for_job(job);
    match client.create_job(&new).await {
        Ok(mut handle) => {
            handle.index = job.index;
            client.wait_shared(&handle, policy).await
        }
        Err(e) => failed_report(job, &e.to_string()),
    }
}

fn failed_report(job: &Job, why: &str) -> JobReport {
    JobReport {
        id: String::new(),
        index: job.index,
        end: JobEnd::Rejected(why.to_string()),
        calls: 0,
        elapsed: Duration::ZERO,
        creation_lag: 0.0,
        checks: Vec::new(),
        errors: vec![why.to_string()],
    }
}
