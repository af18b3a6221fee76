//! The prediction a validation run is held to: the discrete-event simulator's
//! run of the same plan against the same server, compared job by job with what
//! the wire measured.

use super::run::Measured;
use super::{Plan, client_count, failed_report};
use crate::compare::{JobComparison, LoadComparison, OverloadComparison, PolicyComparison};
use crate::config::Config;
use crate::policy::{JobOutcome, PolicySpec};
use crate::sim::des::OverloadStats;
use crate::sim::{Contention, LoadTimeline, RunOptions, ServerModel, simulate_contention};
use crate::workload::JobSource;

/// The simulator's run of the plan against `server`, compared with the wire's.
pub(super) fn compare(
    config: &Config,
    source: &JobSource,
    spec: &PolicySpec,
    plan: &Plan,
    server: &ServerModel,
    measured: Measured,
) -> PolicyComparison {
    let Measured {
        reports: measured,
        load,
        overload,
        ..
    } = measured;
    let predicted = predict(config, source, spec, plan, server);
    let rows = plan
        .jobs
        .iter()
        .zip(&predicted.0)
        .zip(measured.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|((job, predicted), measured)| {
            let lost;
            let measured = match measured {
                Some(m) => m,
                None => {
                    lost = failed_report(job, "the server stopped before the job was polled");
                    &lost
                }
            };
            JobComparison::new(job, predicted, measured)
        })
        .collect();
    PolicyComparison {
        policy: spec.name().to_string(),
        learns: spec.learns(),
        // A queue, like a rate limit, makes a check's answer depend on the
        // other clients' checks before it.
        order_dependent: server.rate_limit.is_some()
            || server.global_rate_limit.is_some()
            || server.capacity.is_some(),
        hints: server.eta_hints || server.retry_after_hints,
        jobs: rows,
        load: LoadComparison {
            predicted: predicted.1,
            measured: load,
            overload: server
                .capacity
                .as_ref()
                .zip(predicted.2)
                .map(|(capacity, predicted)| {
                    let mut measured = overload.unwrap_or_default();
                    // Recovery is judged while jobs are submitted, as predicted.
                    measured.last_submit = predicted.last_submit;
                    OverloadComparison {
                        predicted,
                        measured,
                        outages: capacity.outages.clone(),
                    }
                }),
        },
        rejected: (
            predicted.3,
            measured.iter().map(|r| r.rejected() as u64).sum(),
        ),
    }
}

/// The discrete-event simulator's outcome for every job of the plan, in job
/// order, its load and capacity figures, and its checks rejected locally.
fn predict(
    config: &Config,
    source: &JobSource,
    spec: &PolicySpec,
    plan: &Plan,
    server: &ServerModel,
) -> (Vec<JobOutcome>, LoadTimeline, Option<OverloadStats>, u64) {
    let setup = Contention {
        source,
        arrivals: &plan.arrivals,
        server,
        jobs: plan.jobs.len() as u64,
        seed: config.seed,
        options: RunOptions {
            per_job: true,
            exact_percentiles: false,
            clients: client_count(config, plan.jobs.len()),
        },
    };
    let run = simulate_contention(&setup, std::slice::from_ref(spec))
        .pop()
        .expect("one run per policy");
    let outcomes = run
        .run
        .records
        .unwrap_or_default()
        .iter()
        .map(|r| JobOutcome {
            calls: r.calls,
            seen_at: r.seen_at,
            last_pending: 0.0,
        })
        .collect();
    (outcomes, run.load, run.overload, run.rejected_locally)
}
