//! Same seed, same bytes: at any thread count, in any visiting order.

use super::support::{load, long_with_small_tuning, pollsim, repo};
use pollsim::metrics::Summary;
use pollsim::report::csv::summary_csv;
use pollsim::sim::{RunOptions, simulate};
use pollsim::workload::JobSource;

fn summaries_with(threads: usize, file: &str, jobs: u64) -> Vec<u8> {
    let config = load(&repo().join(file));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let options = RunOptions {
        clients: config.clients,
        ..RunOptions::default()
    };
    let run = pool.install(|| simulate(&source, &config.policies, jobs, config.seed, options));
    let rows: Vec<Summary> = config
        .policies
        .iter()
        .zip(&run.policies)
        .map(|(s, r)| Summary::new(s.name(), s.kind(), &r.accumulator, &config.scoring, None))
        .collect();
    summary_csv(&rows)
}

#[test]
fn thread_count_does_not_change_a_bit() {
    for file in ["configs/long.toml", "configs/mixed.toml"] {
        let one = summaries_with(1, file, 150_000);
        assert_eq!(one, summaries_with(2, file, 150_000), "{file}");
        assert_eq!(one, summaries_with(3, file, 150_000), "{file}");
    }
}

#[test]
fn a_different_seed_gives_different_results() {
    let config = load(&repo().join("configs/short.toml"));
    let run = |seed| {
        let source = JobSource::new(config.workload.clone(), seed);
        simulate(
            &source,
            &config.policies[..1],
            1000,
            seed,
            RunOptions::default(),
        )
        .policies[0]
            .accumulator
            .delay
            .mean()
    };
    assert_ne!(run(1), run(2));
    assert_eq!(run(1), run(1));
}

#[test]
fn cli_outputs_are_byte_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let config = long_with_small_tuning(dir.path());
    let mut outputs = Vec::new();
    for threads in [1, 2] {
        let out = dir.path().join(format!("t{threads}"));
        let (code, _, err) = pollsim(
            &[
                "simulate",
                "--config",
                config.to_str().unwrap(),
                "--jobs",
                "70000",
                "--per-job",
                "--out",
                out.to_str().unwrap(),
            ],
            Some(threads),
        );
        assert_eq!(code, 0, "{err}");
        let summary = std::fs::read(out.join("summary.csv")).unwrap();
        let jobs = std::fs::read(out.join("jobs.csv")).unwrap();
        // long.toml is tuned too: the tuning plots and section must not vary either.
        let files = [
            "report.md",
            "delay_cdf.png",
            "calls.png",
            "schedule.png",
            "tradeoff.png",
            "heatmap.png",
        ];
        let pictures: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        outputs.push((summary, jobs, pictures));
    }
    assert_eq!(outputs[0].0, outputs[1].0, "summary.csv differs");
    assert_eq!(outputs[0].1, outputs[1].1, "jobs.csv differs");
    assert!(outputs[0].2 == outputs[1].2, "report.md or a plot differs");
    // 70,000 jobs × 10 policies plus a header.
    let lines = outputs[0].1.iter().filter(|b| **b == b'\n').count();
    assert_eq!(lines, 70_000 * 10 + 1);
}

/// The discrete-event simulator with capacity keys and every protection
/// (overload.toml: a queue, an outage, a retry budget, a circuit breaker):
/// its policies run on different threads, each client's guards in its own
/// order, and still give the same bytes at one thread as at two.
#[test]
fn an_overload_run_is_byte_identical_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let config = repo().join("configs/overload.toml");
    let mut outputs = Vec::new();
    for threads in [1, 2] {
        let out = dir.path().join(format!("t{threads}"));
        let args = [
            "simulate",
            "--config",
            config.to_str().unwrap(),
            "--jobs",
            "2000",
            "--out",
            out.to_str().unwrap(),
        ];
        let (code, _, err) = pollsim(&args, Some(threads));
        assert_eq!(code, 0, "{err}");
        let files = ["summary.csv", "load.csv", "report.md", "overload.png"];
        let bytes: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        outputs.push(bytes);
    }
    assert!(
        outputs[0] == outputs[1],
        "an output differs between 1 and 2 threads"
    );
}
