//! The consult rule through `JobPoll`, worked by hand: the throttle's
//! probability and rejections on a scripted run, the breaker's states over
//! two jobs of one client, the keys' validation and their round trip.

use super::{BreakerState, Gate, Guards, JobHint, JobPoll, PolicySpec, Reply, Response};
use crate::rng::JobRng;

const PENDING: Response = Response::Pending {
    progress: None,
    eta: None,
};

fn spec(extra: &str) -> PolicySpec {
    let text = format!("name = 'p'\nkind = 'constant'\ninterval = 1.0\n{extra}");
    PolicySpec::from_toml(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_throttle_rejects_with_the_sre_probability_on_a_scripted_run() {
    let spec = spec("adaptive_throttle = { window = 10 }");
    let mut guards = Guards::new(spec.limits());
    assert!(guards.gates() && guards.draws());
    let mut rng = JobRng::empty(0, 0);
    let mut job = JobPoll::start(&mut spec.client(), &JobHint::default(), 1000);
    let mut at = job.first_check(&mut rng).unwrap();
    assert_eq!(at, 1.0);
    // (draw, answer) per due check; the expected probability is worked from
    // the counts before it: p = max(0, (requests − 2·accepts) / (requests + 1)).
    let script: [(f64, f64, Option<Response>); 7] = [
        (0.0, 0.0, Some(Response::TransientError)), // 0 requests: p = 0
        (0.4, 1.0 / 2.0, None),                     // 1 request, 0 accepts: 1/2 > 0.4, rejected
        (0.7, 2.0 / 3.0, Some(PENDING)),            // 2, 0: 2/3 < 0.7, sent, accepted
        (0.2, 1.0 / 4.0, None),                     // 3, 1: (3 − 2)/4 > 0.2, rejected
        (0.5, 2.0 / 5.0, Some(PENDING)),            // 4, 1: 2/5 < 0.5, sent
        (0.1, 1.0 / 6.0, None),                     // 5, 2: (5 − 4)/6 > 0.1, rejected
        (0.3, 2.0 / 7.0, Some(PENDING)),            // 6, 2: (6 − 4)/7 < 0.3, sent
    ];
    for (i, (u, p, answer)) in script.into_iter().enumerate() {
        let now = guards.reject_probability(at).unwrap();
        assert!(
            (now - p).abs() < 1e-12,
            "check {i} at {at}: p = {now}, not {p}"
        );
        match (job.consult(at, 0.0, &mut guards, || u, &mut rng), answer) {
            (Gate::Send, Some(response)) => {
                at = job
                    .on_reply(
                        Reply::new(at, at, response, None),
                        &mut rng,
                        Some(&mut guards),
                        0.0,
                    )
                    .unwrap();
            }
            // Rejected: the family's interval from the due time, nothing sent.
            (Gate::Rejected(next), None) => {
                assert_eq!(next, Some(at + 1.0), "check {i}");
                at += 1.0;
            }
            (gate, answer) => panic!("check {i}: {gate:?}, expected {answer:?}"),
        }
    }
    assert_eq!((job.calls(), job.rejected(), job.consults()), (4, 3, 7));
}

#[test]
fn the_breaker_opens_probes_and_closes_through_two_jobs_of_one_client() {
    let spec = spec("circuit_breaker = { failures = 2, open_s = 5.0 }");
    let mut guards = Guards::new(spec.limits());
    assert!(guards.gates() && !guards.draws());
    let mut rng = JobRng::empty(0, 0);
    let mut client = spec.client();
    let mut a = JobPoll::start(&mut client, &JobHint::default(), 1000);
    let mut b = JobPoll::start(&mut client, &JobHint::default(), 1000);
    let never = || -> f64 { panic!("no throttle: no draw") };
    let fail = Response::TransientError;
    // Job a, submitted at 0: two failures (at 1 and 2) within 10 s open it until 7.
    assert_eq!(
        a.consult(1.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    let next = a.on_reply(
        Reply::new(1.0, 1.0, fail, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(next, Some(2.0));
    assert_eq!(
        a.consult(2.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    a.on_reply(
        Reply::new(2.0, 2.0, fail, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(guards.breaker(), Some(BreakerState::Open { until: 7.0 }));
    // Due at 3: not sent; the next waits for the probe time, not the interval.
    assert_eq!(
        a.consult(3.0, 0.0, &mut guards, never, &mut rng),
        Gate::Rejected(Some(7.0))
    );
    // At 7 the probe goes out; job b (submitted at 5, due at 2.5 = 7.5 on
    // the client's clock) is rejected while it is out: its interval.
    assert_eq!(
        a.consult(7.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    assert_eq!(
        guards.breaker(),
        Some(BreakerState::HalfOpen { since: 7.0 })
    );
    assert_eq!(
        b.consult(2.5, 5.0, &mut guards, never, &mut rng),
        Gate::Rejected(Some(3.5))
    );
    // The probe fails at 7.8: open until 12.8; a's next, due at 8, waits for it.
    let next = a.on_reply(
        Reply::new(7.0, 7.8, fail, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(next, Some(8.0));
    assert_eq!(guards.breaker(), Some(BreakerState::Open { until: 12.8 }));
    assert_eq!(
        a.consult(8.0, 0.0, &mut guards, never, &mut rng),
        Gate::Rejected(Some(12.8))
    );
    // b (due at 8.5 on the clock) too, in its own time: 12.8 − 5.
    let Gate::Rejected(Some(b_next)) = b.consult(3.5, 5.0, &mut guards, never, &mut rng) else {
        panic!("b is rejected while open");
    };
    assert!((b_next - 7.8).abs() < 1e-12, "{b_next}");
    // At 12.8 b's check is the probe, a's is rejected; b's pending answer closes it.
    assert_eq!(
        b.consult(b_next, 5.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    assert!(matches!(
        a.consult(12.8, 0.0, &mut guards, never, &mut rng),
        Gate::Rejected(Some(t)) if (t - 13.8).abs() < 1e-12
    ));
    b.on_reply(
        Reply::new(b_next, 8.0, PENDING, None),
        &mut rng,
        Some(&mut guards),
        5.0,
    );
    assert_eq!(guards.breaker(), Some(BreakerState::Closed));
    assert_eq!(
        a.consult(13.8, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    // Sent: a 3 (2 failures, the failed probe), b 1; rejected: a 3, b 2.
    assert_eq!((a.calls(), a.rejected()), (3, 3));
    assert_eq!((b.calls(), b.rejected()), (1, 2));
    // A final answer is a success too: it closes a half-open breaker.
    let out = a.on_final(14.0, Some(&mut guards), 0.0);
    assert_eq!(out.calls, 4);
}

#[test]
fn a_check_sent_before_the_breaker_opened_does_not_decide_the_probe() {
    let spec = spec("circuit_breaker = { failures = 1, open_s = 5.0 }");
    let mut guards = Guards::new(spec.limits());
    let mut rng = JobRng::empty(0, 0);
    let mut client = spec.client();
    let (mut a, mut b) = (
        JobPoll::start(&mut client, &JobHint::default(), 1000),
        JobPoll::start(&mut client, &JobHint::default(), 1000),
    );
    let never = || 0.5;
    assert_eq!(
        a.consult(1.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    assert_eq!(
        b.consult(1.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    a.on_reply(
        Reply::new(1.0, 1.0, Response::RateLimited, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(guards.breaker(), Some(BreakerState::Open { until: 6.0 }));
    assert_eq!(
        a.consult(6.0, 0.0, &mut guards, never, &mut rng),
        Gate::Send
    );
    // b's old check answers (a success) while a's probe is out: still half-open.
    b.on_reply(
        Reply::new(1.0, 6.5, PENDING, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(
        guards.breaker(),
        Some(BreakerState::HalfOpen { since: 6.0 })
    );
    a.on_reply(
        Reply::new(6.0, 7.0, PENDING, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(guards.breaker(), Some(BreakerState::Closed));
}

#[test]
fn rejections_end_a_job_at_its_timeout_and_count_against_the_call_guard() {
    // Open until 2 + 30 = 32, past the 20 s timeout: the rejected job gives up.
    let spec = spec("timeout = 20.0\ncircuit_breaker = { failures = 1 }");
    let mut guards = Guards::new(spec.limits());
    let mut rng = JobRng::empty(0, 0);
    let mut job = JobPoll::start(&mut spec.client(), &JobHint::default(), 1000);
    assert_eq!(
        job.consult(1.0, 0.0, &mut guards, || 0.5, &mut rng),
        Gate::Send
    );
    job.on_reply(
        Reply::new(1.0, 2.0, Response::TransportFailure, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(
        job.consult(2.0, 0.0, &mut guards, || 0.5, &mut rng),
        Gate::Rejected(None)
    );
    // With a cap of 3 consults the third ends the job, whatever the gate would say.
    let spec = super::PolicySpec::from_toml(
        "name = 'p'\nkind = 'constant'\ninterval = 1.0\ncircuit_breaker = { failures = 1, open_s = 1.0 }",
    )
    .unwrap();
    let mut guards = Guards::new(spec.limits());
    let mut job = JobPoll::start(&mut spec.client(), &JobHint::default(), 3);
    assert_eq!(
        job.consult(1.0, 0.0, &mut guards, || 0.5, &mut rng),
        Gate::Send
    );
    job.on_reply(
        Reply::new(1.0, 1.0, Response::TransientError, None),
        &mut rng,
        Some(&mut guards),
        0.0,
    );
    assert_eq!(
        job.consult(1.5, 0.0, &mut guards, || 0.5, &mut rng),
        Gate::Rejected(Some(2.5))
    );
    assert_eq!(
        job.consult(1.9, 0.0, &mut guards, || 0.5, &mut rng),
        Gate::Rejected(None)
    );
}

#[test]
fn bad_protection_values_are_refused_naming_field_and_value() {
    for (line, field, value) in [
        (
            "adaptive_throttle = { k = 0.5 }",
            "adaptive_throttle.k",
            "0.5",
        ),
        (
            "adaptive_throttle = { k = nan }",
            "adaptive_throttle.k",
            "NaN",
        ),
        (
            "adaptive_throttle = { window = 0 }",
            "adaptive_throttle.window",
            "0",
        ),
        (
            "circuit_breaker = { failures = 0 }",
            "circuit_breaker.failures",
            "0",
        ),
        (
            "circuit_breaker = { window = -1.0 }",
            "circuit_breaker.window",
            "-1",
        ),
        (
            "circuit_breaker = { open_s = inf }",
            "circuit_breaker.open_s",
            "inf",
        ),
        (
            "retry_delay = 0.0\nretry_budget = { initial_capacity = 0 }",
            "retry_budget.initial_capacity",
            "0",
        ),
        (
            "retry_delay = 0.0\nretry_budget = { initial_capacity = 8 }",
            "retry_budget.timeout_retry_cost",
            "10",
        ),
        (
            "retry_delay = 0.0\nretry_budget = { retry_cost = 0 }",
            "retry_budget.retry_cost",
            "0",
        ),
    ] {
        let text = format!("name = 'p'\nkind = 'constant'\ninterval = 1.0\n{line}");
        let e = PolicySpec::from_toml(&text).expect_err(line);
        assert_eq!(e.field, field, "{line}: {e:?}");
        assert!(e.problem.starts_with(value), "{line}: {}", e.problem);
        assert!(
            e.problem.contains("write"),
            "{line}: says what to write: {}",
            e.problem
        );
    }
}

#[test]
fn the_protections_round_trip_through_the_config_syntax_with_their_defaults() {
    let spec = spec("adaptive_throttle = {}\ncircuit_breaker = { failures = 3 }");
    let raw = spec.to_raw();
    let text = toml::to_string(&raw).unwrap();
    assert!(
        text.contains("k = 2.0") && text.contains("window = 120"),
        "{text}"
    );
    assert!(
        text.contains("failures = 3") && text.contains("open_s = 30.0"),
        "{text}"
    );
    assert_eq!(PolicySpec::from_toml(&text).unwrap(), spec);
    // Without the keys nothing is written and the client has no guards.
    let plain = self::spec("");
    assert_eq!(Guards::new(plain.limits()), Guards::default());
    assert!(
        !toml::to_string(&plain.to_raw())
            .unwrap()
            .contains("throttle")
    );
}
