//! `pollsim serve`: the bundled status server on a socket, until Ctrl-C.

use super::runtime::{
    init_tracing, parse_ms_range, parse_positive, parse_rate, parse_share, runtime,
};
use super::say;
use crate::config::Config;
use crate::http::server::{self, AppState, Dialect, ServerConfig};
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The config whose workload (and seed) samples jobs created without a duration.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub server: ServerOptions,
}

/// Server settings. Faults, limits and hints default to the config's `[server]`
/// section (none without one); a flag overrides the config's value.
#[derive(Debug, Args)]
pub struct ServerOptions {
    /// The API to speak: jobs (POST /jobs, GET /jobs/{id}/status), start-timer
    /// (POST /start-timer {"duration": s}, GET /status) or request (POST
    /// /request, GET /status; durations drawn from the config's workload).
    #[arg(long, default_value = "jobs", value_parser = Dialect::parse)]
    pub dialect: Dialect,
    /// Real seconds per job second: 0.01 runs a 300 s job in 3 s.
    #[arg(long, default_value_t = 1.0, value_parser = parse_positive)]
    pub time_scale: f64,
    /// Share of status checks answered HTTP 500 (server.fail_rate).
    #[arg(long, value_parser = parse_share)]
    pub fail_rate: Option<f64>,
    /// Share of status checks answered HTTP 429 with Retry-After: 1, at random (server.throttle_rate).
    #[arg(long, value_parser = parse_share)]
    pub throttle_rate: Option<f64>,
    /// Latency of each status check, uniform in MIN..MAX job milliseconds (server.latency_ms).
    #[arg(long, value_name = "MIN..MAX", value_parser = parse_ms_range)]
    pub latency_ms: Option<(f64, f64)>,
    /// Status checks per job second and client (X-Client-Id, else the peer address); beyond it 429 (server.rate_limit).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate_limit: Option<f64>,
    /// Status checks per job second over all clients; beyond it 429 (server.global_rate_limit).
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub global_rate_limit: Option<f64>,
    /// Send Retry-After (the estimated job seconds until done) on pending answers (server.retry_after_hints).
    #[arg(long)]
    pub retry_after_hints: bool,
    /// Add progress and eta_s to pending answers (server.eta_hints).
    #[arg(long)]
    pub eta_hints: bool,
    /// Relative error of the remaining-time estimate in hints, 0..1 (server.eta_noise).
    #[arg(long, value_parser = parse_share)]
    pub eta_noise: Option<f64>,
    /// Longest long-poll hold (?wait=) in job seconds; 0 turns long polling off (server.max_wait_s).
    #[arg(long)]
    pub max_wait: Option<f64>,
    /// Jobs held at once (at most 10000000); beyond it POST /jobs answers 503.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_MAX_JOBS, value_parser = parse_max_jobs)]
    pub max_jobs: usize,
    /// Job seconds a finished job stays readable.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_TTL_S, value_parser = parse_positive)]
    pub ttl: f64,
    /// Real seconds a client has to send a request's head (from the
    /// connection's start or the previous answer); then it is closed.
    #[arg(long, default_value_t = 10.0, value_parser = parse_timeout)]
    pub header_read_timeout: f64,
    /// Real seconds a connection may stay silent with no request in flight.
    #[arg(long, default_value_t = 60.0, value_parser = parse_timeout)]
    pub idle_timeout: f64,
}

impl ServerOptions {
    /// The config's server with these flags applied; validated when the server starts.
    pub(crate) fn settings(&self, config: &Config) -> ServerConfig {
        let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
        if let Some(contention) = config.contention.as_ref().filter(|c| c.server_given) {
            settings.model = contention.server.clone();
        }
        let m = &mut settings.model;
        m.fail_rate = self.fail_rate.unwrap_or(m.fail_rate);
        m.throttle_rate = self.throttle_rate.unwrap_or(m.throttle_rate);
        m.latency_ms = self.latency_ms.or(m.latency_ms);
        m.rate_limit = self.rate_limit.or(m.rate_limit);
        m.global_rate_limit = self.global_rate_limit.or(m.global_rate_limit);
        m.retry_after_hints |= self.retry_after_hints;
        m.eta_hints |= self.eta_hints;
        m.eta_noise = self.eta_noise.unwrap_or(m.eta_noise);
        m.max_wait_s = self.max_wait.unwrap_or(m.max_wait_s);
        settings.time_scale = self.time_scale;
        settings.dialect = self.dialect;
        settings.max_jobs = self.max_jobs;
        settings.ttl_s = self.ttl;
        settings.header_read_timeout = Duration::from_secs_f64(self.header_read_timeout);
        settings.idle_timeout = Duration::from_secs_f64(self.idle_timeout);
        settings
    }
}

/// A connection timeout: 0.01 s to one day, real seconds.
fn parse_timeout(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| (0.01..=86_400.0).contains(s))
        .ok_or_else(|| format!("'{text}' is not a number of seconds from 0.01 to 86400"))
}

/// A job count the table can hold: 1 to [`ServerConfig::MAX_MAX_JOBS`].
fn parse_max_jobs(text: &str) -> Result<usize, String> {
    let max = ServerConfig::MAX_MAX_JOBS;
    match text.trim().parse::<u128>() {
        Ok(n) if (1..=max as u128).contains(&n) => Ok(n as usize),
        Ok(_) => Err(format!(
            "'{text}' is not a job count from 1 to {max} (about 200 bytes a job)"
        )),
        Err(_) => Err(format!(
            "'{text}' is not a whole number of jobs (1 to {max})"
        )),
    }
}

pub(super) fn run(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let settings = args.server.settings(&config);
    let state = AppState::new(settings.clone())
        .with_context(|| format!("{}: server settings", config.file.display()))?;
    init_tracing();
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        say(format_args!(
            "pollsim serve: http://{addr} ({} dialect: {}; time scale {}, workload of {}; {}); Ctrl-C stops",
            settings.dialect.name(),
            settings.dialect.routes(),
            args.server.time_scale,
            config.file.display(),
            settings.model.describe()
        ));
        server::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
    })
}
