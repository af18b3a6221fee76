//! The optimizer: the optimal schedule against its closed form, the bound it sets,
//! grid validation, evaluation methods, and reproducibility.

use super::support::{load, pollsim, repo};
use pollsim::metrics::Scoring;
use pollsim::optimize::{Evaluator, TuneSettings, optimal_schedule, tune};
use pollsim::workload::{Distribution, JobSource, Uniform};

/// For D uniform on [a, b], checking costs c and waiting costs w per second.
/// With intervals x_k inside [a, b] the cost is c·Σ S(t_{k−1}) + w·Σ x_k²/(2(b−a)),
/// and the Lagrange conditions give x_k − x_{k+1} = c / w: the intervals shrink by
/// exactly c/w. They sum to b − a with the last check at b, so
/// x_1 = (b − a)/n + (c/w)(n − 1)/2, and x_n > 0 needs n(n − 1) < 2w(b − a)/c.
fn closed_form(a: f64, b: f64, c: f64, w: f64) -> Vec<f64> {
    let r = c / w;
    let n = (1..)
        .take_while(|&n: &usize| (n * (n - 1)) as f64 * r < 2.0 * (b - a))
        .last()
        .unwrap();
    let x1 = (b - a) / n as f64 + r * (n - 1) as f64 / 2.0;
    let mut t = a;
    (0..n)
        .map(|k| {
            t += x1 - k as f64 * r;
            t
        })
        .collect()
}

#[test]
fn optimal_schedule_on_uniform_matches_the_closed_form() {
    for (a, b, c, w) in [
        (180.0, 420.0, 1.0, 0.1),
        (5.0, 15.0, 1.0, 1.0),
        (0.0, 100.0, 2.0, 0.05),
        (30.0, 31.0, 1.0, 50.0),
    ] {
        let dist = Distribution::Uniform(Uniform::between(a, b).unwrap());
        let scoring = Scoring {
            call_price: c,
            delay_price: w,
            ..Scoring::default()
        };
        let got = optimal_schedule(&dist, &scoring, 100_000);
        let want = closed_form(a, b, c, w);
        assert_eq!(
            got.times.len(),
            want.len(),
            "[{a}, {b}] c={c} w={w}: {:?} vs {want:?}",
            got.times
        );
        for (g, e) in got.times.iter().zip(&want) {
            assert!(
                (g - e).abs() < 1e-4 * (b - a),
                "[{a}, {b}]: {:?} vs {want:?}",
                got.times
            );
        }
        assert_eq!(*got.times.last().unwrap(), b);
        // Polishing never loses, and the grid optimum is already close.
        assert!(got.cost <= got.grid_cost + 1e-12);
        assert!(got.grid_cost - got.cost < 1e-3 * got.cost);
    }
    // The uniform [180, 420] case by hand: 7 checks, the first at 180 + 240/7 + 30.
    let dist = Distribution::Uniform(Uniform::between(180.0, 420.0).unwrap());
    let got = optimal_schedule(&dist, &Scoring::default(), 100_000);
    assert_eq!(got.times.len(), 7);
    assert!((got.times[0] - (180.0 + 240.0 / 7.0 + 30.0)).abs() < 1e-3);
}

#[test]
fn no_uninformed_family_beats_the_optimal_schedule() {
    let config = load(&repo().join("configs/long.toml"));
    let mut settings = config.tune.clone().unwrap();
    settings.jobs = Some(5000);
    let source = JobSource::new(config.workload.clone(), config.seed);
    let evaluator = Evaluator::new(
        source,
        5000,
        config.seed,
        config.clients,
        config.scoring.clone(),
        &settings,
    );
    let result = tune(&settings, &evaluator, &|_| {});
    assert_eq!(
        result.best.len(),
        settings.grids.len(),
        "every family has a feasible best point"
    );
    for best in &result.best {
        // Per-job hints are information a "pending" answer does not carry: those
        // policies may beat the bound, which is for policies that learn nothing else.
        if best.spec.needs_hint() {
            continue;
        }
        let slack = 4.0 * best.point.cost_se + 1e-9;
        assert!(
            best.point.cost >= result.optimal.cost - slack,
            "{} costs {} ± {}, below the optimum {}",
            best.spec.name(),
            best.point.cost,
            best.point.cost_se,
            result.optimal.cost
        );
    }
    // Refinement never makes a family worse than its best grid point.
    assert!(result.best.iter().all(|b| b.objective <= b.grid_objective));
}

