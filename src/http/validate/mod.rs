//! Sim-to-real validation: the simulator's jobs on the bundled server, polled by
//! the real client, compared with the simulator's prediction job by job and in
//! the server's load.
//!
//! Job `i` is created with the duration, outcome, hint and index the simulator
//! draws for job `i` of the config's seed, polled with the jitter the simulator
//! gives it, owned by client key `i % clients` (`X-Client-Id`), and submitted at
//! the time the simulator submits it. The server runs the config's `[server]`
//! section (an ideal server without one) and draws each check's latency and
//! faults by (job, attempt), as the simulator does. The prediction is the
//! discrete-event simulator's run of the same jobs against the same server, so a
//! difference can only come from the wire: timer and loopback lag, and, under
//! rate limits, the order in which simultaneous requests reach the server.
//!
//! Each policy gets its own server, as in the simulator. With `[server]` or
//! `[arrivals]` the policies run one after another, so that one policy's bursts
//! do not delay another's checks; otherwise (an ideal server, jobs submitted at
//! a steady rate so that identical schedules do not send their checks in
//! bursts) they run at once.

mod predict;
mod run;
mod service;

pub use service::validate_service;

pub use crate::compare::{
    Criteria, DEFAULT_MIN_AGREEMENT, Delays, JobComparison, LoadComparison, PolicyComparison,
    ServiceComparison,
};

use super::client::{ClientError, ClientOptions, JobEnd, JobReport};
use super::server::{ServerConfig, SpawnError};
use crate::config::Config;
use crate::policy::PolicySpec;
use crate::sim::{Arrivals, ServerModel};
use crate::workload::{Job, JobSource};
use predict::compare;
use run::{Measured, PolicyRun};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Real time between setting up (server, connections) and the plan's time 0.
const SETUP: Duration = Duration::from_millis(100);

/// How to validate. Defaults are documented on each field.
#[derive(Clone, Debug)]
pub struct ValidationSettings {
    /// Jobs per policy (fewer when the config's arrivals submit fewer). Default 200.
    pub jobs: u64,
    /// Real seconds per job second. Default 0.01.
    pub time_scale: f64,
    /// Jobs created per real second, over all policies, when the config has
    /// neither `[server]` nor `[arrivals]`. Default 500.
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

/// Why a validation run could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// The bundled server could not start.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// The client could not create or poll a job.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A validation setting is out of range.
    #[error("{field}: {problem}")]
    Settings {
        /// The setting's name.
        field: String,
        /// What is wrong with its value.
        problem: String,
    },
}

/// A burst smeared over more job time than this is delivered too slowly to
/// reproduce what a rate limiter decides within it.
const MAX_SMEAR_S: f64 = 0.1;

/// A validation run.
#[derive(Clone, Debug)]
pub struct Validation {
    /// Every policy's comparison, in config order.
    pub policies: Vec<PolicyComparison>,
    /// The server every policy met.
    pub server: ServerModel,
    /// Whether the policies ran one after another.
    pub sequential: bool,
    /// Requests per real second this machine delivered to a server when many
    /// were sent at once over open connections (the slowest run's second
    /// warm-up burst; infinite when policies ran at once, without warm-up).
    pub delivery_rate: f64,
    /// Real seconds per job second the server and client ran at.
    pub time_scale: f64,
    /// Real time the run took.
    pub elapsed: Duration,
}

impl Validation {
    /// Job seconds it takes this machine to deliver the largest predicted
    /// second of requests: when it is long, the wire spreads bursts that the
    /// simulator delivers within their latency, and rate-limited answers differ.
    pub fn burst_smear(&self) -> f64 {
        let peak = self
            .policies
            .iter()
            .map(|p| p.load.peaks().0)
            .fold(0.0, f64::max);
        peak / self.delivery_rate / self.time_scale
    }

    /// A note when bursts are delivered too slowly at this time scale.
    pub fn smear_note(&self) -> Option<String> {
        let smear = self.burst_smear();
        (smear > MAX_SMEAR_S).then(|| {
            let scale = self.time_scale * smear / MAX_SMEAR_S;
            format!(
                "note: this machine delivered {:.0} requests per real second to the server; the busiest predicted second ({:.0} requests) takes {:.2} job s to deliver at time scale {}, so a burst arrives spread out and answers that depend on arrival order (a rate limit, a queue) can differ; --time-scale {:.2} or more delivers it within {MAX_SMEAR_S} job s",
                self.delivery_rate,
                self.policies
                    .iter()
                    .map(|p| p.load.peaks().0)
                    .fold(0.0, f64::max),
                smear,
                self.time_scale,
                scale
            )
        })
    }
}

/// The jobs and when they are submitted (job seconds from the plan's time 0),
/// for one policy.
struct Plan {
    jobs: Arc<Vec<Job>>,
    times: Arc<Vec<f64>>,
    arrivals: Arrivals,
}

