//! BENCH-2 (a 10,000-point deterministic exponential sweep over 10,000 sampled
//! jobs: 10^8 job-simulations) and the optimal schedule's DP on 10^5 grid points.
//! Run with `cargo bench -p pollsim-bench --bench optimizer`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pollsim::config::Config;
use pollsim::metrics::Scoring;
use pollsim::optimize::{Evaluator, optimal_schedule, sweep};
use pollsim::workload::{Distribution, JobSource, LogNormal, Uniform};
use std::hint::black_box;

fn bench_2(c: &mut Criterion) {
    let config = Config::load(&pollsim_bench::config_path("bench2.toml")).unwrap();
    let settings = config.tune.clone().unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let evaluator = Evaluator::new(
        source,
        10_000,
        config.seed,
        1,
        config.scoring.clone(),
        &settings,
    );
    let mut group = c.benchmark_group("bench-2");
    group.sample_size(20);
    group.throughput(Throughput::Elements(10_000 * 10_000));
    group.bench_function("sweep 10k schedules x 10k jobs", |b| {
        b.iter(|| black_box(tune_rows(&settings, &evaluator)))
    });
    group.finish();
}

fn tune_rows(settings: &pollsim::optimize::TuneSettings, evaluator: &Evaluator) -> usize {
    sweep(settings, evaluator, &|_| {}).len()
}

fn optimal(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimal-schedule");
    group.sample_size(10);
    let uniform = Distribution::Uniform(Uniform::between(180.0, 420.0).unwrap());
    let lognormal = Distribution::LogNormal(LogNormal::new(600.0, 0.5).unwrap());
    for (name, dist) in [("uniform", uniform), ("lognormal", lognormal)] {
        group.bench_function(format!("{name}, 1e5 grid points"), |b| {
            b.iter(|| black_box(optimal_schedule(&dist, &Scoring::default(), 100_000).cost))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_2, optimal);
criterion_main!(benches);
