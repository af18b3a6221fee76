//! The estimates checked against the distributions the brackets were drawn from.
//!
//! # The bound every CDF check uses
//! Jobs are drawn (seeded, from the workload stream) from a known `F` and
//! observed on a check grid of step `w` aligned with submission, as an
//! observer checking every `w` seconds sees them: job `i`'s bracket is the grid
//! cell `(kw, (k+1)w]` holding `D_i`. Cells of one grid are disjoint, so the
//! likelihood factorizes over cells and the NPMLE gives each cell exactly the
//! share of jobs in it: `F̂(kw) = F_n(kw)`, the empirical CDF of the unseen
//! durations, at every grid point. By Dvoretzky–Kiefer–Wolfowitz (Massart's
//! constant), `P(sup_t |F_n(t) − F(t)| > ε) ≤ 2·exp(−2nε²)`, so with
//! `ε = sqrt(ln(2/α) / (2n))` and `α = 1e-6` the grid points are within `ε`
//! except with probability 1e-6 (the seed is fixed, so the test cannot flake
//! at all; α says how unlucky a seed would have to be). Between grid points
//! both `F̂` and `F` are non-decreasing, so for `t` in `(a, b]`,
//! `F̂(t) − F(t) ≤ F̂(b) − F(a) = (F̂(b) − F(b)) + (F(b) − F(a)) ≤ ε + Δ_w`,
//! and symmetrically from below, with `Δ_w = sup_t F(t + w) − F(t)` (the
//! "bracket width effect", bounded from above by a scan of `F`).
//! Hence `sup_t |F̂(t) − F(t)| ≤ ε + Δ_w`.
//!
//! When jobs are observed on several nested grids (steps 1, 10 and 30: every
//! coarse cell is a union of finer ones), the likelihood still factorizes over
//! the coarsest cells, so `F̂ = F_n` at multiples of 30 and the same bound
//! holds with `w = 30`.

use super::*;
use crate::metrics::Scoring;
use crate::optimize::optimal::{deployed, optimal_schedule};
use crate::rng::{Domain, stream};
use crate::workload::{Distribution, LogNormal, Mixture, Uniform};

const ALPHA: f64 = 1e-6;

fn dkw(n: usize) -> f64 {
    ((2.0 / ALPHA).ln() / (2.0 * n as f64)).sqrt()
}

fn cdf(d: &Distribution, t: f64) -> f64 {
    1.0 - d.survival(t)
}

/// An upper bound on `sup_t F(t + w) − F(t)`: on a scan of step `h`, every
/// `t` in `[t_k, t_k + h]` has `F(t + w) − F(t) ≤ F(t_k + h + w) − F(t_k)`.
fn width_effect(d: &Distribution, w: f64) -> f64 {
    let end = d.upper(1e-12) + w;
    let h = w / 100.0;
    (0..)
        .map(|k| k as f64 * h)
        .take_while(|t| *t <= end)
        .map(|t| cdf(d, t + h + w) - cdf(d, t))
        .fold(0.0, f64::max)
}

