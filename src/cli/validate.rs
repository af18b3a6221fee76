//! `pollsim validate`: the simulator's jobs on the bundled server, polled by the
//! real client, compared with the simulator job by job and in the server's load;
//! writes `validation.csv`, `validation_load.csv` and their plots.

use super::args::{parse_real_seconds, parse_wire_jobs};
use super::figures::validation_figures;
use super::runtime::{init_tracing, parse_positive, parse_share, runtime};
use super::{OutputDir, say};
use crate::config::Config;
use crate::http::validate::{Criteria, DEFAULT_MIN_AGREEMENT, ValidationSettings, validate};
use crate::report::validation::{validation_csv, validation_load_csv, validation_table};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The config: workload, seed and (unless --policies) policies.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Validate these policies instead (e.g. results/long/tuned.toml).
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Jobs per policy.
    #[arg(long, default_value_t = 200, allow_negative_numbers = true, value_parser = parse_wire_jobs)]
    pub jobs: u64,
    /// Real seconds per job second (default 0.01 on the bundled server, 1 on
    /// a [service]).
    #[arg(long, value_parser = parse_positive)]
    pub time_scale: Option<f64>,
    /// Validate on the service this file's [service] describes (a config's
    /// [service] does the same).
    #[arg(long)]
    pub service: Option<PathBuf>,
    /// The service's base URL (default: the [service]'s base_url).
    #[arg(long)]
    pub url: Option<String>,
    /// On a [service]: jobs polled at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// On a [service]: give a job up this many real seconds after its submission.
    #[arg(long, value_parser = parse_real_seconds)]
    pub deadline: Option<f64>,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Jobs created per real second (spread so checks do not come in bursts).
    #[arg(long, default_value_t = 500.0, value_parser = parse_positive)]
    pub submit_rate: f64,
    /// Fail when a policy's calls agree on fewer jobs than this share (judged
    /// on a server with ETA or Retry-After hints and no rate limits; without
    /// hints every difference must be one the wire's lateness explains).
    #[arg(long, default_value_t = DEFAULT_MIN_AGREEMENT, value_parser = parse_share)]
    pub min_agreement: f64,
    /// Fail when the mean calls per job is off by more than this share.
    #[arg(long, default_value_t = Criteria::default().max_calls_error, value_parser = parse_share)]
    pub max_calls_error: f64,
    /// Fail when the peak requests per second is off by more than this share.
    #[arg(long, default_value_t = Criteria::default().max_peak_error, value_parser = parse_share)]
    pub max_peak_error: f64,
    /// Results folder. Default: results/<config name>/validation.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Show every column of the table, however wide.
    #[arg(long)]
    pub wide: bool,
}

pub(super) fn run(args: ValidateArgs) -> Result<()> {
    let mut config = Config::load(&args.config)?;
    if let Some(file) = &args.policies {
        config.replace_policies(file)?;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if let Some(service) = super::poll::service(&config, args.service.as_ref())? {
        return on_service(&args, &config, &service);
    }
    let time_scale = args.time_scale.unwrap_or(0.01);
    let settings = ValidationSettings {
        jobs: args.jobs,
        time_scale,
        submit_rate: args.submit_rate,
        request_timeout: Duration::from_secs(10),
    };
    let criteria = Criteria {
        min_agreement: args.min_agreement,
        max_calls_error: args.max_calls_error,
        max_peak_error: args.max_peak_error,
    };
    // The results folder is checked before the run, which takes minutes.
    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(config.name())
            .join("validation")
    });
    let inputs: Vec<&std::path::Path> = config.inputs.iter().map(|p| p.as_path()).collect();
    let files = [
        "validation.csv",
        "validation_load.csv",
        "validation.png",
        "validation_load.png",
    ];
    let out = OutputDir::create(&target, &files, &inputs)?;
    init_tracing();
    let run = runtime()?.block_on(validate(&config, &config.policies, &settings))?;
    let jobs = run.policies.first().map_or(0, |p| p.jobs.len());
    say(format_args!(
        "{}: {} jobs × {} policies, each on its own loopback server ({}; {}), time scale {}, seed {}, {:.1} s",
        config.file.display(),
        jobs,
        config.policies.len(),
        run.server.describe(),
        if run.sequential {
            "one policy at a time"
        } else {
            "policies at once"
        },
        time_scale,
        config.seed,
        run.elapsed.as_secs_f64()
    ));
    say(validation_table(
        &run.policies,
        &criteria,
        super::table_width(args.wide),
    ));
    if let Some(note) = run.smear_note() {
        say(note);
    }
    for p in &run.policies {
        if let Some(note) = p.scale_note(&criteria, time_scale) {
            say(note);
        }
    }

    out.write("validation.csv", &validation_csv(&run.policies))?;
    out.write("validation_load.csv", &validation_load_csv(&run.policies))?;
    for figure in validation_figures(&config, &run) {
        match (&figure.png, &figure.figure.status) {
            (Some(png), _) => out.write(&figure.figure.file, png)?,
            (None, Err(e)) => eprintln!("note: {} not drawn: {e}", figure.figure.file),
            (None, Ok(())) => {}
        }
    }
    let written = out.commit()?;
    say(format_args!("wrote {}", written.display()));

    let failing: Vec<&str> = run
        .policies
        .iter()
        .filter(|p| !p.passes(&criteria))
        .map(|p| p.policy.as_str())
        .collect();
    if failing.is_empty() {
        say(format_args!("verdict: PASS: {}", criteria.describe()));
        Ok(())
    } else {
        say(format_args!(
            "verdict: FAIL: the rules are: {}",
            criteria.describe()
        ));
        anyhow::bail!(
            "validation failed for {} (the table says why; see validation.csv and validation_load.csv)",
            failing.join(", ")
        )
    }
}

