//! Policy-level checks: the envelope, the raw syntax and its errors.

use super::*;
use crate::rng::JobRng;

fn spec(text: &str) -> PolicySpec {
    PolicySpec::from_toml(text).unwrap()
}

fn first_checks(spec: &PolicySpec, n: usize) -> Vec<f64> {
    spec.check_times(f64::INFINITY, n).unwrap().times
}

#[test]
fn exponential_poll_times_match_the_bench_description() {
    let exp = spec("name = 'e'\nkind = 'exponential'\ninitial = 1.0\nfactor = 2.0\ncap = 60.0");
    assert_eq!(
        first_checks(&exp, 8),
        [1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 123.0, 183.0]
    );
}

#[test]
fn initial_delay_comes_before_the_family_sequence() {
    let c = spec("name = 'c'\nkind = 'constant'\ninterval = 5.0\ninitial_delay = 2.0");
    assert_eq!(first_checks(&c, 3), [2.0, 7.0, 12.0]);
    let m = spec("name = 'm'\nkind = 'manual'\ninitial_delay = 30.0");
    let times = m.check_times(1000.0, 10).unwrap();
    assert_eq!(times.times, [30.0]);
    assert!(times.gives_up);
}

#[test]
fn timeout_puts_the_last_check_at_the_deadline_and_attempts_cap_checks() {
    let c = spec("name = 'c'\nkind = 'constant'\ninterval = 7.0\ntimeout = 20.0");
    let times = c.check_times(1000.0, 100).unwrap();
    assert_eq!(times.times, [7.0, 14.0, 20.0]);
    assert!(times.gives_up);
    let c = spec("name = 'c'\nkind = 'constant'\ninterval = 7.0\nmax_attempts = 2");
    let times = c.check_times(1000.0, 100).unwrap();
    assert_eq!(times.times, [7.0, 14.0]);
    assert!(times.gives_up);
}

#[test]
fn retry_after_stretches_the_wait_unless_ignored() {
    use super::JobPoll;
    // A 429 with Retry-After 12 to the check sent at 5 s, answered at 5.5 s:
    // the next check goes out 12 s after the answer, not 5 s after the check.
    let mut rng = JobRng::for_job(1, 0, 0);
    let honors = spec("name = 'c'\nkind = 'constant'\ninterval = 5.0");
    let mut job = JobPoll::start(&mut honors.client(), &JobHint::default(), 100);
    assert_eq!(job.first_check(&mut rng), Some(5.0));
    let next = job.on_answer(5.0, 5.5, Response::RateLimited, Some(12.0), &mut rng);
    assert_eq!(next, Some(17.5));
    let ignores = spec("name = 'c'\nkind = 'constant'\ninterval = 5.0\nhonor_retry_after = false");
    let mut job = JobPoll::start(&mut ignores.client(), &JobHint::default(), 100);
    job.first_check(&mut rng);
    let next = job.on_answer(5.0, 5.5, Response::RateLimited, Some(12.0), &mut rng);
    assert_eq!(next, Some(10.0));
    // A Retry-After that runs past the timeout: the job is given up, no
    // check goes out after the timeout.
    let timed = spec("name = 'c'\nkind = 'constant'\ninterval = 5.0\ntimeout = 20.0");
    let mut job = JobPoll::start(&mut timed.client(), &JobHint::default(), 100);
    job.first_check(&mut rng);
    assert_eq!(
        job.on_answer(19.0, 19.1, Response::RateLimited, Some(12.0), &mut rng),
        None
    );
    // Within the timeout the last check lands on it exactly.
    let mut job = JobPoll::start(&mut timed.client(), &JobHint::default(), 100);
    job.first_check(&mut rng);
    assert_eq!(
        job.on_answer(17.0, 17.1, Response::RateLimited, Some(2.0), &mut rng),
        Some(20.0)
    );
    // Never before the answer arrived, whatever the policy asks.
    let next = job.on_answer(10.0, 17.0, Response::TransientError, None, &mut rng);
    assert_eq!(next, Some(17.0));
    assert_eq!(job.calls(), 2);
}

#[test]
fn every_family_round_trips_through_its_toml_form() {
    let texts = [
        "name = 'a'\nkind = 'manual'\ninitial_delay = 9.0",
        "name = 'b'\nkind = 'constant'\ninterval = 5.0\ntimeout = 100.0\nmax_attempts = 7",
        "name = 'c'\nkind = 'fibonacci'\nunit = 2.0\ncap = 30.0",
        "name = 'd'\nkind = 'exponential'\njitter = { proportional = { fraction = 0.1 } }",
        "name = 'e'\nkind = 'exponential'\njitter = 'decorrelated'\nhonor_retry_after = false",
        "name = 'f'\nkind = 'exponential_decrease'\nstart = 30.0",
        "name = 'g'\nkind = 'oscillating'\nmax = 20.0",
        "name = 'h'\nkind = 'calibrated'\nwindow = 3",
        "name = 'i'\nkind = 'duration_aware'\nexpected = 300.0",
        "name = 'j'\nkind = 'schedule'\ntimes = [1.0, 2.5, 10.0]\nthen = 'stop'",
        "name = 'k'\nkind = 'retry_after'\ninterval = 3.0",
        "name = 'l'\nkind = 'eta_hint'\nlead = 0.9\ncap = 10.0",
        "name = 'm'\nkind = 'long_poll'\nmax_wait = 20.0",
    ];
    for text in texts {
        let parsed = spec(text);
        let written = toml::to_string(&parsed.to_raw()).unwrap();
        let again = PolicySpec::from_toml(&written).unwrap();
        assert_eq!(parsed, again, "{text}\n---\n{written}");
    }
}

