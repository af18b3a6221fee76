//! Checks of every distribution against integrals computed independently of the
//! closed forms: numerical quadrature of the survival function, and sampling.

use super::*;
use crate::rng::{Domain, stream};

fn all() -> Vec<Distribution> {
    vec![
        Distribution::Fixed(Fixed::new(12.0).unwrap()),
        Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap()),
        Distribution::Normal(TruncatedNormal::new(20.0, 15.0).unwrap()),
        Distribution::LogNormal(LogNormal::new(60.0, 0.8).unwrap()),
        Distribution::Exponential(Exponential::new(45.0).unwrap()),
        Distribution::Empirical(Empirical::new(vec![3.0, 9.0, 9.0, 30.0, 7.5]).unwrap()),
        Distribution::Mixture(
            Mixture::new(vec![
                (3.0, Distribution::Uniform(Uniform::new(10.0, 5.0).unwrap())),
                (
                    1.0,
                    Distribution::LogNormal(LogNormal::new(600.0, 0.5).unwrap()),
                ),
            ])
            .unwrap(),
        ),
    ]
}

/// `T(t) = t·S(t) + ∫_t^∞ S(u) du`, integrated with the trapezoid rule on a fine grid.
fn partial_expectation_by_quadrature(d: &Distribution, t: f64) -> f64 {
    let end = d.upper(1e-13) * 1.5 + 1.0;
    let steps = 400_000;
    let h = (end - t) / steps as f64;
    let mut integral = 0.0;
    for i in 0..steps {
        let a = t + i as f64 * h;
        integral += 0.5 * h * (d.survival(a) + d.survival(a + h));
    }
    t * d.survival(t) + integral
}

#[test]
fn partial_expectation_matches_quadrature_of_survival() {
    for d in all() {
        let mean = d.mean();
        for t in [0.0, 0.3 * mean, mean, 2.0 * mean] {
            let exact = d.partial_expectation(t);
            let numeric = partial_expectation_by_quadrature(&d, t);
            // Step-function survivals (fixed, empirical) make the trapezoid exact up to one step.
            let tolerance = 1e-3 * mean.max(1.0);
            assert!(
                (exact - numeric).abs() < tolerance,
                "{d:?} at t={t}: closed form {exact}, quadrature {numeric}"
            );
        }
    }
}

#[test]
fn sample_means_and_survival_agree_with_closed_forms() {
    for d in all() {
        let mut rng = stream(11, Domain::Workload, 0);
        let n = 200_000;
        let samples: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        assert!(samples.iter().all(|x| *x > 0.0 && x.is_finite()));
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        assert!(
            (mean - d.mean()).abs() <= 4.0 * se + 1e-9,
            "{d:?}: sample mean {mean}, exact {}, se {se}",
            d.mean()
        );
        let t = d.mean();
        let frac = samples.iter().filter(|x| **x > t).count() as f64 / n as f64;
        let p = d.survival(t);
        let se_p = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (frac - p).abs() <= 4.0 * se_p + 1e-9,
            "{d:?}: S({t}) {p} vs {frac}"
        );
    }
}

#[test]
fn known_values() {
    let u = Uniform::new(300.0, 120.0).unwrap();
    assert_eq!(u.survival(180.0), 1.0);
    assert_eq!(u.survival(300.0), 0.5);
    assert_eq!(u.survival(420.0), 0.0);
    // E[D] = 300, E[D; D > 300] = (420² − 300²) / 480 = 180.
    assert!((u.partial_expectation(0.0) - 300.0).abs() < 1e-12);
    assert!((u.partial_expectation(300.0) - 180.0).abs() < 1e-12);
    let e = Exponential::new(10.0).unwrap();
    assert!((e.survival(10.0) - (-1.0f64).exp()).abs() < 1e-15);
    let ln = LogNormal::new(60.0, 0.8).unwrap();
    assert!((ln.survival(60.0) - 0.5).abs() < 1e-12);
    assert!((ln.partial_expectation(0.0) - 60.0 * (0.32f64).exp()).abs() < 1e-9);
    let emp = Empirical::new(vec![3.0, 9.0, 9.0, 30.0]).unwrap();
    assert_eq!(emp.survival(9.0), 0.25);
    assert_eq!(emp.partial_expectation(8.0), (9.0 + 9.0 + 30.0) / 4.0);
}

