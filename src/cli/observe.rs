//! `pollsim observe`: submit real jobs (or follow existing ids), poll them
//! densely with a stated policy, and write their bracketed durations to
//! `observed.csv`, the input of the `observed` workload kind.

use super::args::{MAX_REAL_SECONDS, parse_real_seconds, parse_wire_jobs};
use super::poll::{check_description, choose_policy, connect, service, submissions};
use super::runtime::{init_tracing, parse_positive, runtime};
use super::{OutputDir, say};
use crate::config::Config;
use crate::http::ClientOptions;
use crate::policy::PolicySpec;
use crate::report::observed::{ObservedJob, ObservedState, bracket_widths, observed_csv};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// The file `observe` writes.
const FILE: &str = "observed.csv";

#[derive(Debug, Args)]
pub struct ObserveArgs {
    /// The config: its [service] (unless --service) and seed; --policy names one of its policies.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Describe the service with this file's [service] table instead.
    #[arg(long)]
    pub service: Option<PathBuf>,
    /// The service's base URL (default: the [service]'s base_url, else the
    /// bundled server at http://127.0.0.1:8080).
    #[arg(long)]
    pub url: Option<String>,
    /// Poll with this policy of the config instead of a check every second.
    #[arg(long)]
    pub policy: Option<String>,
    /// Jobs to submit.
    #[arg(long, default_value_t = 20, conflicts_with = "job", allow_negative_numbers = true, value_parser = parse_wire_jobs)]
    pub jobs: u64,
    /// Follow these existing job ids instead (their times count from when
    /// polling began).
    #[arg(long)]
    pub job: Vec<String>,
    /// Jobs polled at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Give a job up this many real seconds after its submission (a
    /// right-censored row).
    #[arg(long, value_parser = parse_real_seconds)]
    pub deadline: Option<f64>,
    /// Timeout of each request, real seconds.
    #[arg(long, default_value_t = 10.0, value_parser = parse_real_seconds)]
    pub request_timeout: f64,
    /// Real seconds per job second (1 for a real service).
    #[arg(long, default_value_t = 1.0, value_parser = parse_positive)]
    pub time_scale: f64,
    /// Results folder. Default: results/<config name>.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The policy `observe` polls with unless told: a check every second, the
/// densest a typical service welcomes.
fn every_second() -> PolicySpec {
    PolicySpec::from_toml("name = \"observe-1s\"\nkind = \"constant\"\ninterval = 1.0")
        .expect("a valid constant policy")
}

pub(super) fn run(args: ObserveArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let spec = match &args.policy {
        Some(name) => choose_policy(&config, None, Some(name))?,
        None => every_second(),
    };
    super::usage(args.concurrency > 0, || {
        "--concurrency 0: poll at least one job at a time (write --concurrency 1 or more)".into()
    })?;
    let service = service(&config, args.service.as_ref())?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(config.name()));
    let mut inputs: Vec<&std::path::Path> = config.inputs.iter().map(|p| p.as_path()).collect();
    if let Some(file) = &args.service {
        inputs.push(file);
    }
    let out = OutputDir::create(&target, &[FILE], &inputs)?;
    let options = ClientOptions {
        time_scale: args.time_scale,
        request_timeout: Duration::from_secs_f64(args.request_timeout.min(MAX_REAL_SECONDS)),
        deadline: args
            .deadline
            .map(|d| Duration::from_secs_f64(d.min(MAX_REAL_SECONDS))),
        seed: config.seed,
        ..ClientOptions::default()
    };
    let client = connect(service.as_ref(), args.url.as_deref(), options)?;
    init_tracing();
    let jobs = submissions(service.as_ref(), args.jobs, &args.job)?;
    let count = jobs.len();
    let start = std::time::Instant::now();
    let reports = runtime()?.block_on(client.poll_jobs(jobs, &spec, args.concurrency, |r| {
        say(format_args!(
            "job {}: {} after {} calls",
            r.id, r.end, r.calls
        ))
    }));
    check_description(&client)?;
    let rows: Vec<ObservedJob> = reports
        .iter()
        .filter_map(|r| ObservedJob::from_report(r, start, args.time_scale))
        .collect();
    anyhow::ensure!(
        !rows.is_empty(),
        "none of the {count} jobs was created (their lines say why): nothing to write"
    );
    out.write(FILE, &observed_csv(&rows))?;
    let written = out.commit()?;
    let of = |state| rows.iter().filter(|r| r.state == state).count();
    say(format_args!(
        "{}: {} jobs polled with {} ({} completed, {} error, {} given up{})",
        written.join(FILE).display(),
        rows.len(),
        spec.name(),
        of(ObservedState::Completed),
        of(ObservedState::Error),
        of(ObservedState::GaveUp),
        match count - rows.len() {
            0 => String::new(),
            n => format!("; {n} not created, left out"),
        }
    ));
    match bracket_widths(&rows) {
        Some((median, max)) => say(format_args!(
            "each duration lies between the last pending check and the first final answer: brackets {median:.3} s wide at the median, {max:.3} s at most"
        )),
        None => say("no job was seen final: every row is right-censored"),
    }
    Ok(())
}
