//! Property tests: any valid policy gives finite positive delays, at least one
//! call per job and non-negative detection delays.

use pollsim::policy::{
    Jitter, JobHint, JobSchedule, Observation, PolicySpec, PollPolicy, RawPolicy,
};
use pollsim::rng::JobRng;
use pollsim::sim::engine::drive;
use pollsim::workload::Job;
use proptest::prelude::*;

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
        (0.0..0.99f64).prop_map(|fraction| Jitter::Proportional { fraction }),
    ]
}

fn raw_policy() -> impl Strategy<Value = RawPolicy> {
    let secs = || 0.01..500.0f64;
    let family = prop_oneof![
        secs().prop_map(|d| RawPolicy {
            kind: "manual".into(),
            initial_delay: Some(d),
            ..Default::default()
        }),
        secs().prop_map(|i| RawPolicy {
            kind: "constant".into(),
            interval: Some(i),
            ..Default::default()
        }),
        (secs(), secs()).prop_map(|(u, c)| RawPolicy {
            kind: "fibonacci".into(),
            unit: Some(u),
            cap: Some(c),
            ..Default::default()
        }),
        (secs(), 1.0..4.0f64, secs(), jitter()).prop_map(|(i, f, c, j)| RawPolicy {
            kind: "exponential".into(),
            initial: Some(i),
            factor: Some(f),
            cap: Some(c),
            jitter: Some(j),
            ..Default::default()
        }),
        (secs(), 0.0..1.0f64, 1.01..4.0f64).prop_map(|(s, fl, f)| RawPolicy {
            kind: "exponential_decrease".into(),
            start: Some(s),
            floor: Some((s * fl).max(0.01)),
            factor: Some(f),
            ..Default::default()
        }),
        (secs(), 1.0..50.0f64, 1.01..4.0f64).prop_map(|(m, r, f)| RawPolicy {
            kind: "oscillating".into(),
            min: Some(m),
            max: Some(m * r),
            factor: Some(f),
            ..Default::default()
        }),
        (secs(), 1.0..50.0f64, 1.0..4.0f64, 1usize..10).prop_map(|(m, r, f, w)| RawPolicy {
            kind: "calibrated".into(),
            min: Some(m),
            max: Some(m * r),
            factor: Some(f),
            window: Some(w),
            ..Default::default()
        }),
        (
            prop::option::of(secs()),
            0.05..1.5f64,
            secs(),
            1.0..3.0f64,
            secs()
        )
            .prop_map(|(e, l, i, f, c)| RawPolicy {
                kind: "duration_aware".into(),
                expected: e,
                lead: Some(l),
                interval: Some(i),
                factor: Some(f),
                cap: Some(c),
                ..Default::default()
            }),
        prop::collection::vec(0.01..100.0f64, 1..20).prop_map(|gaps| RawPolicy {
            kind: "schedule".into(),
            times: Some(
                gaps.iter()
                    .scan(0.0, |t, g| {
                        *t += g;
                        Some(*t)
                    })
                    .collect()
            ),
            ..Default::default()
        }),
    ];
    let limits = (
        prop::option::of(1.0..5000.0f64),
        prop::option::of(1u32..200),
    );
    (family, limits).prop_map(|(mut raw, (timeout, max_attempts))| {
        raw.name = "p".into();
        raw.timeout = timeout;
        raw.max_attempts = max_attempts;
        raw
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_policy_behaves(raw in raw_policy(), durations in prop::collection::vec(0.0..2000.0f64, 1..8), seed in any::<u64>()) {
        let spec = PolicySpec::from_raw(&raw).expect("the strategy builds valid policies");
        let mut client = spec.client();
        for (index, &duration) in durations.iter().enumerate() {
            let job = Job { index: index as u64, duration, failed: false, hint: Some(duration * 1.1 + 0.1) };
            // Every delay the poller proposes is finite and positive.
            let mut rng = JobRng::for_job(seed, 7, index as u64);
            let mut poller = client.start(&JobHint { expected: job.hint });
            let mut t = 0.0;
            let mut next = poller.first_delay(&mut rng);
            let mut attempt = 0;
            let mut stepped = None;
            while let Some(wait) = next {
                prop_assert!(wait.is_finite() && wait > 0.0, "wait {wait}");
                t += wait;
                attempt += 1;
                if t >= duration { stepped = Some(t); break; }
                if attempt > 100_000 { break; }
                next = poller.next_delay(&Observation::pending(attempt, t), &mut rng);
            }
            // The simulator's replay makes exactly the checks that stepping made,
            // and the job has calls >= 1 and a non-negative delay.
            let mut rng = JobRng::for_job(seed, 7, index as u64);
            let outcome = drive(&mut client, &job, &mut rng);
            if attempt <= 100_000 {
                prop_assert_eq!(outcome.calls, attempt);
                prop_assert_eq!(outcome.seen_at, stepped);
            }
            prop_assert!(outcome.calls >= 1);
            if let Some(seen) = outcome.seen_at {
                prop_assert!(seen >= duration);
            }
            if let Some(limit) = raw.max_attempts {
                prop_assert!(outcome.calls <= limit);
            }
            if let (Some(timeout), Some(seen)) = (raw.timeout, outcome.seen_at) {
                prop_assert!(seen <= timeout + 1e-9);
            }
            client.finished(&outcome);
        }
    }
}
