//! The many-clients simulator end to end: event order, event accounting, the
//! bundled contention configs through the command line, and bad settings.

use super::support::{load, policy, pollsim, repo};
use pollsim::sim::{Arrivals, Contention, RunOptions, ServerModel, simulate_contention};
use pollsim::workload::{Distribution, Fixed, JobSource, Workload};

#[test]
fn simultaneous_checks_reach_the_server_in_insertion_order() {
    // Two jobs submitted at t = 0 check at exactly t = 1 against a server with
    // one token. Job 0's check was scheduled first, so it takes the token; job
    // 1's is refused with Retry-After: 1 and succeeds at t = 2.
    let dist = Distribution::Fixed(Fixed::new(0.5).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.0, None).unwrap(), 1);
    let server = ServerModel {
        global_rate_limit: Some(1.0),
        ..ServerModel::default()
    };
    let setup = Contention {
        source: &source,
        arrivals: &Arrivals::Batch,
        server: &server,
        jobs: 2,
        seed: 1,
        options: RunOptions {
            per_job: true,
            clients: 2,
            ..RunOptions::default()
        },
    };
    let runs = simulate_contention(
        &setup,
        &[policy("name = 'c'\nkind = 'constant'\ninterval = 1.0")],
    );
    let records = runs[0].run.records.as_ref().unwrap();
    let seen: Vec<(u64, u32, Option<f64>)> = records
        .iter()
        .map(|r| (r.job, r.calls, r.seen_at))
        .collect();
    assert_eq!(seen, [(0, 1, Some(1.0)), (1, 2, Some(2.0))]);
    // 2 submissions + 3 checks.
    assert_eq!(runs[0].events, 5);
    assert_eq!(runs[0].load.stats().throttled, 1);
}

/// Requests per second, by outcome, for the seconds that had any.
type Busy = Vec<(usize, [u64; 3])>;

/// One job of `duration` s submitted at t = 0, polled by `spec` against
/// `server`: (calls, seen_at) and the server's load per second.
fn one_job(duration: f64, server: &ServerModel, spec: &str) -> ((u32, Option<f64>), Busy) {
    let dist = Distribution::Fixed(Fixed::new(duration).unwrap());
    let source = JobSource::new(Workload::new(dist, 0.0, None).unwrap(), 1);
    let setup = Contention {
        source: &source,
        arrivals: &Arrivals::Batch,
        server,
        jobs: 1,
        seed: 1,
        options: RunOptions {
            per_job: true,
            ..RunOptions::default()
        },
    };
    let runs = simulate_contention(&setup, &[policy(spec)]);
    let record = &runs[0].run.records.as_ref().unwrap()[0];
    let busy = runs[0]
        .load
        .seconds()
        .filter(|(_, c)| c != &[0; 3])
        .collect();
    ((record.calls, record.seen_at), busy)
}

#[test]
fn latency_delays_each_check_but_not_the_schedule() {
    // The HTTP client's timing: checks are sent at 5, 10, 15 s (each 5 s after
    // the previous was sent, its answer long back), reach the server 1 s later,
    // at 6, 11, 16; the job, done at 12 s, is seen at 16 s with 3 calls.
    // (Timing from the previous arrival would check at 6, 12 and see it at 12.)
    let server = ServerModel {
        latency_ms: Some((1000.0, 1000.0)),
        ..ServerModel::default()
    };
    let (seen, busy) = one_job(
        12.0,
        &server,
        "name = 'c'\nkind = 'constant'\ninterval = 5.0",
    );
    assert_eq!(seen, (3, Some(16.0)));
    assert_eq!(busy, [(6, [1, 0, 0]), (11, [1, 0, 0]), (16, [1, 0, 0])]);
}