#[test]
fn sampled_exact_evaluation_equals_simulating_the_same_jobs() {
    let text = std::fs::read_to_string(repo().join("configs/bench2.toml")).unwrap();
    let config =
        pollsim::config::Config::from_text(&repo().join("configs/bench2.toml"), &text).unwrap();
    let settings = config.tune.clone().unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let evaluator = Evaluator::new(
        source.clone(),
        10_000,
        config.seed,
        1,
        config.scoring.clone(),
        &settings,
    );
    let grid = &settings.grids[0];
    for index in [0, 777, 5_432, 9_999] {
        let spec = grid.spec_at(&grid.indices(index)).unwrap();
        let exact = evaluator.evaluate(&spec);
        assert_eq!(exact.method, "sampled-exact");
        let run = pollsim::sim::simulate(
            &source,
            std::slice::from_ref(&spec),
            10_000,
            config.seed,
            Default::default(),
        );
        let acc = &run.policies[0].accumulator;
        assert!((exact.calls - acc.calls().mean()).abs() < 1e-9, "{index}");
        assert!((exact.delay - acc.delay.mean()).abs() < 1e-9, "{index}");
    }
}

#[test]
fn bench_2_winner_is_the_argmin_with_ties_to_the_lowest_index() {
    let config = load(&repo().join("configs/bench2.toml"));
    let settings = config.tune.clone().unwrap();
    assert_eq!(settings.grids[0].points(), 10_000);
    let names: Vec<&str> = settings.grids[0]
        .axes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["initial", "factor", "cap"],
        "initial varies slowest, cap fastest"
    );
    let source = JobSource::new(config.workload.clone(), config.seed);
    let evaluator = Evaluator::new(
        source,
        10_000,
        config.seed,
        1,
        config.scoring.clone(),
        &settings,
    );
    let result = tune(&settings, &evaluator, &|_| {});
    let mut best = 0;
    for (i, row) in result.rows.iter().enumerate() {
        if row.objective < result.rows[best].objective {
            best = i;
        }
    }
    assert_eq!(result.best[0].row, best);
    // Cost = 1.0·calls + 0.1·delay.
    let p = result.best[0].point;
    assert!((p.cost - (p.calls + 0.1 * p.delay)).abs() < 1e-9);
}

fn tune_config(extra: &str) -> String {
    format!(
        "jobs = 500\n[workload.distribution]\nkind = \"uniform\"\nbase = 30.0\nspread = 10.0\n[[policies]]\nname = \"c\"\nkind = \"constant\"\ninterval = 5.0\n[tune]\n{extra}"
    )
}

