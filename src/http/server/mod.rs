//! The bundled status server: in-memory jobs behind `GET /status`, for demos,
//! tests and sim-to-real validation.
//!
//! [`app`] is the whole router, so tests can call it without a socket; [`serve`]
//! runs it on a listener and [`spawn`] on a free loopback port in the background.
//! Routes and bodies are documented in [`openapi::document`], served at
//! `GET /openapi.json`.

mod capacity;
mod config;
mod conn;
mod dialect;
mod error;
mod faults;
mod handlers;
mod jobs;
pub mod openapi;
mod request;

pub use config::{ServerConfig, ServerConfigError, validate_time_scale};
pub use conn::{MAX_HEADER_BYTES, MAX_URI_BYTES, TIME_SCALE_HEADER};
pub use dialect::Dialect;

use super::wire::{NewJob, Outcome};
use crate::sim::LoadTimeline;
use crate::sim::des::OverloadStats;
use crate::sim::load::Outcome as LoadOutcome;
use crate::workload::{Job as SimJob, JobSource};
use axum::Router;
use axum::routing::{get, post};
use capacity::Station;
use faults::FaultInjector;
use jobs::JobTable;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// The server's shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    config: ServerConfig,
    jobs: JobTable,
    faults: FaultInjector,
    /// The capacity model, when `[server]` has capacity keys.
    station: Option<Station>,
    started: Instant,
    source: JobSource,
    /// Index of the next job sampled from the workload. A lock, not an
    /// atomic: the index is taken only when the job is created, so a refused
    /// creation (a full table) does not skip one.
    sampled: std::sync::Mutex<u64>,
    /// Status checks per job second since an origin, once someone asked
    /// ([`AppState::count_load_from`]); unset, counting costs one atomic load.
    load: OnceLock<(Instant, Mutex<LoadTimeline>)>,
}

impl AppState {
    /// The state of a new server; fails on a setting it cannot run with.
    pub fn new(config: ServerConfig) -> Result<Self, ServerConfigError> {
        let config = config.validate()?;
        // Sweeping expired jobs at most every TTL/10 (real) keeps creation O(1) on average.
        let sweep_every =
            Duration::from_secs_f64((config.ttl_s * config.time_scale / 10.0).min(60.0));
        let started = Instant::now();
        Ok(Self {
            inner: Arc::new(Shared {
                jobs: JobTable::new(config.max_jobs, sweep_every),
                faults: FaultInjector::new(
                    config.model.clone(),
                    config.seed,
                    config.time_scale,
                    started,
                ),
                station: config
                    .model
                    .capacity
                    .as_ref()
                    .map(|c| Station::new(c, config.seed, config.time_scale)),
                started,
                source: JobSource::new(config.workload.clone(), config.seed),
                sampled: std::sync::Mutex::new(0),
                load: OnceLock::new(),
                config,
            }),
        })
    }

    /// The validated settings.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Jobs currently held (finished ones until they are swept).
    pub fn job_count(&self) -> usize {
        self.inner.jobs.len()
    }

    /// Counts status checks from now on, per job second since `origin` and by
    /// how they were answered (see [`Self::load`]). Only the first call sets
    /// the origin; returns whether this one did.
    pub fn count_load_from(&self, origin: Instant) -> bool {
        self.inner.load.set((origin, Mutex::default())).is_ok()
    }