/// Runs `policies` over `settings.jobs` jobs of `config` on bundled servers on
/// free loopback ports. Must be called inside a multi-threaded tokio runtime.
pub async fn validate(
    config: &Config,
    policies: &[PolicySpec],
    settings: &ValidationSettings,
) -> Result<Validation, ValidationError> {
    if !(settings.submit_rate.is_finite() && settings.submit_rate > 0.0) {
        return Err(ValidationError::Settings {
            field: "submit_rate".into(),
            problem: format!(
                "{} is not a positive number of jobs per second",
                settings.submit_rate
            ),
        });
    }
    let started = Instant::now();
    let server = config
        .contention
        .as_ref()
        .map_or_else(ServerModel::default, |c| c.server.clone());
    let sequential = config.contention.is_some();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let plans: Vec<Plan> = (0..policies.len())
        .map(|p| plan(config, &source, settings, p, policies.len()))
        .collect::<Result<_, _>>()?;

    let mut measured: Vec<Option<Measured>> = (0..policies.len()).map(|_| None).collect();
    let mut delivery_rate = f64::INFINITY;
    let groups: Vec<Vec<usize>> = if sequential {
        (0..policies.len()).map(|p| vec![p]).collect()
    } else {
        vec![(0..policies.len()).collect()]
    };
    for group in groups {
        let mut runs = tokio::task::JoinSet::new();
        for p in group {
            let run = PolicyRun {
                spec: policies[p].clone(),
                config: server_config(config, &server, settings, plans[p].jobs.len()),
                jobs: plans[p].jobs.clone(),
                times: plans[p].times.clone(),
                clients: client_count(config, plans[p].jobs.len()),
                options: ClientOptions {
                    time_scale: settings.time_scale,
                    request_timeout: settings.request_timeout,
                    seed: config.seed,
                    // Under contention every job may have a check out at once
                    // (a herd, long polls); steady submissions need few.
                    max_in_flight: if sequential {
                        plans[p].jobs.len().max(1)
                    } else {
                        ClientOptions::default().max_in_flight
                    },
                    // The config's request timeout, in job time, as the
                    // simulator's clients keep it.
                    check_timeout: config.request_timeout(),
                    // Checks given up on would each cost a connection.
                    http2: server.capacity.is_some(),
                    ..ClientOptions::default()
                },
                warm_up: sequential,
            };
            runs.spawn(async move { (p, run.run().await) });
        }
        while let Some(joined) = runs.join_next().await {
            // A run can only fail to join by panicking; its jobs are reported lost.
            if let Ok((p, result)) = joined {
                let run = result?;
                delivery_rate = delivery_rate.min(run.delivery_rate);
                measured[p] = Some(run);
            }
        }
    }

    let comparisons = policies
        .iter()
        .zip(&plans)
        .zip(measured)
        .map(|((spec, plan), measured)| {
            compare(
                config,
                &source,
                spec,
                plan,
                &server,
                measured.unwrap_or_default(),
            )
        })
        .collect();
    Ok(Validation {
        policies: comparisons,
        server,
        sequential,
        delivery_rate,
        time_scale: settings.time_scale,
        elapsed: started.elapsed(),
    })
}

/// Policy `p`'s jobs and submission times (job seconds from the plan's time 0,
/// the simulator's t = 0). The config's arrivals when it has `[server]` or
/// `[arrivals]`; else a steady stream at `submit_rate` real jobs per second
/// over all policies, policy `p` taking every `policies`-th slot.
fn plan(
    config: &Config,
    source: &JobSource,
    settings: &ValidationSettings,
    p: usize,
    policies: usize,
) -> Result<Plan, ValidationError> {
    let (times, arrivals) = match &config.contention {
        Some(c) => (
            c.arrivals
                .times(settings.jobs, config.seed)
                .collect::<Vec<f64>>(),
            c.arrivals.clone(),
        ),
        None => {
            let gap = 1.0 / (settings.submit_rate * settings.time_scale);
            let times: Vec<f64> = (0..settings.jobs as usize)
                .map(|i| (i * policies + p) as f64 * gap)
                .collect();
            let arrivals =
                Arrivals::trace(times.clone()).map_err(|e| ValidationError::Settings {
                    field: "jobs".into(),
                    problem: e.problem,
                })?;
            (times, arrivals)
        }
    };
    if times.is_empty() {
        return Err(ValidationError::Settings {
            field: "arrivals".into(),
            problem:
                "the pattern submits no job (a Poisson horizon shorter than the first gap?): nothing to validate"
                    .into(),
        });
    }
    let jobs: Vec<Job> = (0..times.len() as u64).map(|i| source.job(i)).collect();
    // Real time the plan spans must fit a clock: submissions and job lives.
    let longest =
        times.last().copied().unwrap_or(0.0) + jobs.iter().map(|j| j.duration).fold(0.0, f64::max);
    let real_s = longest * settings.time_scale;
    if real_s.is_nan() || real_s >= 1e7 {
        return Err(ValidationError::Settings {
            field: "time_scale".into(),
            problem: format!(
                "the last job ends {longest:.0} job s after the first submission: at time scale {} that is more real time than validation can wait",
                settings.time_scale
            ),
        });
    }
    Ok(Plan {
        jobs: Arc::new(jobs),
        times: Arc::new(times),
        arrivals,
    })
}

fn server_config(
    config: &Config,
    model: &ServerModel,
    settings: &ValidationSettings,
    jobs: usize,
) -> ServerConfig {
    let mut server = ServerConfig::new(config.workload.clone(), config.seed);
    server.model = model.clone();
    server.time_scale = settings.time_scale;
    server.max_jobs = server.max_jobs.max(jobs);
    server
}

/// Client keys, as the simulator counts them.
fn client_count(config: &Config, jobs: usize) -> u64 {
    config.clients.clamp(1, jobs.max(1) as u64)
}

fn failed_report(job: &Job, why: &str) -> JobReport {
    JobReport {
        id: String::new(),
        index: job.index,
        end: JobEnd::Rejected(why.to_string()),
        calls: 0,
        elapsed: Duration::ZERO,
        creation_lag: 0.0,
        submitted: None,
        last_hints: (None, None),
        checks: Vec::new(),
        errors: vec![why.to_string()],
    }
}
