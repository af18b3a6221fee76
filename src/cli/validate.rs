//! `pollsim validate`: the simulator's jobs on the bundled server, polled by the
//! real client, compared job by job with the simulator; writes `validation.csv`.

use super::runtime::{init_tracing, parse_positive, parse_share, runtime};
use super::{OutputDir, say};
use crate::config::Config;
use crate::http::validate::{DEFAULT_MIN_AGREEMENT, ValidationSettings, validate};
use crate::report::validation::{validation_csv, validation_table};
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
    #[arg(long, default_value_t = 200)]
    pub jobs: u64,
    /// Real seconds per job second.
    #[arg(long, default_value_t = 0.01, value_parser = parse_positive)]
    pub time_scale: f64,
    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Jobs created per real second (spread so checks do not come in bursts).
    #[arg(long, default_value_t = 500.0, value_parser = parse_positive)]
    pub submit_rate: f64,
    /// Fail when a policy's calls agree on fewer jobs than this share.
    #[arg(long, default_value_t = DEFAULT_MIN_AGREEMENT, value_parser = parse_share)]
    pub min_agreement: f64,
    /// Results folder. Default: results/<config name>/validation.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: ValidateArgs) -> Result<()> {
    let mut config = Config::load(&args.config)?;
    if let Some(file) = &args.policies {
        config.replace_policies(file)?;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    anyhow::ensure!(args.jobs > 0, "--jobs 0: validate at least one job");
    let settings = ValidationSettings {
        jobs: args.jobs,
        time_scale: args.time_scale,
        submit_rate: args.submit_rate,
        request_timeout: Duration::from_secs(10),
    };
    init_tracing();
    let run = runtime()?.block_on(validate(&config, &config.policies, &settings))?;
    say(format_args!(
        "{}: {} jobs × {} policies on a loopback server, time scale {}, seed {}, {:.1} s",
        config.file.display(),
        args.jobs,
        config.policies.len(),
        args.time_scale,
        config.seed,
        run.elapsed.as_secs_f64()
    ));
    say(validation_table(&run.policies, args.min_agreement));

    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(config.name())
            .join("validation")
    });
    let out = OutputDir::create(&target)?;
    out.write("validation.csv", &validation_csv(&run.policies))?;
    let written = out.commit()?;
    say(format_args!(
        "wrote {}",
        written.join("validation.csv").display()
    ));

    let failing: Vec<&str> = run
        .policies
        .iter()
        .filter(|p| !p.passes(args.min_agreement))
        .map(|p| p.policy.as_str())
        .collect();
    if failing.is_empty() {
        say(format_args!(
            "verdict: PASS: every policy's calls agree with the simulator on at least {:.0}% of jobs, and every difference is explained by measured lateness",
            100.0 * args.min_agreement
        ));
        Ok(())
    } else {
        say("verdict: FAIL");
        anyhow::bail!(
            "validation failed for {}: calls agreement under {:.0}% or differences that lateness does not explain (see validation.csv)",
            failing.join(", "),
            100.0 * args.min_agreement
        )
    }
}