#[test]
fn bad_grids_are_named() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[tune.constant]\ninterval = []",
            &["tune.constant.interval", "empty"],
        ),
        (
            "[tune.constant]\ninterval = { linear = [1.0, 9.0, 0] }",
            &["tune.constant.interval", "count 0"],
        ),
        (
            "[tune.constant]\ninterval = { geometric = [1.0, 1.0, 5] }",
            &["tune.constant.interval", "empty"],
        ),
        (
            "[tune.exponential]\ninitial = { linear = [1.0, 9.0, 1000] }\nfactor = { linear = [1.1, 3.0, 1000] }\ncap = { linear = [10.0, 90.0, 11] }",
            &["tune.exponential", "11000000 grid points"],
        ),
        (
            // Each grid is under the cap, together they are not: every row
            // stays in memory until the sweep ends.
            "[tune.constant]\ninterval = { linear = [1.0, 9.0, 6000000] }\n[tune.fibonacci]\nunit = { linear = [1.0, 9.0, 1000] }\ncap = { linear = [10.0, 90.0, 5000] }",
            &[
                "tune: 11000000 grid points in all",
                "at most 10000000 together",
            ],
        ),
        (
            "[tune.constant]\nfactor = [1.0, 2.0]",
            &["tune.constant.factor", "not a parameter of constant"],
        ),
        (
            "[tune.linear]\ninterval = [1.0]",
            &["tune.linear.kind", "linear"],
        ),
        (
            "objective = \"speed\"\n[tune.constant]\ninterval = [1.0]",
            &["tune.objective", "speed"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (extra, needles) in cases {
        let path = dir.path().join("t.toml");
        std::fs::write(&path, tune_config(extra)).unwrap();
        let (code, _, stderr) = pollsim(
            &["tune", "--config", path.to_str().unwrap(), "--no-write"],
            None,
        );
        assert_eq!(code, 2, "{extra}: {stderr}");
        for n in *needles {
            assert!(stderr.contains(n), "{extra}: '{n}' not in {stderr}");
        }
    }
}

#[test]
fn tune_outputs_are_byte_identical_at_one_and_two_threads_and_tuned_toml_loads() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("t.toml");
    let grids = "jobs = 2000\n[tune.constant]\ninterval = { geometric = [1.0, 30.0, 12] }\n[tune.exponential]\ninitial = [0.5, 1.0, 2.0]\nfactor = [1.5, 2.0]\ncap = [5.0, 10.0]\njitter = [\"none\", \"full\"]\n[tune.calibrated]\nmin = [1.0, 2.0]\nwindow = [2, 5]";
    std::fs::write(&config, tune_config(grids)).unwrap();
    let mut outputs = Vec::new();
    for threads in [1, 2] {
        let out = dir.path().join(format!("out{threads}"));
        let (code, _, err) = pollsim(
            &[
                "tune",
                "--config",
                config.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            Some(threads),
        );
        assert_eq!(code, 0, "{err}");
        let files: Vec<Vec<u8>> = ["sweep.csv", "pareto.csv", "best.csv", "tuned.toml"]
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect();
        outputs.push(files);
    }
    assert_eq!(outputs[0], outputs[1]);
    let sweep = String::from_utf8(outputs[0][0].clone()).unwrap();
    assert_eq!(sweep.lines().count(), 1 + 12 + 24 + 4);
    // tuned.toml is a policy file simulate loads as it is.
    let tuned = dir.path().join("out1/tuned.toml");
    let (code, stdout, err) = pollsim(
        &[
            "simulate",
            "--config",
            config.to_str().unwrap(),
            "--policies",
            tuned.to_str().unwrap(),
            "--no-write",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    for name in [
        "constant-tuned",
        "exponential-tuned",
        "calibrated-tuned",
        "optimal-schedule",
    ] {
        assert!(stdout.contains(name), "{name} missing:\n{stdout}");
    }
    let settings: Option<TuneSettings> = load(&config).tune;
    assert_eq!(settings.unwrap().grids.len(), 3);
}

/// `tune` on a config without any grid, or without `[tune]` at all, still
/// answers with the optimal schedule (which needs no grid) and a default
/// constant grid; `simulate --no-tune` skips tuning, and `tune --no-tune` is
/// refused.
#[test]
fn tune_without_grids_gives_the_optimal_schedule_and_a_default_constant_grid() {
    let dir = tempfile::tempdir().unwrap();
    let with_empty_tune = dir.path().join("t.toml");
    std::fs::write(&with_empty_tune, tune_config("")).unwrap();
    let without_tune = dir.path().join("n.toml");
    let text = tune_config("");
    std::fs::write(&without_tune, text.trim_end().trim_end_matches("[tune]")).unwrap();
    for config in [&with_empty_tune, &without_tune] {
        let (code, stdout, stderr) = pollsim(
            &["tune", "--config", config.to_str().unwrap(), "--no-write"],
            None,
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("default constant grid"), "{stderr}");
        // Uniform on [20, 40] at prices 1 and 0.1: n = the largest with
        // n(n − 1) < 2 · 0.1 · 20 / 1 = 4, so 2 checks (the closed form the
        // optimizer's own test derives); a constant interval cannot match it.
        assert!(stdout.contains("optimal schedule: 2 checks"), "{stdout}");
        assert!(stdout.contains("constant-tuned"), "{stdout}");
        assert!(stdout.contains("deploy: optimal-schedule"), "{stdout}");
    }
    let (code, stdout, _) = pollsim(
        &[
            "simulate",
            "--config",
            with_empty_tune.to_str().unwrap(),
            "--no-write",
            "--no-tune",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert!(!stdout.contains("tuned"), "{stdout}");
    let (code, _, stderr) = pollsim(
        &[
            "tune",
            "--config",
            with_empty_tune.to_str().unwrap(),
            "--no-write",
            "--no-tune",
        ],
        None,
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--no-tune"), "{stderr}");
}
