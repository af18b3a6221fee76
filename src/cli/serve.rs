//! `pollsim serve`: the bundled status server on a socket, until Ctrl-C.

use super::runtime::{
    init_tracing, parse_ms_range, parse_positive, parse_rate, parse_share, runtime,
};
use super::say;
use crate::config::Config;
use crate::http::server::{self, AppState, Faults, ServerConfig};
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

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

/// Server settings shared by `serve` and `validate`.
#[derive(Debug, Args)]
pub struct ServerOptions {
    /// Real seconds per job second: 0.01 runs a 300 s job in 3 s.
    #[arg(long, default_value_t = 1.0, value_parser = parse_positive)]
    pub time_scale: f64,
    /// Share of status checks answered HTTP 500.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub fail_rate: f64,
    /// Share of status checks answered HTTP 429 with Retry-After: 1, at random.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub throttle_rate: f64,
    /// Real latency added to each status check, uniform in MIN..MAX milliseconds.
    #[arg(long, value_name = "MIN..MAX", value_parser = parse_ms_range)]
    pub latency_ms: Option<(f64, f64)>,
    /// Status checks per job second and client (X-Client-Id, else the peer address); beyond it 429.
    #[arg(long, value_name = "N/s", value_parser = parse_rate)]
    pub rate_limit: Option<f64>,
    /// Send Retry-After (job seconds until done) on pending answers.
    #[arg(long)]
    pub retry_after_hints: bool,
    /// Add progress and eta_s to pending answers.
    #[arg(long)]
    pub eta_hints: bool,
    /// Jobs held at once; beyond it POST /jobs answers 503.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_MAX_JOBS)]
    pub max_jobs: usize,
    /// Job seconds a finished job stays readable.
    #[arg(long, default_value_t = ServerConfig::DEFAULT_TTL_S, value_parser = parse_positive)]
    pub ttl: f64,
}

impl ServerOptions {
    pub(crate) fn settings(&self, config: &Config) -> ServerConfig {
        let mut settings = ServerConfig::new(config.workload.clone(), config.seed);
        settings.time_scale = self.time_scale;
        settings.retry_after_hints = self.retry_after_hints;
        settings.eta_hints = self.eta_hints;
        settings.faults = Faults {
            fail_rate: self.fail_rate,
            throttle_rate: self.throttle_rate,
            latency_ms: self.latency_ms,
            rate_limit: self.rate_limit,
        };
        settings.max_jobs = self.max_jobs;
        settings.ttl_s = self.ttl;
        settings
    }
}

pub fn run(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let state = AppState::new(args.server.settings(&config))?;
    init_tracing();
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        say(format_args!(
            "pollsim serve: http://{addr} (time scale {}, workload of {}); Ctrl-C stops",
            args.server.time_scale,
            config.file.display()
        ));
        server::serve(listener, state, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
    })
}
