//! A client's circuit breaker and adaptive throttle in the discrete-event
//! simulator: during an outage the breaker sends its probes and nothing
//! else, and the throttle little, so the storm an outage would cause never
//! reaches the server. Worked by hand on four jobs of one client, all
//! polling each second.

use super::support::{config_from_text, contention_runs};

const CONFIG: &str = r#"
seed = 1
jobs = 4

[workload]
clients = 1

[workload.distribution]
kind = "uniform"
base = 100.0
spread = 0.0

[arrivals]
kind = "batch"

[server]
outages = [[10.0, 60.0]]
outage_answer = "503"

[[policies]]
name = "plain"
kind = "constant"
interval = 1.0

[[policies]]
name = "breaker"
kind = "constant"
interval = 1.0
circuit_breaker = { failures = 3, window = 10.0, open_s = 20.0 }

[[policies]]
name = "throttle"
kind = "constant"
interval = 1.0
adaptive_throttle = { k = 2.0, window = 10 }
"#;

#[test]
fn an_open_breaker_sends_only_its_probes_through_an_outage() {
    let (_dir, config) = config_from_text(CONFIG);
    let contention = config.contention.as_ref().expect("a server");
    let runs = contention_runs(&config, contention);
    let per_second = |run: &pollsim::sim::ContendedRun| -> Vec<u64> {
        let mut v: Vec<u64> = run.load.seconds().map(|(_, b)| b.iter().sum()).collect();
        v.resize(101, 0);
        v
    };
    let (plain, breaker) = (per_second(&runs[0]), per_second(&runs[1]));
    // Without the breaker all four jobs check every second of the outage.
    assert!(plain[10..60].iter().all(|&n| n == 4), "{plain:?}");
    assert_eq!(runs[0].rejected_locally, 0);
    // With it: the four checks at 10 fail and open it (3 failures) until 30;
    // each probe (at 30, at 50) fails and opens it for another 20 s; the
    // probe at 70 finds the server back and closes it; at 71 all four check.
    let expected: Vec<u64> = (0..=100)
        .map(|s| match s {
            1..=10 | 71..=100 => 4,
            30 | 50 | 70 => 1,
            _ => 0,
        })
        .collect();
    assert_eq!(breaker, expected);
    // Rejected locally: 4 at 11 (next due at 30); at 30, 50 and 70 the three
    // jobs behind the probe (next due a second later) and at 31 and 51 all
    // four (the prober's next is due then too): 4 + 3 + 4 + 3 + 4 + 3.
    assert_eq!(runs[1].rejected_locally, 21);
    // Every job is still seen at its end, 100 s, by the check then.
    let acc = &runs[1].run.accumulator;
    assert_eq!(acc.jobs, 4);
    assert_eq!(
        acc.calls().mean(),
        expected.iter().sum::<u64>() as f64 / 4.0
    );
}

#[test]
fn the_throttle_turns_an_outage_into_local_rejections_at_the_same_times() {
    let (_dir, config) = config_from_text(CONFIG);
    let contention = config.contention.as_ref().expect("a server");
    let run = &contention_runs(&config, contention)[2];
    let sent: Vec<u64> = run.load.seconds().map(|(_, b)| b.iter().sum()).collect();
    // A rejected check's job tries again after its interval, as after a
    // failed one: every job still consults at 1, 2, …, 100 s (the check at
    // 100 s is the one that can see it done), so the checks sent and
    // rejected add up to the plain policy's 4 × 100.
    assert_eq!(sent.iter().sum::<u64>() + run.rejected_locally, 400);
    // The run's first consult has no history: p = 0, it goes out.
    assert!(sent[1] >= 1, "{sent:?}");
    // From 19 s the window (seconds t − 9 … t) holds no accepted check from
    // before the outage: p = n/(n + 1) with n ≥ 36 requests, so at most one
    // check in 37 goes out (an expected 4.4 of the 164 consults up to 60 s;
    // 20 would be a 4-fold excess). Until then the accepts from before the
    // outage keep p low: SRE's k = 2 lets twice the accepts through.
    let in_outage: u64 = sent[19..60].iter().sum();
    assert!(in_outage <= 20, "{in_outage}: {sent:?}");
    // No job is given up: a rejection is not a transport failure.
    let acc = &run.run.accumulator;
    assert_eq!((acc.jobs, acc.given_up), (4, 0));
}
