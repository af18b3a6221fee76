//! `pollsim poll`: create jobs on a server (or take existing ids) and poll them
//! with a policy from a config or a `tuned.toml`.

use super::UsageError;
use super::args::{MAX_REAL_SECONDS, parse_real_seconds, parse_wire_jobs};
use super::runtime::{init_tracing, parse_positive, runtime};
use super::say;
use crate::config::{Config, load_policies};
use crate::http::client::{ClientError, Submit};
use crate::http::wire::NewJob;
use crate::http::{Client, ClientOptions, JobReport};
use crate::policy::PolicySpec;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct PollArgs {
    /// The server, with its scheme: http://127.0.0.1:8080.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The config whose policies (and seed, for jitter) to use.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Take the policies from this file instead (e.g. a tuned.toml).
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// The policy to run, by name (default: the first).
    #[arg(long)]
    pub policy: Option<String>,
    /// Jobs to create and poll (the server samples their durations).
    #[arg(long, default_value_t = 1, conflicts_with = "job", allow_negative_numbers = true, value_parser = parse_wire_jobs)]
    pub jobs: u64,
    /// Poll these existing job ids instead of creating jobs.
    #[arg(long)]
    pub job: Vec<String>,
    /// Real seconds per job second; must match the server's.
    #[arg(long, default_value_t = 1.0, value_parser = parse_positive)]
    pub time_scale: f64,
    /// Jobs polled at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Stop polling a job after this many real seconds.
    #[arg(long, value_parser = parse_real_seconds)]
    pub deadline: Option<f64>,
    /// Timeout of each request, real seconds.
    #[arg(long, default_value_t = 10.0, value_parser = parse_real_seconds)]
    pub request_timeout: f64,
    /// Sent as X-Client-Id (the server's rate-limit key).
    #[arg(long)]
    pub client_id: Option<String>,
}

/// The policy called `name` (or the first) among `config`'s, or a policy file's.
pub(crate) fn choose_policy(
    config: &Config,
    file: Option<&PathBuf>,
    name: Option<&str>,
) -> Result<PolicySpec> {
    let policies = match file {
        Some(file) => load_policies(file, config.workload.hint_error.is_some())?,
        None => config.policies.clone(),
    };
    match name {
        None => Ok(policies[0].clone()),
        Some(name) => policies
            .iter()
            .find(|p| p.name() == name)
            .cloned()
            .with_context(|| {
                let names: Vec<&str> = policies.iter().map(|p| p.name()).collect();
                format!(
                    "--policy {name}: no such policy; there are {}",
                    names.join(", ")
                )
            }),
    }
}

/// Whether `url` carries `user[:password]@` before its host.
fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

pub(super) fn run(args: PollArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let spec = choose_policy(&config, args.policies.as_ref(), args.policy.as_deref())?;
    super::usage(args.concurrency > 0, || {
        "--concurrency 0: poll at least one job at a time (write --concurrency 1 or more)".into()
    })?;
    // Credentials in the URL would be echoed by every error that names the server.
    super::usage(!has_userinfo(&args.url), || {
        "--url: credentials in the URL (user:password@) are not supported, and would be printed in messages; give the URL without them".into()
    })?;
    let options = ClientOptions {
        time_scale: args.time_scale,
        request_timeout: Duration::from_secs_f64(args.request_timeout.min(MAX_REAL_SECONDS)),
        deadline: args
            .deadline
            .map(|d| Duration::from_secs_f64(d.min(MAX_REAL_SECONDS))),
        seed: config.seed,
        client_id: args.client_id.clone(),
        ..ClientOptions::default()
    };
    let client = Client::with_options(&args.url, options).map_err(|e| match e {
        ClientError::BaseUrl { problem, .. } => {
            anyhow::Error::new(UsageError(format!("--url {}: {problem}", args.url)))
        }
        other => other.into(),
    })?;
    init_tracing();
    let jobs: Vec<Submit> = if args.job.is_empty() {
        (0..args.jobs)
            .map(|_| Submit::Create(NewJob::default()))
            .collect()
    } else {
        args.job.iter().cloned().map(Submit::Existing).collect()
    };
    let reports = runtime()?.block_on(async {
        // First contact: a server that is not there, or runs at another time
        // scale, is reported before any job.
        client.check_server().await.map_err(|e| match e {
            ClientError::TimeScale { .. } => anyhow::Error::new(UsageError(e.to_string())),
            ClientError::Request { .. } => anyhow::anyhow!(
                "{e}\nhint: is `pollsim serve` running at {}? Start it with `pollsim serve --config FILE --addr HOST:PORT`",
                client.base_url()
            ),
            other => other.into(),
        })?;
        // Each job's line as it ends: a run cut short still shows what finished.
        anyhow::Ok(
            client
                .poll_jobs(jobs, &spec, args.concurrency, |report| say(describe(report)))
                .await,
        )
    })?;
    let finished = reports.iter().filter(|r| r.end.is_final()).count();
    let calls: u64 = reports.iter().map(|r| u64::from(r.calls)).sum();
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    say(format_args!(
        "{}: {finished}/{} jobs reached a final state, {:.2} calls per job, {errors} failed checks",
        spec.name(),
        reports.len(),
        calls as f64 / reports.len() as f64
    ));
    anyhow::ensure!(
        finished == reports.len(),
        "{} jobs did not reach a final state",
        reports.len() - finished
    );
    Ok(())
}

fn describe(report: &JobReport) -> String {
    let seen = report
        .seen_at()
        .map_or(String::new(), |t| format!(", seen at {t:.1} s"));
    format!(
        "job {}: {} after {} calls{seen}, {:.2} s real, {} failed checks",
        report.id,
        report.end,
        report.calls,
        report.elapsed.as_secs_f64(),
        report.errors.len()
    )
}

#[cfg(test)]
mod tests {
    use super::has_userinfo;

    #[test]
    fn credentials_in_a_url_are_found_wherever_they_stand() {
        assert!(has_userinfo("http://user:secret@127.0.0.1:8080"));
        assert!(has_userinfo("user@host:8080"));
        assert!(!has_userinfo("http://127.0.0.1:8080/jobs?owner=a@b"));
        assert!(!has_userinfo("http://127.0.0.1:8080"));
    }
}