#[test]
fn a_retry_after_delays_the_next_check_from_when_the_answer_came() {
    // One token per second per client, a full bucket at t = 0; checks take
    // 0.25 s to arrive; the job is done at 3 s. Send s, arrival a = s + 0.25,
    // tokens at a, and the next send max(s + wait, a + Retry-After):
    //   s = 0.5   a = 0.75  1 token: 200 pending   next max(1.0, 0.75) = 1.0
    //   s = 1.0   a = 1.25  0.5: 429, after 1      wait max(0.5, 1) = 1:
    //                                              next max(2.0, 2.25) = 2.25
    //   s = 2.25  a = 2.5   1 (capped): pending    next max(2.75, 2.5) = 2.75
    //   s = 2.75  a = 3.0   0.5: 429, after 1      next max(3.75, 4.0) = 4.0
    //   s = 4.0   a = 4.25  1: 200, done           seen at 4.25, 5 calls.
    // (Timing from the previous arrival would send at 0.5, 1.25, 2.5, 3.25, 4.5
    // and see the job at 4.75.)
    let server = ServerModel {
        latency_ms: Some((250.0, 250.0)),
        rate_limit: Some(1.0),
        ..ServerModel::default()
    };
    let spec = "name = 'c'\nkind = 'constant'\ninterval = 0.5";
    let (seen, busy) = one_job(3.0, &server, spec);
    assert_eq!(seen, (5, Some(4.25)));
    assert_eq!(
        busy,
        [
            (0, [1, 0, 0]),
            (1, [0, 0, 1]),
            (2, [1, 0, 0]),
            (3, [0, 0, 1]),
            (4, [1, 0, 0])
        ]
    );
    // Ignoring Retry-After, the client goes again 0.5 s after sending:
    //   s = 0.5 a = 0.75 200; s = 1.0 a = 1.25 429 (0.5 token); s = 1.5 a = 1.75
    //   (1 token) 200; s = 2.0 a = 2.25 429 (0.5); s = 2.5 a = 2.75 (1) 200;
    //   s = 3.0 a = 3.25 429 (0.5); s = 3.5 a = 3.75 (1) 200, done: 7 calls.
    let (seen, busy) = one_job(3.0, &server, &format!("{spec}\nhonor_retry_after = false"));
    assert_eq!(seen, (7, Some(3.75)));
    assert_eq!(
        busy,
        [
            (0, [1, 0, 0]),
            (1, [1, 0, 1]),
            (2, [1, 0, 1]),
            (3, [1, 0, 1])
        ]
    );
}

#[test]
fn a_long_runs_event_count_is_the_sum_of_its_parts() {
    let config = load(&repo().join("configs/faults.toml"));
    let contention = config.contention.as_ref().unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let setup = Contention {
        source: &source,
        arrivals: &contention.arrivals,
        server: &contention.server,
        jobs: config.jobs,
        seed: config.seed,
        options: RunOptions {
            clients: config.clients,
            ..RunOptions::default()
        },
    };
    let runs = simulate_contention(&setup, &config.policies);
    for (spec, run) in config.policies.iter().zip(&runs) {
        let acc = &run.run.accumulator;
        assert_eq!(acc.jobs, config.jobs);
        let calls = acc.calls().sum() as u64;
        // Every event is a submission, a check reaching the server, or a held
        // check's release; every check is counted once in the load timeline.
        assert_eq!(run.events, acc.jobs + calls + run.holds, "{}", spec.name());
        assert_eq!(run.load.total(), calls, "{}", spec.name());
        assert_eq!(run.holds > 0, spec.kind() == "long_poll", "{}", spec.name());
        let stats = run.load.stats();
        // 5% of checks fail: within 5 binomial standard errors.
        let sd = (calls as f64 * 0.05 * 0.95).sqrt();
        assert!(
            (stats.failed as f64 - 0.05 * calls as f64).abs() < 5.0 * sd,
            "{}: {} of {calls} failed",
            spec.name(),
            stats.failed
        );
        assert!(stats.peak_rps >= stats.p99_rps && stats.p99_rps > 0.0);
    }
    // The parts add up: each policy run alone processes the events it did in the
    // combined run (policies share nothing), so the totals agree.
    let alone: u64 = config
        .policies
        .iter()
        .map(|spec| simulate_contention(&setup, std::slice::from_ref(spec))[0].events)
        .sum();
    assert_eq!(alone, runs.iter().map(|r| r.events).sum::<u64>());
}

#[test]
fn bundled_contention_configs_give_the_same_bytes_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["contention", "faults"] {
        let mut outputs = Vec::new();
        for threads in [1, 2] {
            let out = dir.path().join(format!("{name}-{threads}"));
            let (code, stdout, err) = pollsim(
                &[
                    "simulate",
                    "--config",
                    &format!("configs/{name}.toml"),
                    "--per-job",
                    "--out",
                    out.to_str().unwrap(),
                ],
                Some(threads),
            );
            assert_eq!(code, 0, "{err}");
            assert!(stdout.contains("against one server"), "{stdout}");
            assert!(stdout.contains("peak req/s"), "{stdout}");
            let read = |f: &str| std::fs::read(out.join(f)).unwrap();
            outputs.push([
                read("summary.csv"),
                read("load.csv"),
                read("jobs.csv"),
                read("load.png"),
            ]);
            let report = String::from_utf8(read("report.md")).unwrap();
            assert!(report.contains("load.png"), "{report}");
        }
        assert!(
            outputs[0] == outputs[1],
            "{name}: outputs differ between 1 and 2 threads"
        );
        let summary = String::from_utf8(outputs[0][0].clone()).unwrap();
        let mut lines = summary.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("policy,kind,jobs,completed"), "{header}");
        assert!(
            header.ends_with("peak_rps,p99_rps,throttled_calls,failed_calls"),
            "{header}"
        );
        // load.csv's totals per policy are the summary's calls.
        let load = String::from_utf8(outputs[0][1].clone()).unwrap();
        for row in lines {
            let cells: Vec<&str> = row.split(',').collect();
            let (policy, jobs, calls_mean) = (cells[0], cells[2], cells[6]);
            let calls: f64 = calls_mean.parse::<f64>().unwrap() * jobs.parse::<f64>().unwrap();
            let total: u64 = load
                .lines()
                .skip(1)
                .filter(|l| l.starts_with(&format!("{policy},")))
                .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
                .sum();
            assert!(
                (total as f64 - calls).abs() < 1e-6 * calls,
                "{policy}: {total} vs {calls}"
            );
            let peak: f64 = cells[cells.len() - 4].parse().unwrap();
            assert!(peak > 0.0, "{row}");
        }
    }
}

