//! Validation on the user's own service: each policy polls fresh jobs there,
//! one policy after another, and is held to what the config's workload
//! predicts for it (see [`crate::compare::ServiceComparison`]).

use crate::compare::ServiceComparison;
use crate::config::Config;
use crate::http::client::{Client, Submit};
use crate::http::wire::NewJob;
use crate::policy::PolicySpec;
use crate::sim::{RunOptions, evaluate, simulate};
use crate::workload::JobSource;

/// Jobs the simulator replays for a policy without an exact value.
const SIMULATED_JOBS: u64 = 20_000;

/// Runs every policy over `jobs` new jobs of the service `client` speaks,
/// at most `concurrency` at a time. Must be called inside a tokio runtime.
pub async fn validate_service(
    config: &Config,
    policies: &[PolicySpec],
    client: &Client,
    jobs: u64,
    concurrency: usize,
) -> Vec<ServiceComparison> {
    let mut runs = Vec::with_capacity(policies.len());
    for spec in policies {
        let (predicted_calls, predicted_delay, exact) = predict(config, spec);
        let submit = vec![Submit::Create(NewJob::default()); jobs as usize];
        let reports = client.poll_jobs(submit, spec, concurrency, |_| {}).await;
        runs.push(ServiceComparison {
            policy: spec.name().to_string(),
            predicted_calls,
            predicted_delay,
            exact,
            reports,
        });
    }
    runs
}

/// Calls per job and detection delay the workload predicts for `spec`:
/// exact for deterministic policies, else the simulator's mean.
fn predict(config: &Config, spec: &PolicySpec) -> (f64, f64, bool) {
    if let Some(exact) = evaluate(spec, &config.workload.distribution) {
        return (exact.calls, exact.delay, true);
    }
    let source = JobSource::new(config.workload.clone(), config.seed);
    let run = simulate(
        &source,
        std::slice::from_ref(spec),
        SIMULATED_JOBS,
        config.seed,
        RunOptions::default(),
    );
    let acc = &run.policies[0].accumulator;
    (acc.calls().mean(), acc.delay.mean(), false)
}
