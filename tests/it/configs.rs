//! Every bundled config loads, runs, and its deterministic policies' Monte Carlo
//! means land within 4 standard errors of their exact values.

use super::support::{bundled_configs, load};
use pollsim::sim::{RunOptions, evaluate, simulate};
use pollsim::workload::JobSource;

#[test]
fn every_bundled_config_runs_and_agrees_with_exact_values() {
    for file in bundled_configs() {
        let config = load(&file);
        let jobs = config.jobs.min(100_000);
        let source = JobSource::new(config.workload.clone(), config.seed);
        let options = RunOptions {
            clients: config.clients,
            ..RunOptions::default()
        };
        let run = simulate(&source, &config.policies, jobs, config.seed, options);
        for (spec, result) in config.policies.iter().zip(&run.policies) {
            let acc = &result.accumulator;
            assert_eq!(acc.jobs, jobs);
            assert_eq!(acc.completed + acc.errors + acc.given_up, jobs);
            let Some(exact) = evaluate(spec, &config.workload.distribution) else {
                assert!(
                    !spec.is_deterministic(),
                    "{}: deterministic but no exact value",
                    spec.name()
                );
                continue;
            };
            let calls = acc.calls();
            let within = |mc: f64, se: f64, exact: f64| (mc - exact).abs() <= 4.0 * se + 1e-9;
            assert!(
                within(calls.mean(), calls.std_error(), exact.calls),
                "{}: {}: calls {} ± {} vs exact {}",
                file.display(),
                spec.name(),
                calls.mean(),
                calls.std_error(),
                exact.calls
            );
            assert!(
                within(acc.delay.mean(), acc.delay.std_error(), exact.delay),
                "{}: {}: delay {} ± {} vs exact {}",
                file.display(),
                spec.name(),
                acc.delay.mean(),
                acc.delay.std_error(),
                exact.delay
            );
        }
    }
}

#[test]
fn the_bench_config_is_bench_1() {
    let config = load(&super::support::repo().join("configs/bench.toml"));
    assert_eq!(config.jobs, 1_000_000);
    assert_eq!(config.policies.len(), 4);
    let exp = &config.policies[1];
    let times = exp.check_times(200.0, 100).unwrap().times;
    assert_eq!(
        times,
        [1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 123.0, 183.0, 243.0]
    );
    let fib = &config.policies[3];
    let times = fib.check_times(60.0, 100).unwrap().times;
    let intervals: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).take(8).collect();
    assert_eq!(intervals, [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 16.0, 16.0]);
}