#[test]
fn a_trace_submits_its_own_jobs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trace.csv"),
        "# submissions\nsubmitted_s\n0.5\n3.0\n1.25\n",
    )
    .unwrap();
    let text = r#"
seed = 2
[workload.distribution]
kind = "fixed"
value = 10.0
[arrivals]
kind = "trace"
file = "trace.csv"
[[policies]]
name = "c"
kind = "constant"
interval = 4.0
"#;
    let path = dir.path().join("trace.toml");
    std::fs::write(&path, text).unwrap();
    let config = load(&path);
    assert_eq!(config.jobs, 3);
    let contention = config.contention.as_ref().unwrap();
    assert!(contention.server.is_ideal());
    let source = JobSource::new(config.workload.clone(), config.seed);
    let setup = Contention {
        source: &source,
        arrivals: &contention.arrivals,
        server: &contention.server,
        jobs: config.jobs,
        seed: config.seed,
        options: RunOptions::default(),
    };
    let run = &simulate_contention(&setup, &config.policies)[0];
    // Checks at 4, 8, 12 s after each submission (0.5, 1.25, 3.0): 3 calls each,
    // in seconds 4, 5, 7 / 8, 9, 11 / 12, 13, 15.
    assert_eq!(run.run.accumulator.calls().sum(), 9.0);
    let busy: Vec<usize> = run
        .load
        .seconds()
        .filter(|(_, c)| c[0] > 0)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(busy, [4, 5, 7, 8, 9, 11, 12, 13, 15]);
}

#[test]
fn bad_server_and_arrivals_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = "seed = 1\njobs = 10\n[workload.distribution]\nkind = \"fixed\"\nvalue = 5.0\n[[policies]]\nname = \"c\"\nkind = \"constant\"\ninterval = 1.0\n";
    let cases: &[(&str, &[&str])] = &[
        // The field's own line: [server] is line 10, fail_rate line 11.
        (
            "[server]\nfail_rate = 1.5\n",
            &["line 11", "server.fail_rate", "1.5"],
        ),
        (
            "[server]\nlatency_ms = [5.0]\n",
            &["server.latency_ms", "[min, max]"],
        ),
        (
            "[server]\nlatency_ms = [50.0, 10.0]\n",
            &["server.latency_ms"],
        ),
        ("[server]\nrate_limit = 0.0\n", &["server.rate_limit"]),
        (
            "[server]\neta_noise = 0.2\n",
            &["server.eta_noise", "eta_hints"],
        ),
        ("[server]\nmax_wait = 5.0\n", &["max_wait"]),
        (
            "[arrivals]\nkind = \"burst\"\n",
            &["arrivals.kind", "poisson"],
        ),
        (
            "[arrivals]\nkind = \"poisson\"\n",
            &["arrivals.rate", "missing"],
        ),
        (
            "[arrivals]\nkind = \"poisson\"\nrate = -2.0\n",
            &["arrivals.rate", "-2"],
        ),
        (
            "[arrivals]\nkind = \"batch\"\nrate = 2.0\n",
            &["arrivals.rate", "not a parameter of batch"],
        ),
        (
            "[arrivals]\nkind = \"trace\"\nfile = \"nope.csv\"\n",
            &["arrivals.file", "nope.csv"],
        ),
    ];
    for (i, (extra, needles)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, format!("{base}{extra}")).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let (code, _, err) = pollsim(
            &[
                "simulate",
                "--config",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(code, 2, "{extra}: {err}");
        for needle in *needles {
            assert!(err.contains(needle), "{extra}: '{needle}' not in {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists());
    }
}