    /// Status checks counted so far; `None` unless [`Self::count_load_from`] was called.
    pub fn load(&self) -> Option<LoadTimeline> {
        let (_, load) = self.inner.load.get()?;
        Some(load.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// What the capacity model measured so far (time at the server, queue,
    /// work, per second of the run since its origin); `None` without capacity keys.
    pub fn overload(&self) -> Option<OverloadStats> {
        self.inner.station.as_ref().map(Station::stats)
    }

    fn station(&self) -> Option<&Station> {
        self.inner.station.as_ref()
    }

    /// Time 0 of the run: the origin of the load count when one was set,
    /// else the server's start. Outages are windows of this clock.
    fn origin(&self) -> Instant {
        self.inner
            .load
            .get()
            .map_or(self.inner.started, |(origin, _)| *origin)
    }

    /// Job seconds since [`Self::origin`] (0 before it).
    fn run_time(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.origin()).as_secs_f64() / self.inner.config.time_scale
    }

    /// Counts a status check decided at `now` (after its latency, before any hold,
    /// as the simulator counts it). Checks before the origin count in second 0.
    fn record(&self, now: Instant, outcome: LoadOutcome) {
        if let Some((origin, load)) = self.inner.load.get() {
            let t =
                now.saturating_duration_since(*origin).as_secs_f64() / self.inner.config.time_scale;
            load.lock()
                .unwrap_or_else(|e| e.into_inner())
                .record(t, outcome);
        }
    }

    fn jobs(&self) -> &JobTable {
        &self.inner.jobs
    }

    fn faults(&self) -> &FaultInjector {
        &self.inner.faults
    }

    /// The next job of the workload: job `n` of the simulator's job set for the
    /// `n`-th job created without a duration. The guard keeps the index taken
    /// until the job is created; dropped without `*guard += 1`, it gives the
    /// index back.
    fn sample(&self) -> (SimJob, std::sync::MutexGuard<'_, u64>) {
        // The counter is a plain number: a poisoned lock still holds it.
        let guard = self.inner.sampled.lock().unwrap_or_else(|e| e.into_inner());
        (self.inner.source.job(*guard), guard)
    }

    /// Creates the job `asked` describes (sampling what it leaves out), its clock
    /// starting at `start`: `(id, hint)`, or `None` when the table is full (or
    /// the job would end beyond any clock).
    /// `POST /jobs` starts jobs when it reads them; an in-process driver (the
    /// validator) starts them at the instants its plan says.
    pub fn create(&self, asked: &NewJob, start: Instant) -> Option<(String, Option<f64>)> {
        self.try_create(asked, start).ok()
    }

    /// [`Self::create`], saying why not.
    pub fn try_create(
        &self,
        asked: &NewJob,
        start: Instant,
    ) -> Result<(String, Option<f64>), Refused> {
        let mut sampled = None;
        let (duration_s, outcome, hint_s, key) = match asked.duration_s {
            Some(d) => (
                d,
                asked.outcome.unwrap_or(Outcome::Completed),
                asked.hint_s,
                asked.index,
            ),
            None => {
                let (job, guard) = self.sample();
                sampled = Some(guard);
                (
                    job.duration,
                    asked.outcome.unwrap_or(Outcome::of(&job)),
                    asked.hint_s.or(job.hint),
                    asked.index.or(Some(job.index)),
                )
            }
        };
        let done_at = start
            .checked_add(self.real(duration_s))
            .ok_or(Refused::BeyondClock)?;
        let job = jobs::Job {
            created: start,
            done_at,
            expires_at: done_at
                .checked_add(self.real(self.config().ttl_s))
                .ok_or(Refused::BeyondClock)?,
            duration_s,
            outcome,
            key,
        };
        let n = self
            .jobs()
            .insert(job, Instant::now())
            .map_err(|frees| Refused::Full { frees })?;
        if let Some(mut next) = sampled {
            *next += 1;
        }
        Ok((self.job_id(n), hint_s))
    }

    /// This run's id: the prefix of every job id it gives out.
    pub fn run_id(&self) -> &str {
        // Set by `ServerConfig::validate`, which `new` ran.
        self.inner.config.run_id.as_deref().unwrap_or("")
    }

    /// The id of this run's `n`-th job: `RUN-N`.
    fn job_id(&self, n: u64) -> String {
        format!("{}-{n}", self.run_id())
    }

    /// Real time for `job_s` job seconds. Validated settings keep it finite.
    fn real(&self, job_s: f64) -> Duration {
        Duration::try_from_secs_f64(job_s * self.inner.config.time_scale).unwrap_or(Duration::MAX)
    }
}

/// Why a job was not created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The table is full of live jobs; the first slot frees at `frees`.
    Full {
        /// When the first live job expires and its slot frees.
        frees: Instant,
    },
    /// The job would end or expire beyond any clock (validated settings
    /// prevent it).
    BeyondClock,
}

/// The router: every route, fallback and state.
pub fn app(state: AppState) -> Router {
    let routes = match state.config().dialect {
        Dialect::Jobs => Router::new()
            .route("/jobs", post(handlers::create_job))
            .route("/jobs/{id}/status", get(handlers::job_status))
            .route("/status", get(handlers::latest_status))
            .route("/openapi.json", get(openapi::handler)),
        other => dialect::routes(other),
    };
    routes
        .fallback(handlers::no_route)
        .method_not_allowed_fallback(handlers::wrong_method)
        .with_state(state)
}

/// Serves `state` on `listener` until `shutdown` resolves; then stops
/// accepting and waits for open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(state.clone());
    conn::serve(listener, state, router, shutdown).await
}

/// A server running in the background on a loopback port; stops when dropped.
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its state (job table, settings, load counter).
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets running requests finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap_or(Ok(()))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Why a background server could not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The settings are invalid.
    #[error("server settings: {0}")]
    Config(#[from] ServerConfigError),
    /// No loopback port could be bound.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Io(#[from] std::io::Error),
}

/// Starts a server on a free port of 127.0.0.1. Must be called inside a tokio runtime.
pub async fn spawn(config: ServerConfig) -> Result<RunningServer, SpawnError> {
    let state = AppState::new(config)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Ok(RunningServer {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Distribution, Uniform, Workload};

    /// A creation the full table refuses gives its workload index back: the
    /// n-th job created is still job n of the job set.
    #[test]
    fn a_refused_creation_takes_no_workload_index() {
        let dist = Distribution::Uniform(Uniform::new(300.0, 100.0).unwrap());
        let mut config = ServerConfig::new(Workload::new(dist, 0.0, None).unwrap(), 1);
        config.max_jobs = 1;
        let state = AppState::new(config).unwrap();
        let now = Instant::now();
        assert!(state.try_create(&NewJob::default(), now).is_ok());
        assert!(matches!(
            state.try_create(&NewJob::default(), now),
            Err(Refused::Full { .. })
        ));
        assert_eq!(*state.inner.sampled.lock().unwrap(), 1);
    }
}
