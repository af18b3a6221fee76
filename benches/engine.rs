//! BENCH-1: the engine on 1,000,000 jobs × 4 policies (configs/bench.toml),
//! reported as job-simulations per second. Run with `cargo bench -p pollsim-bench --bench engine`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pollsim::config::Config;
use pollsim::metrics::Summary;
use pollsim::sim::{RunOptions, evaluate, simulate};
use pollsim::workload::JobSource;
use std::hint::black_box;

fn bench_1(c: &mut Criterion) {
    let config = Config::load(&pollsim_bench::config_path("bench.toml")).unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let mut group = c.benchmark_group("bench-1");
    group.sample_size(10);
    group.throughput(Throughput::Elements(
        config.jobs * config.policies.len() as u64,
    ));
    group.bench_function("simulate+summarize 1M jobs x 4 policies", |b| {
        b.iter(|| {
            let run = simulate(
                &source,
                &config.policies,
                config.jobs,
                config.seed,
                RunOptions::default(),
            );
            let rows: Vec<Summary> = config
                .policies
                .iter()
                .zip(&run.policies)
                .map(|(s, r)| {
                    let exact = evaluate(s, &config.workload.distribution);
                    Summary::new(s.name(), s.kind(), &r.accumulator, &config.scoring, exact)
                })
                .collect();
            black_box(rows)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_1);
criterion_main!(benches);
