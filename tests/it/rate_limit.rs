//! A rate-limited server: a global token bucket below the load the clients
//! offer. A client that honors `Retry-After` backs off when refused; one that
//! ignores it keeps knocking and is refused more. Honoring must cost fewer calls
//! and lose no more jobs (a job is lost when its client's timeout passes before
//! a check sees it done).

use super::support::policy;
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate_contention};
use pollsim::workload::{Distribution, JobSource, Uniform, Workload};

#[test]
fn honoring_retry_after_costs_fewer_calls_and_loses_no_more_jobs() {
    let dist = Distribution::Uniform(Uniform::new(30.0, 10.0).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.0, None).unwrap(), 9);
    // 20 jobs/s living 30 s on average: ~600 jobs in flight polling every 0.5 s
    // offer ~1,200 checks per second to a server that admits 300.
    let server = ServerModel {
        global_rate_limit: Some(300.0),
        ..ServerModel::default()
    };
    let policies = [
        policy("name = 'honors'\nkind = 'constant'\ninterval = 0.5\ntimeout = 60.0"),
        policy(
            "name = 'ignores'\nkind = 'constant'\ninterval = 0.5\ntimeout = 60.0\nhonor_retry_after = false",
        ),
    ];
    let jobs = 3_000;
    let setup = Contention {
        source: &source,
        arrivals: &Arrivals::poisson(20.0, None).unwrap(),
        server: &server,
        jobs,
        seed: 9,
        options: RunOptions {
            clients: 300,
            ..RunOptions::default()
        },
    };
    let runs = simulate_contention(&setup, &policies);
    let figures: Vec<(u64, u64, u64, f64)> = runs
        .iter()
        .map(|r| {
            let a = &r.run.accumulator;
            let load = r.load.stats();
            assert_eq!(a.jobs, jobs);
            // Every request is counted once, by outcome.
            assert_eq!(r.load.total(), a.calls().sum() as u64);
            assert!(load.throttled > 0, "the limit must bind");
            (
                a.calls().sum() as u64,
                a.given_up,
                load.throttled,
                load.peak_rps,
            )
        })
        .collect();
    eprintln!(
        "(calls, lost, throttled, peak rps): honors {:?}, ignores {:?}",
        figures[0], figures[1]
    );
    let (honors, ignores) = (figures[0], figures[1]);
    assert!(honors.0 < ignores.0, "calls: {} vs {}", honors.0, ignores.0);
    assert!(
        honors.1 <= ignores.1,
        "lost jobs: {} vs {}",
        honors.1,
        ignores.1
    );
    assert!(
        honors.2 < ignores.2,
        "throttled: {} vs {}",
        honors.2,
        ignores.2
    );
}
