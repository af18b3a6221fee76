//! One engine: against the ideal server (no latency, faults, limits, hints or
//! holds), with every job submitted at t = 0, the discrete-event simulator gives
//! every job of every bundled config exactly the single-job engine's calls and
//! detection time — the same floating-point numbers, not just close ones.

use super::support::{bundled_configs, load};
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate, simulate_contention};
use pollsim::workload::JobSource;

#[test]
fn the_des_with_an_ideal_server_replays_the_engine_job_by_job() {
    for file in bundled_configs() {
        let config = load(&file);
        let jobs = config.jobs.min(20_000);
        let source = JobSource::new(config.workload.clone(), config.seed);
        // Learning policies: the engine's clients poll their jobs one after
        // another, the DES's concurrently; with one client per job both are fresh.
        for clients in [config.clients, jobs] {
            let options = RunOptions {
                per_job: true,
                exact_percentiles: false,
                clients,
            };
            let engine = simulate(&source, &config.policies, jobs, config.seed, options);
            let setup = Contention {
                source: &source,
                arrivals: &Arrivals::Batch,
                server: &ServerModel::default(),
                jobs,
                seed: config.seed,
                options,
            };
            let des = simulate_contention(&setup, &config.policies);
            for ((spec, e), d) in config.policies.iter().zip(&engine.policies).zip(&des) {
                if spec.learns() && clients != jobs {
                    continue;
                }
                let (e_records, d_records) =
                    (e.records.as_ref().unwrap(), d.run.records.as_ref().unwrap());
                assert_eq!(d_records.len() as u64, jobs);
                assert!(
                    e_records == d_records,
                    "{}: {}: the DES departs from the engine at job {:?}",
                    file.display(),
                    spec.name(),
                    e_records.iter().zip(d_records).find(|(a, b)| a != b)
                );
                let (ea, da) = (&e.accumulator, &d.run.accumulator);
                assert_eq!(
                    (ea.completed, ea.errors, ea.given_up),
                    (da.completed, da.errors, da.given_up)
                );
                // Every check reached the server and was answered.
                let calls: u64 = d_records.iter().map(|r| u64::from(r.calls)).sum();
                assert_eq!(d.load.total(), calls);
                assert_eq!(d.load.stats().throttled + d.load.stats().failed, 0);
            }
        }
    }
}
