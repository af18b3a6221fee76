//! `learning.csv` and `learning.png`, written when a learning policy ran:
//! every policy's cost per job as jobs accumulate (a moving average over
//! [`MOVING`] jobs, in job order) and its regret, the gap to the expected
//! cost of the optimal schedule computed with the distribution known (of
//! `[workload.distribution]`, the first phase of a phased workload). The
//! curves come from a replay of the run's first [`LEARNING_JOBS`] jobs
//! against the ideal server, with per-job records, on the run's clients.

use super::figures::Rendered;
use crate::config::Config;
use crate::optimize::optimal_schedule;
use crate::report::page::Figure;
use crate::report::plot::{LearningSeries, Palette, learning_png};
use crate::sim::{JobRecord, RunOptions, simulate};
use crate::workload::JobSource;

/// Jobs the learning curves replay (at most the run's).
pub(super) const LEARNING_JOBS: u64 = 5000;
/// Jobs in the moving average.
pub(super) const MOVING: usize = 100;
/// A row every this many jobs.
const EVERY: usize = 10;
/// Grid steps of the optimum the regret is measured against.
const OPTIMUM_POINTS: usize = 20_000;

/// `learning.csv` and, with `plots`, `learning.png`; `None` when no policy learns.
pub(super) fn learning(config: &Config, plots: bool) -> Option<(Vec<u8>, Option<Rendered>)> {
    if !config.policies.iter().any(|p| p.learns()) {
        return None;
    }
    let jobs = config.jobs.min(LEARNING_JOBS);
    let source = JobSource::new(config.workload.clone(), config.seed);
    let options = RunOptions {
        per_job: true,
        exact_percentiles: false,
        clients: config.clients,
    };
    let run = simulate(&source, &config.policies, jobs, config.seed, options);
    let scoring = &config.scoring;
    let optimum = optimal_schedule(&config.workload.distribution, scoring, OPTIMUM_POINTS).cost;
    let cost = |r: &JobRecord| match r.seen_at {
        Some(seen) => {
            scoring.call_price * f64::from(r.calls) + scoring.delay_price * (seen - r.duration)
        }
        None => scoring.call_price * f64::from(r.calls) + scoring.give_up_price,
    };
    let palette = Palette::for_run(config);
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    let header = [
        "policy",
        "jobs",
        "cost_per_job_moving_average",
        "optimal_cost",
        "regret",
    ];
    csv.write_record(header)
        .expect("writing to memory cannot fail");
    let mut series = Vec::new();
    for (spec, policy) in config.policies.iter().zip(&run.policies) {
        let costs: Vec<f64> = policy.records.iter().flatten().map(cost).collect();
        let mut points = Vec::new();
        let mut sum = 0.0;
        for (i, c) in costs.iter().enumerate() {
            sum += c;
            if i >= MOVING {
                sum -= costs[i - MOVING];
            }
            let n = i + 1;
            if n >= MOVING && n % EVERY == 0 {
                let average = sum / MOVING as f64;
                points.push((n as f64, average));
                let row = [
                    spec.name().to_string(),
                    n.to_string(),
                    average.to_string(),
                    optimum.to_string(),
                    (average - optimum).to_string(),
                ];
                csv.write_record(&row)
                    .expect("writing to memory cannot fail");
            }
        }
        series.push(LearningSeries {
            policy: spec.name().to_string(),
            color: palette.slot(spec.name()),
            points,
        });
    }
    let png = plots.then(|| {
        let (status, png) = match learning_png(&series, optimum) {
            Ok(bytes) => (Ok(()), Some(bytes)),
            Err(e) => (Err(e.to_string()), None),
        };
        Rendered {
            figure: Figure {
                file: "learning.png".into(),
                title: "Learning curves".into(),
                caption: format!(
                    "Each policy's cost per job, averaged over the last {MOVING} jobs, over the run's first {jobs} jobs (replayed against the ideal server); the dashed line is the optimal schedule's expected cost with the distribution known ({optimum:.4}), so the gap is the regret (learning.csv)."
                ),
                status,
            },
            png,
        }
    });
    Some((
        csv.into_inner().expect("writing to memory cannot fail"),
        png,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(policies: &str) -> Config {
        let text = format!(
            "seed = 3\njobs = 400\n[workload.distribution]\nkind = 'uniform'\nbase = 20.0\nspread = 10.0\n{policies}"
        );
        Config::from_text(Path::new("l.toml"), &text).unwrap()
    }

    #[test]
    fn curves_come_with_a_learning_policy_and_measure_regret_from_the_exact_optimum() {
        let plain = config("[[policies]]\nname = 'c'\nkind = 'constant'\ninterval = 2.0");
        assert!(learning(&plain, false).is_none());
        let both = config(
            "[[policies]]\nname = 'c'\nkind = 'constant'\ninterval = 2.0\n\
             [[policies]]\nname = 'l'\nkind = 'learned'\nrefit = 20",
        );
        let (csv, png) = learning(&both, false).unwrap();
        assert!(png.is_none());
        let text = String::from_utf8(csv).unwrap();
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        // Rows every 10 jobs from 100 to 400, for each policy.
        assert_eq!(rows.len(), 2 * 31);
        // A constant 2 s interval on U(10, 30): E[calls] = E[D]/2 + 1/2 =
        // 10.5 and a mean delay of 1 s, so its moving average is near 10.6.
        let c: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] == "c")
            .map(|r| r[2].parse().unwrap())
            .collect();
        assert!(c.iter().all(|v| (v - 10.6).abs() < 1.5), "{c:?}");
        for r in &rows {
            let (avg, opt, regret): (f64, f64, f64) = (
                r[2].parse().unwrap(),
                r[3].parse().unwrap(),
                r[4].parse().unwrap(),
            );
            assert!((avg - opt - regret).abs() < 1e-9);
        }
    }
}