#[test]
fn mistakes_are_named() {
    let err = |text: &str| PolicySpec::from_toml(text).unwrap_err();
    let e = err("name = 'x'\nkind = 'constant'\ninterval = -5.0");
    assert_eq!(e.field, "interval");
    assert!(e.problem.contains("-5"), "{e}");
    let e = err("name = 'x'\nkind = 'constant'\ninterval = 5.0\nfactor = 2.0");
    assert_eq!(e.field, "factor");
    assert!(e.problem.contains("not a parameter of constant"), "{e}");
    let e = err("name = 'x'\nkind = 'linear'");
    assert_eq!(e.field, "kind");
    assert!(e.problem.contains("exponential_decrease"), "{e}");
    assert_eq!(err("name = 'x'\nkind = 'constant'").field, "interval");
    assert_eq!(err("name = 'x'\nkind = 'manual'").field, "initial_delay");
    assert_eq!(
        err("name = ''\nkind = 'constant'\ninterval = 1.0").field,
        "name"
    );
    assert_eq!(
        err("name = 'x'\nkind = 'constant'\ninterval = 1.0\ntimeout = 0.0").field,
        "timeout"
    );
    assert!(
        err("name = 'x'\nkind = 'constant'\ninterval = 1.0\nbogus = 1")
            .problem
            .contains("bogus")
    );
}

#[test]
fn determinism_classification() {
    assert!(spec("name = 'a'\nkind = 'exponential'").is_deterministic());
    assert!(!spec("name = 'a'\nkind = 'exponential'\njitter = 'full'").is_deterministic());
    assert!(!spec("name = 'a'\nkind = 'calibrated'").is_deterministic());
    assert!(spec("name = 'a'\nkind = 'calibrated'").learns());
    assert!(spec("name = 'a'\nkind = 'duration_aware'").needs_hint());
    assert!(spec("name = 'a'\nkind = 'duration_aware'\nexpected = 9.0").is_deterministic());
}

#[test]
fn server_aware_families_poll_steadily_without_hints_and_honor_them_with() {
    // Against a server that sends nothing they are deterministic schedules.
    let ra = spec("name = 'r'\nkind = 'retry_after'\ninterval = 4.0");
    assert_eq!(first_checks(&ra, 3), [4.0, 8.0, 12.0]);
    let eta = spec("name = 'e'\nkind = 'eta_hint'\ninterval = 1.0\nfactor = 2.0\ncap = 4.0");
    assert_eq!(first_checks(&eta, 5), [1.0, 3.0, 7.0, 11.0, 15.0]);
    let lp = spec("name = 'l'\nkind = 'long_poll'\ninterval = 2.0");
    let times = first_checks(&lp, 3);
    for (t, want) in times
        .iter()
        .zip([MIN_DELAY, 2.0 + MIN_DELAY, 4.0 + MIN_DELAY])
    {
        assert!((t - want).abs() < 1e-9, "{times:?}");
    }
    assert_eq!(lp.client().start(&JobHint::default()).hold(), Some(30.0));
    assert_eq!(ra.client().start(&JobHint::default()).hold(), None);
    assert!(
        ra.uses_server() && !spec("name = 'c'\nkind = 'constant'\ninterval = 1.0").uses_server()
    );
    // With a hint, retry_after follows it even below its fallback.
    let mut rng = JobRng::for_job(1, 0, 0);
    let mut job = ra.client().start(&JobHint::default());
    job.first_delay(&mut rng);
    let hinted = Observation {
        retry_after: Some(1.5),
        ..Observation::pending(1, 4.0)
    };
    assert_eq!(job.next_delay(&hinted, &mut rng), Some(1.5));
}

#[test]
fn consecutive_transport_failures_end_a_job_and_an_answer_resets_the_count() {
    let mut rng = JobRng::for_job(1, 0, 0);
    let failed = |attempt| Observation {
        response: Response::TransportFailure,
        ..Observation::pending(attempt, f64::from(attempt))
    };
    let three = spec("name = 'c'\nkind = 'constant'\ninterval = 1.0\nmax_transport_failures = 3");
    assert_eq!(three.limits().job.max_transport_failures, 3);
    assert_eq!(three.to_raw().max_transport_failures, Some(3));
    let mut job = three.client().start(&JobHint::default());
    job.first_delay(&mut rng);
    assert!(job.next_delay(&failed(1), &mut rng).is_some());
    assert!(job.next_delay(&failed(2), &mut rng).is_some());
    // A server answer (even a 500) in between starts the count again.
    let answered = Observation {
        response: Response::TransientError,
        ..Observation::pending(3, 3.0)
    };
    assert!(job.next_delay(&answered, &mut rng).is_some());
    assert!(job.next_delay(&failed(4), &mut rng).is_some());
    assert!(job.next_delay(&failed(5), &mut rng).is_some());
    assert!(!job.unreachable());
    assert_eq!(job.next_delay(&failed(6), &mut rng), None);
    assert!(job.unreachable());
    // Finite by default, written only when not the default, and at least 1.
    let default = spec("name = 'c'\nkind = 'constant'\ninterval = 1.0");
    assert_eq!(default.limits().job.max_transport_failures, 10);
    assert_eq!(default.to_raw().max_transport_failures, None);
    let zero = PolicySpec::from_toml(
        "name = 'c'\nkind = 'constant'\ninterval = 1.0\nmax_transport_failures = 0",
    )
    .unwrap_err()
    .to_string();
    assert!(
        zero.contains("max_transport_failures") && zero.contains("at least one"),
        "{zero}"
    );
}
