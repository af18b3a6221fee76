//! One policy's validation run on the wire: its own bundled server, the real
//! client polling the plan's jobs, and the server's load as it counted it.

use super::{SETUP, ValidationError, failed_report};
use crate::http::client::{Client, ClientOptions, JobHandle, JobReport};
use crate::http::server::{ServerConfig, spawn};
use crate::http::wire::NewJob;
use crate::policy::{ClientPolicy, PolicySpec};
use crate::sim::LoadTimeline;
use crate::sim::des::OverloadStats;
use crate::workload::Job;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What one policy's run on the wire measured.
#[derive(Default)]
pub(super) struct Measured {
    /// Every job's report, in plan order.
    pub(super) reports: Vec<JobReport>,
    /// Status checks per second, as the server counted them.
    pub(super) load: LoadTimeline,
    /// The server's capacity figures, when it has capacity keys.
    pub(super) overload: Option<OverloadStats>,
    /// Requests per real second the warm-up delivered.
    pub(super) delivery_rate: f64,
}

/// One policy against its own server.
pub(super) struct PolicyRun {
    pub(super) spec: PolicySpec,
    pub(super) config: ServerConfig,
    pub(super) jobs: Arc<Vec<Job>>,
    pub(super) times: Arc<Vec<f64>>,
    pub(super) clients: u64,
    pub(super) options: ClientOptions,
    /// Open one connection per request that may be in flight before time 0.
    pub(super) warm_up: bool,
}

impl PolicyRun {
    /// The jobs' reports, the server's load, and how many requests per real
    /// second the warm-up delivered.
    pub(super) async fn run(self) -> Result<Measured, ValidationError> {
        let scale = self.config.time_scale;
        let server = spawn(self.config).await?;
        let client = Client::with_options(&server.url(), self.options)?;
        // One connection per check that may be out at once: the simulator's
        // herd reaches the server within its latency, not after handshakes.
        let mut delivery_rate = f64::INFINITY;
        if self.warm_up {
            let burst = client.options().max_in_flight;
            client.warm_up(burst).await;
            // Again, over open connections: how fast a herd of checks goes out.
            let sending = Instant::now();
            let delivered = client.warm_up(burst).await;
            delivery_rate = delivered as f64 / sending.elapsed().as_secs_f64().max(1e-6);
        }
        // Time 0 of the plan, shortly after setting up; the server counts its
        // load from there, as the simulator counts from its t = 0.
        let origin = std::time::Instant::now() + SETUP;
        server.state.count_load_from(origin);
        // Each client's guards run on a clock whose 0 is the plan's, as the
        // simulator's clients' do.
        let keyed: Vec<Client> = (0..self.clients)
            .map(|c| client.for_client_at(Some(format!("client-{c}")), origin.into()))
            .collect();
        // A learning policy learns per client, from that client's jobs (as the simulator).
        let lanes: Vec<Arc<Mutex<ClientPolicy>>> =
            (0..if self.spec.learns() { self.clients } else { 1 })
                .map(|_| Arc::new(Mutex::new(self.spec.client())))
                .collect();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, job) in self.jobs.iter().enumerate() {
            // Jobs go straight into the server's table, each starting at its
            // submission instant: creation requests sent together would be
            // answered over many milliseconds, and the simulator starts a batch
            // at one instant. Their checks go over the wire.
            // Plans are checked to fit the clock (see `plan`).
            let starts = origin + Duration::from_secs_f64(self.times[i] * scale);
            let owner = (i as u64 % self.clients) as usize;
            let lane = lanes[owner.min(lanes.len() - 1)].clone();
            let handle = server
                .state
                .create(&NewJob::for_job(job), starts)
                .map(|(id, hint)| JobHandle {
                    id: id.to_string(),
                    index: job.index,
                    hint,
                    created: starts.into(),
                    submitted: starts.into(),
                });
            let (client, job) = (keyed[owner].clone(), *job);
            tasks.spawn(async move {
                // A learning policy starts each job with what it learned from
                // the jobs that ended before it was submitted, as in the simulator.
                tokio::time::sleep_until(starts.into()).await;
                let report = match handle {
                    Some(handle) => client.wait_shared(&handle, &lane).await,
                    None => failed_report(&job, "the server refused the job (table full)"),
                };
                (i, report)
            });
        }
        let mut reports: Vec<Option<JobReport>> = vec![None; self.jobs.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, report)) = joined {
                reports[i] = Some(report);
            }
        }
        let load = server.state.load().unwrap_or_default();
        let overload = server.state.overload();
        let _ = server.stop().await;
        let reports = reports
            .into_iter()
            .zip(self.jobs.iter())
            .map(|(r, job)| r.unwrap_or_else(|| failed_report(job, "the polling task panicked")))
            .collect();
        Ok(Measured {
            reports,
            load,
            overload,
            delivery_rate,
        })
    }
}