/// `validate` on a described service: each policy's fresh jobs there
/// against the workload's prediction; writes `service_validation.csv`.
fn on_service(
    args: &ValidateArgs,
    config: &Config,
    service: &crate::config::Service,
) -> Result<()> {
    use crate::http::ClientOptions;
    use crate::report::observed::{ObservedJob, policy_jobs_csv};
    use crate::report::validation::service_validation_csv;
    use std::time::Duration;
    super::usage(args.concurrency > 0, || {
        "--concurrency 0: poll at least one job at a time (write --concurrency 1 or more)".into()
    })?;
    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(config.name())
            .join("validation")
    });
    let mut inputs: Vec<&std::path::Path> = config.inputs.iter().map(|p| p.as_path()).collect();
    if let Some(file) = &args.service {
        inputs.push(file);
    }
    let (file, jobs_file) = ("service_validation.csv", "service_validation_jobs.csv");
    let out = OutputDir::create(&target, &[file, jobs_file], &inputs)?;
    let options = ClientOptions {
        time_scale: args.time_scale.unwrap_or(1.0),
        deadline: args.deadline.map(Duration::from_secs_f64),
        seed: config.seed,
        ..ClientOptions::default()
    };
    let client = super::poll::connect(Some(service), args.url.as_deref(), options)?;
    init_tracing();
    let start = std::time::Instant::now();
    let runs = runtime()?.block_on(crate::http::validate::validate_service(
        config,
        &config.policies,
        &client,
        args.jobs,
        args.concurrency,
    ));
    super::poll::check_description(&client)?;
    say(format_args!(
        "{}: {} jobs per policy on {}, one policy after another",
        config.file.display(),
        args.jobs,
        client.base_url()
    ));
    for run in &runs {
        say(run.describe(args.max_calls_error));
    }
    out.write(file, &service_validation_csv(&runs, args.max_calls_error))?;
    let scale = args.time_scale.unwrap_or(1.0);
    let jobs: Vec<(&str, Vec<ObservedJob>)> = runs
        .iter()
        .map(|r| {
            let rows = r.reports.iter();
            let rows = rows.filter_map(|j| ObservedJob::from_report(j, start, scale));
            (r.policy.as_str(), rows.collect())
        })
        .collect();
    out.write(jobs_file, &policy_jobs_csv(&jobs))?;
    let written = out.commit()?;
    say(format_args!(
        "wrote {} and {} (each job's bracket)",
        written.join(file).display(),
        jobs_file
    ));
    let failing: Vec<&str> = runs
        .iter()
        .filter(|r| !(r.calls_agree(args.max_calls_error) && r.delay_allowed()))
        .map(|r| r.policy.as_str())
        .collect();
    let rule = format!(
        "measured calls per job within {:.0} % or four standard errors of the prediction, and the predicted delay within the brackets",
        100.0 * args.max_calls_error
    );
    if failing.is_empty() {
        say(format_args!("verdict: PASS: {rule}"));
        Ok(())
    } else {
        say(format_args!("verdict: FAIL: the rules are: {rule}"));
        anyhow::bail!(
            "validation on the service failed for {}",
            failing.join(", ")
        )
    }
}