#[test]
fn invalid_parameters_are_rejected_with_the_field_named() {
    let err = Uniform::new(10.0, 12.0).unwrap_err();
    assert!(err.to_string().starts_with("spread = 12"), "{err}");
    assert!(
        Fixed::new(-1.0)
            .unwrap_err()
            .to_string()
            .contains("value = -1")
    );
    assert!(Exponential::new(f64::NAN).is_err());
    assert!(LogNormal::new(10.0, 0.0).is_err());
    assert!(
        Mixture::new(vec![])
            .unwrap_err()
            .to_string()
            .contains("at least one")
    );
    assert!(Empirical::new(vec![]).is_err());
    assert!(
        Empirical::new(vec![1.0, -2.0])
            .unwrap_err()
            .to_string()
            .contains("#2")
    );
    assert!(Workload::new(all()[0].clone(), 1.5, None).is_err());
}

#[test]
fn job_source_is_order_independent() {
    let workload = Workload::new(all()[6].clone(), 0.1, Some(0.2)).unwrap();
    let source = JobSource::new(workload, 99);
    let mut whole = Vec::new();
    source.fill(0..1000, &mut whole);
    let mut parts = Vec::new();
    source.fill(500..1000, &mut parts);
    assert_eq!(&whole[500..], &parts[..]);
    assert_eq!(source.job(731), whole[731]);
    let failed = whole.iter().filter(|j| j.failed).count();
    assert!(
        (60..=140).contains(&failed),
        "{failed} of 1000 failed at p = 0.1"
    );
    for job in &whole {
        let hint = job.hint.unwrap();
        assert!(hint >= 0.8 * job.duration && hint <= 1.2 * job.duration);
    }
}

/// A cached prefix is the same jobs, whichever side of its end a range falls.
#[test]
fn a_cached_job_set_gives_the_jobs_it_would_draw() {
    let workload = Workload::new(all()[6].clone(), 0.1, Some(0.2)).unwrap();
    let plain = JobSource::new(workload, 5);
    let cached = plain.clone().cached(300);
    for range in [0..300, 0..1000, 250..700, 300..301, 700..900, 10..10] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        plain.fill(range.clone(), &mut a);
        cached.fill(range.clone(), &mut b);
        assert_eq!(a, b, "{range:?}");
    }
    for j in [0, 299, 300, 5000] {
        assert_eq!(plain.job(j), cached.job(j));
    }
    assert_eq!(format!("{cached:?}").matches("300 jobs cached").count(), 1);
}

/// A phased workload draws job `i` from the phase it falls in, at the same
/// place of the stream whether jobs are drawn in bulk or one at a time (a
/// mixture phase takes two draws, a uniform one; records keep one length).
#[test]
fn phases_switch_distribution_at_their_first_job() {
    let mixture = Distribution::Mixture(
        Mixture::new(vec![
            (1.0, Distribution::Fixed(Fixed::new(5.0).unwrap())),
            (1.0, Distribution::Fixed(Fixed::new(7.0).unwrap())),
        ])
        .unwrap(),
    );
    let workload = Workload::new(
        Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap()),
        0.5,
        Some(0.1),
    )
    .unwrap()
    .with_phases(vec![Phase {
        from_job: 10,
        distribution: mixture,
    }])
    .unwrap();
    let source = JobSource::new(workload.clone(), 3);
    let mut bulk = Vec::new();
    source.fill(0..20, &mut bulk);
    for job in &bulk {
        assert_eq!(*job, source.job(job.index));
        let d = job.duration;
        if job.index < 10 {
            assert!((180.0..=420.0).contains(&d), "{job:?}");
        } else {
            assert!(d == 5.0 || d == 7.0, "{job:?}");
        }
    }
    let bad = workload.clone().with_phases(vec![
        Phase {
            from_job: 10,
            distribution: Distribution::Fixed(Fixed::new(1.0).unwrap()),
        },
        Phase {
            from_job: 10,
            distribution: Distribution::Fixed(Fixed::new(2.0).unwrap()),
        },
    ]);
    assert!(bad.unwrap_err().to_string().contains("from_job = 10"));
}