fn durations(d: &Distribution, n: usize, id: u64) -> Vec<f64> {
    let mut rng = stream(7, Domain::Workload, id);
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

/// The grid cell of step `w` holding `duration`: `(kw, (k+1)w]`.
fn cell(duration: f64, w: f64) -> Bracket {
    let k = ((duration / w).ceil() - 1.0).max(0.0);
    Bracket {
        low: k * w,
        high: (k + 1.0) * w,
    }
}

/// `sup |F̂ − F|` on a fine scan and at every piece end.
fn sup_distance(estimate: &Observed, truth: &Distribution) -> f64 {
    let end = truth
        .upper(1e-12)
        .max(estimate.pieces().map_or(0.0, Pieces::max));
    let mut points: Vec<f64> = (0..=20_000)
        .map(|i| end * f64::from(i) / 20_000.0)
        .collect();
    if let Some(p) = estimate.pieces() {
        points.extend(p.pieces().iter().flat_map(|p| [p.lo, p.hi]));
    }
    points
        .into_iter()
        .map(|t| (estimate.survival(t) - truth.survival(t)).abs())
        .fold(0.0, f64::max)
}

fn truths() -> Vec<(&'static str, Distribution)> {
    vec![
        (
            "uniform",
            Distribution::Uniform(Uniform::new(180.0, 120.0).unwrap()),
        ),
        (
            "lognormal",
            Distribution::LogNormal(LogNormal::new(120.0, 0.6).unwrap()),
        ),
        (
            "mixture",
            Distribution::Mixture(
                Mixture::new(vec![
                    (
                        0.7,
                        Distribution::Uniform(Uniform::new(40.0, 20.0).unwrap()),
                    ),
                    (
                        0.3,
                        Distribution::LogNormal(LogNormal::new(400.0, 0.3).unwrap()),
                    ),
                ])
                .unwrap(),
            ),
        ),
    ]
}

#[test]
fn turnbull_is_within_the_dkw_and_width_bound_of_the_truth() {
    let n = 2_000;
    for (id, (name, truth)) in truths().into_iter().enumerate() {
        let d = durations(&truth, n, id as u64);
        for w in [1.0, 10.0, 30.0] {
            let brackets: Vec<Bracket> = d.iter().map(|&x| cell(x, w)).collect();
            let est = Observed::new(brackets, Method::Turnbull).unwrap();
            assert!(est.evidence().converged);
            // The derivation's key step: the estimate is the empirical CDF at grid points.
            for k in 0..=((truth.upper(1e-12) / w) as usize + 1) {
                let t = k as f64 * w;
                let empirical = d.iter().filter(|&&x| x <= t).count() as f64 / n as f64;
                assert!(
                    (1.0 - est.survival(t) - empirical).abs() < 1e-12,
                    "{name} w {w} t {t}"
                );
            }
            let bound = dkw(n) + width_effect(&truth, w);
            let got = sup_distance(&est, &truth);
            assert!(
                got <= bound,
                "{name}, w = {w}: sup |F̂ − F| = {got} > {bound}"
            );
        }
    }
}

#[test]
fn nested_grids_of_mixed_widths_keep_the_bound_of_the_coarsest() {
    let n = 2_000;
    let (name, truth) = truths().swap_remove(1);
    let d = durations(&truth, n, 10);
    let widths = [1.0, 10.0, 30.0];
    let brackets: Vec<Bracket> = d
        .iter()
        .enumerate()
        .map(|(i, &x)| cell(x, widths[i % 3]))
        .collect();
    let est = Observed::new(brackets, Method::Turnbull).unwrap();
    assert!(est.evidence().converged, "{:?}", est.evidence().iterations);
    for k in 0..40 {
        let t = 30.0 * f64::from(k);
        let empirical = d.iter().filter(|&&x| x <= t).count() as f64 / n as f64;
        assert!(
            (1.0 - est.survival(t) - empirical).abs() < 1e-9,
            "{name} t {t}"
        );
    }
    let bound = dkw(n) + width_effect(&truth, 30.0);
    let got = sup_distance(&est, &truth);
    assert!(got <= bound, "sup |F̂ − F| = {got} > {bound}");
}

#[test]
fn heavy_right_censoring_keeps_the_observed_part_and_a_tail_one_bracket_wide() {
    // Uniform on [60, 300], observed every 10 s, given up on at 120 s: 75 % censored.
    let n = 2_000;
    let truth = Distribution::Uniform(Uniform::new(180.0, 120.0).unwrap());
    let d = durations(&truth, n, 20);
    let brackets: Vec<Bracket> = d
        .iter()
        .map(|&x| {
            if x > 120.0 {
                Bracket {
                    low: 120.0,
                    high: f64::INFINITY,
                }
            } else {
                cell(x, 10.0)
            }
        })
        .collect();
    let censored = brackets.iter().filter(|b| b.censored()).count();
    let est = Observed::new(brackets, Method::Turnbull).unwrap();
    assert!((est.survival(120.0) - censored as f64 / n as f64).abs() < 1e-12);
    // The censored tail is spread over one median bracket width (10 s) past 120 s.
    assert_eq!(est.evidence().median_width, 10.0);
    assert_eq!(est.survival(130.0), 0.0);
    assert!((est.survival(125.0) - 0.5 * censored as f64 / n as f64).abs() < 1e-12);
    let bound = dkw(n) + width_effect(&truth, 10.0);
    for i in 0..=1200 {
        let t = f64::from(i) / 10.0;
        assert!(
            (est.survival(t) - truth.survival(t)).abs() <= bound,
            "t {t}"
        );
    }
    assert!(
        est.describe()
            .contains(&format!("from 2000 jobs ({censored} right-censored)")),
        "{}",
        est.describe()
    );
}

#[test]
fn a_single_job_and_very_narrow_brackets() {
    let one = Observed::new(
        vec![Bracket {
            low: 10.0,
            high: 20.0,
        }],
        Method::Turnbull,
    )
    .unwrap();
    assert_eq!(one.survival(15.0), 0.5);
    assert!((Distribution::Observed(one.clone()).mean() - 15.0).abs() < 1e-12);
    assert!(one.describe().starts_with(
        "observed: Turnbull NPMLE from 1 job (0 right-censored), brackets median width 10 s"
    ));
    // Brackets a millisecond wide: the estimate is the empirical distribution to within it.
    let truth = Distribution::LogNormal(LogNormal::new(120.0, 0.6).unwrap());
    let n = 500;
    let d = durations(&truth, n, 30);
    let est = Observed::new(d.iter().map(|&x| cell(x, 1e-3)).collect(), Method::Turnbull).unwrap();
    for q in [0.1, 0.5, 0.9] {
        let mut sorted = d.clone();
        sorted.sort_by(f64::total_cmp);
        let x = sorted[(q * n as f64) as usize];
        let empirical = d.iter().filter(|&&v| v <= x).count() as f64 / n as f64;
        assert!((1.0 - est.survival(x) - empirical).abs() <= 1.0 / n as f64);
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    assert!((Distribution::Observed(est).mean() - mean).abs() < 1e-3);
}

#[test]
fn the_lognormal_fit_on_narrow_brackets_is_the_closed_form_maximum_likelihood() {
    // With brackets 1e-6 of a duration wide, the interval likelihood is the
    // density's times constants, so the MLE is μ̂ = mean ln D, σ̂² = mean (ln D − μ̂)².
    let truth = Distribution::LogNormal(LogNormal::new(120.0, 0.6).unwrap());
    let n = 1_000;
    let d = durations(&truth, n, 40);
    let brackets = d
        .iter()
        .map(|&x| Bracket {
            low: x * (1.0 - 1e-6),
            high: x,
        })
        .collect();
    let est = Observed::new(brackets, Method::LogNormal).unwrap();
    let Estimate::LogNormal(fit) = est.estimate() else {
        panic!()
    };
    let mu = d.iter().map(|x| x.ln()).sum::<f64>() / n as f64;
    let sigma = (d.iter().map(|x| (x.ln() - mu).powi(2)).sum::<f64>() / n as f64).sqrt();
    assert!(
        (fit.median().ln() - mu).abs() < 1e-5,
        "{} vs {mu}",
        fit.median().ln()
    );
    assert!(
        (fit.sigma() - sigma).abs() < 1e-5,
        "{} vs {sigma}",
        fit.sigma()
    );
    assert!(est.describe().contains("log-normal maximum likelihood"));
    // On 10 s brackets with 30 % censored at 180 s, the fit is still a
    // log-normal within the nonparametric bound of the truth.
    let brackets: Vec<Bracket> = d
        .iter()
        .map(|&x| {
            if x > 180.0 {
                Bracket {
                    low: 180.0,
                    high: f64::INFINITY,
                }
            } else {
                cell(x, 10.0)
            }
        })
        .collect();
    let est = Observed::new(brackets, Method::LogNormal).unwrap();
    let bound = dkw(n) + width_effect(&truth, 10.0);
    assert!(sup_distance(&est, &truth) <= bound);
}

/// The cost-optimal schedule tuned on the estimate, costed on the truth,
/// against the one tuned on the truth: within 2 % for n = 2,000 jobs observed
/// every 10 s. (The estimate's sup error is about 0.01 here, and a schedule
/// cost is flat at its optimum, so the loss is second order; 2 % leaves room.)
#[test]
fn tuning_on_the_estimate_costs_within_two_percent_of_tuning_on_the_truth() {
    let scoring = Scoring::default();
    let n = 2_000;
    for (id, truth) in [
        Distribution::Uniform(Uniform::new(180.0, 120.0).unwrap()),
        Distribution::LogNormal(LogNormal::new(120.0, 0.6).unwrap()),
    ]
    .into_iter()
    .enumerate()
    {
        let d = durations(&truth, n, 50 + id as u64);
        let est = Distribution::Observed(
            Observed::new(d.iter().map(|&x| cell(x, 10.0)).collect(), Method::Turnbull).unwrap(),
        );
        let best = optimal_schedule(&truth, &scoring, 4_000);
        let tuned = optimal_schedule(&est, &scoring, 4_000);
        // Costed as deployed (the last interval repeated), on the truth.
        let cost = |times: &[f64]| {
            let e = crate::sim::evaluate(&deployed(times), &truth).unwrap();
            scoring.call_price * e.calls + scoring.delay_price * e.delay
        };
        let (on_truth, best_cost) = (cost(&tuned.times), cost(&best.times));
        let loss = on_truth / best_cost - 1.0;
        assert!(
            loss < 0.02,
            "{truth:?}: {on_truth} against {best_cost} ({loss})"
        );
        assert!(loss > -1e-3, "the truth's optimum is not beaten: {loss}");
    }
}

/// `on_cells` runs where the Turnbull intervals do: brackets (0, 10],
/// (5, 20] and (15, ∞) have the innermost intervals (5, 10] and (15, 20], so
/// its one cell without knots is (5, 20], and a knot inside it (10) splits
/// it while one outside (40) does not.
#[test]
fn on_cells_spans_the_turnbull_intervals() {
    let b = |low: f64, high: f64| Bracket { low, high };
    let brackets = vec![b(0.0, 10.0), b(5.0, 20.0), b(15.0, f64::INFINITY)];
    let one = Observed::on_cells(brackets.clone(), &[], 0.5, 0.0).unwrap();
    let p = one.pieces().unwrap().pieces();
    assert_eq!((p.len(), p[0].lo, p[0].hi), (1, 5.0, 20.0), "{p:?}");
    let two = Observed::on_cells(brackets, &[10.0, 40.0], 0.5, 0.0).unwrap();
    let p = two.pieces().unwrap().pieces();
    assert_eq!(
        p.iter().map(|p| (p.lo, p.hi)).collect::<Vec<_>>(),
        [(5.0, 10.0), (10.0, 20.0)]
    );
}

/// Before the first end `on_cells` spreads the mass over at most the
/// median bracket width: jobs first checked at 240 s, three seen done
/// there and four later in brackets 60 s wide (median width 60), put the
/// three in (180, 240], not over (0, 240] where nothing says jobs end. When
/// every job was seen done at that first check, the median width is the
/// whole (0, 240] and the cell stays there (so a schedule that starts too
/// late learns to check earlier).
#[test]
fn on_cells_starts_at_most_a_median_width_before_the_first_end() {
    let b = |low: f64, high: f64| Bracket { low, high };
    let mut brackets = vec![b(0.0, 240.0); 3];
    brackets.extend([b(240.0, 300.0), b(240.0, 300.0)]);
    brackets.extend([b(300.0, 360.0), b(300.0, 360.0)]);
    let d = Observed::on_cells(brackets, &[240.0, 300.0], 0.5, 0.0).unwrap();
    let p = d.pieces().unwrap().pieces();
    assert_eq!(
        p.iter().map(|p| (p.lo, p.hi)).collect::<Vec<_>>(),
        [(180.0, 240.0), (240.0, 300.0), (300.0, 360.0)]
    );
    // Each bracket is one cell: the masses are the shares of jobs, 3/7,
    // 2/7, 2/7, and S falls linearly from 1 at 180 s to 4/7 at 240 s.
    for (piece, want) in p.iter().zip([3.0 / 7.0, 2.0 / 7.0, 2.0 / 7.0]) {
        assert!((piece.mass - want).abs() < 1e-9, "{p:?}");
    }
    assert_eq!(d.survival(180.0), 1.0);
    assert!((d.survival(210.0) - (1.0 - 1.5 / 7.0)).abs() < 1e-9);
    let all_first = Observed::on_cells(vec![b(0.0, 240.0); 4], &[], 0.5, 0.0).unwrap();
    let p = all_first.pieces().unwrap().pieces();
    assert_eq!((p.len(), p[0].lo, p[0].hi), (1, 0.0, 240.0), "{p:?}");
}
