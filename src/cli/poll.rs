//! `pollsim poll`: create jobs on a server (or take existing ids) and poll them
//! with a policy from a config or a `tuned.toml`.

use super::UsageError;
use super::args::{MAX_REAL_SECONDS, parse_real_seconds, parse_wire_jobs};
use super::runtime::{init_tracing, parse_positive, runtime};
use super::say;
use crate::config::{Config, Service, load_policies};
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
    /// The server, with its scheme (default: the [service]'s base_url, else
    /// the bundled server at http://127.0.0.1:8080).
    #[arg(long)]
    pub url: Option<String>,
    /// The config whose policies (and seed, for jitter) to use; its [service]
    /// section, if any, describes the service to poll.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Describe the service with this file's [service] table instead.
    #[arg(long)]
    pub service: Option<PathBuf>,
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
    /// Real seconds per job second; must match the server's (1 for a real service).
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

/// The bundled server's address when nothing names another.
const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The service `--service` or the config's `[service]` describes, if any.
pub(crate) fn service(config: &Config, file: Option<&PathBuf>) -> Result<Option<Service>> {
    Ok(match file {
        Some(file) => Some(Service::load(file)?),
        None => config.service.clone(),
    })
}

/// A client for the described service, or the bundled server; `--url` errors
/// and a description the environment cannot complete are bad input.
pub(crate) fn connect(
    service: Option<&Service>,
    url: Option<&str>,
    options: ClientOptions,
) -> Result<Client> {
    // Credentials in the URL would be echoed by every error that names the server.
    let named = url.or(service.and_then(|s| s.base_url.as_deref()));
    super::usage(!named.is_some_and(has_userinfo), || {
        "--url: credentials in the URL (user:password@) are not supported, and would be printed in messages; give the URL without them (a token goes in [service] headers, read from the environment)".into()
    })?;
    let client = match service {
        Some(service) => Client::for_service(service, url, options),
        None => Client::with_options(url.unwrap_or(DEFAULT_URL), options),
    };
    client.map_err(|e| match e {
        ClientError::BaseUrl { url: bad, problem } => {
            let option = if url.is_some() {
                "--url"
            } else {
                "service.base_url"
            };
            anyhow::Error::new(UsageError(format!("{option} {bad}: {problem}")))
        }
        e @ ClientError::Service { .. } => anyhow::Error::new(UsageError(e.to_string())),
        other => other.into(),
    })
}

/// A bad description found while polling is bad input (exit code 2).
pub(crate) fn check_description(client: &Client) -> Result<()> {
    match client.description_error() {
        Some(problem) => Err(UsageError(format!(
            "the [service] description does not fit the service's answers: {problem}"
        ))
        .into()),
        None => Ok(()),
    }
}

pub(super) fn run(args: PollArgs) -> Result<()> {
    let config = Config::load(&args.config)?;
    let spec = choose_policy(&config, args.policies.as_ref(), args.policy.as_deref())?;
    super::usage(args.concurrency > 0, || {
        "--concurrency 0: poll at least one job at a time (write --concurrency 1 or more)".into()
    })?;
    let service = service(&config, args.service.as_ref())?;
    let options = ClientOptions {
        time_scale: args.time_scale,
        request_timeout: Duration::from_secs_f64(args.request_timeout.min(MAX_REAL_SECONDS)),
        deadline: args
            .deadline
            .map(|d| Duration::from_secs_f64(d.min(MAX_REAL_SECONDS))),
        seed: config.seed,
        client_id: args.client_id.clone(),
        // The config's request timeout, in job time, as `validate` and the
        // simulator's clients keep it: a check not answered within it is a
        // failed call the policy may retry.
        check_timeout: config.request_timeout(),
        ..ClientOptions::default()
    };
    let client = connect(service.as_ref(), args.url.as_deref(), options)?;
    init_tracing();
    let jobs = submissions(service.as_ref(), args.jobs, &args.job)?;
    let reports = runtime()?.block_on(async {
        // First contact: a server that is not there, or runs at another time
        // scale, is reported before any job. A real service has no page to
        // ask: its first request is the first contact.
        if client.is_described() {
            return anyhow::Ok(
                client
                    .poll_jobs(jobs, &spec, args.concurrency, |report| say(describe(report)))
                    .await,
            );
        }
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
    check_description(&client)?;
    summary(spec.name(), &reports)
}

/// The jobs to poll: `jobs` new ones, or the `ids` given; a service without
/// `create` needs ids.
pub(crate) fn submissions(
    service: Option<&Service>,
    jobs: u64,
    ids: &[String],
) -> Result<Vec<Submit>> {
    if !ids.is_empty() {
        return Ok(ids.iter().cloned().map(Submit::Existing).collect());
    }
    super::usage(service.is_none_or(|s| s.create.is_some()), || {
        "the [service] has no create request, so jobs cannot be created: follow existing jobs with --job ID (repeatable), or add create = { method = \"POST\", path = \"…\", id = \"/id\" }".into()
    })?;
    Ok((0..jobs)
        .map(|_| Submit::Create(NewJob::default()))
        .collect())
}

/// The run's last line, and an error when a job did not reach a final state.
fn summary(policy: &str, reports: &[JobReport]) -> Result<()> {
    let finished = reports.iter().filter(|r| r.end.is_final()).count();
    let calls: u64 = reports.iter().map(|r| u64::from(r.calls)).sum();
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    say(format_args!(
        "{policy}: {finished}/{} jobs reached a final state, {:.2} calls per job, {errors} failed checks",
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
    // Checks the client's throttle or breaker kept back (not calls).
    let rejected = match report.rejected() {
        0 => String::new(),
        n => format!(", {n} rejected locally"),
    };
    format!(
        "job {}: {} after {} calls{seen}, {:.2} s real, {} failed checks{rejected}",
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
