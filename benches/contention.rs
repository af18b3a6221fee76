//! BENCH-3: the discrete-event simulator at scale — 10,000 clients × 100 jobs
//! each (1,000,000 jobs) against a rate-limited server, reported as events per
//! second. Two policies run side by side (one per core, as `simulate` runs
//! them). Run with `cargo bench -p pollsim-bench --bench contention`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pollsim::policy::PolicySpec;
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate_contention};
use pollsim::workload::{Distribution, JobSource, Uniform, Workload};
use std::hint::black_box;

const CLIENTS: u64 = 10_000;
const JOBS: u64 = CLIENTS * 100;

fn bench_3(c: &mut Criterion) {
    let dist = Distribution::Uniform(Uniform::new(30.0, 10.0).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.0, None).unwrap(), 1);
    // 2,000 submissions per second for 500 s, ~60,000 jobs in flight offering
    // ~15,000 checks per second to a server that admits 10,000 (and 2 per client).
    let arrivals = Arrivals::poisson(2_000.0, None).unwrap();
    let server = ServerModel {
        latency_ms: Some((5.0, 50.0)),
        rate_limit: Some(2.0),
        global_rate_limit: Some(10_000.0),
        ..ServerModel::default()
    };
    let policies = [
        PolicySpec::from_toml(
            "name = 'exp-full'\nkind = 'exponential'\ninitial = 2.0\nfactor = 2.0\ncap = 8.0\njitter = 'full'",
        )
        .unwrap(),
        PolicySpec::from_toml("name = 'constant'\nkind = 'constant'\ninterval = 4.0").unwrap(),
    ];
    let setup = Contention {
        source: &source,
        arrivals: &arrivals,
        server: &server,
        jobs: JOBS,
        seed: 1,
        options: RunOptions {
            clients: CLIENTS,
            ..RunOptions::default()
        },
    };
    let started = std::time::Instant::now();
    let runs = simulate_contention(&setup, &policies);
    let seconds = started.elapsed().as_secs_f64();
    let events: u64 = runs.iter().map(|r| r.events).sum();
    for (spec, run) in policies.iter().zip(&runs) {
        let stats = run.load.stats();
        eprintln!(
            "{}: {} events, {:.2} calls/job, peak {} req/s, {} throttled",
            spec.name(),
            run.events,
            run.run.accumulator.calls().mean(),
            stats.peak_rps,
            stats.throttled
        );
    }
    eprintln!(
        "warm-up: {events} events in {seconds:.3} s on {} threads = {:.2} M events/s",
        rayon::current_num_threads(),
        events as f64 / seconds / 1e6
    );
    let mut group = c.benchmark_group("bench-3");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function(
        "10k clients x 100 jobs, rate-limited server, 2 policies",
        |b| b.iter(|| black_box(simulate_contention(&setup, &policies))),
    );
    group.finish();
}

criterion_group!(benches, bench_3);
criterion_main!(benches);
