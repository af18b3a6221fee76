//! The streams' properties: independence of visit order, domains and seeds,
//! pinned values, and a job's draws in bulk, alone, past its window and skipped.

use super::*;

#[test]
fn job_windows_are_independent_of_visit_order() {
    let mut forward = stream(7, Domain::Jitter, stream_id("exp"));
    let mut a = Vec::new();
    for job in 0..50 {
        seek_job(&mut forward, job);
        a.push(forward.next_u64());
    }
    let mut backward = stream(7, Domain::Jitter, stream_id("exp"));
    let mut b = vec![0; 50];
    for job in (0..50).rev() {
        seek_job(&mut backward, job);
        b[job as usize] = backward.next_u64();
    }
    assert_eq!(a, b);
}

#[test]
fn sequential_records_equal_random_access() {
    let mut seq = stream(3, Domain::Workload, 0);
    let sequential: Vec<u64> = (0..40).map(|_| seq.next_u64()).collect();
    let mut jump = stream(3, Domain::Workload, 0);
    for index in [19u64, 0, 7, 13] {
        // 2 words per u64 draw.
        seek_record(&mut jump, index, 2);
        assert_eq!(jump.next_u64(), sequential[index as usize]);
    }
}

#[test]
fn domains_seeds_and_streams_differ() {
    let first = |mut r: SimRng| r.next_u64();
    let base = first(stream(1, Domain::Workload, 0));
    assert_ne!(base, first(stream(2, Domain::Workload, 0)));
    assert_ne!(base, first(stream(1, Domain::Jitter, 0)));
    assert_ne!(base, first(stream(1, Domain::Workload, 1)));
}

#[test]
fn value_stability() {
    // Pinned so that an accidental change of key derivation or generator is caught:
    // every published result of pollsim depends on these bits.
    let mut rng = stream(42, Domain::Workload, 0);
    let first = rng.next_u64();
    let mut again = stream(42, Domain::Workload, 0);
    assert_eq!(first, again.next_u64());
    assert_eq!(stream_id(""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(stream_id("a"), 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn job_rng_is_the_same_in_bulk_and_alone() {
    let mut bulk = stream(5, Domain::Jitter, 77);
    seek_record(&mut bulk, 10, JITTER_WINDOW as u64);
    let mut sequential = JobRng::empty(5, 77);
    for job in 10..20u64 {
        sequential.load(&mut bulk, job);
        // Job 13 draws past its window into the overflow stream.
        let draws = if job == 13 { 50 } else { 7 };
        let a: Vec<f64> = (0..draws).map(|_| sequential.unit()).collect();
        let mut alone = JobRng::for_job(5, 77, job);
        let b: Vec<f64> = (0..draws).map(|_| alone.unit()).collect();
        assert_eq!(a, b, "job {job}");
        assert!(a.iter().all(|u| *u > 0.0 && *u < 1.0));
    }
    let mut other = JobRng::for_job(5, 77, 11);
    assert_ne!(other.unit(), JobRng::for_job(5, 77, 12).unit());
}

#[test]
fn server_draws_have_their_own_streams() {
    let mut bulk = JobRng::server_bulk(5, 3);
    let mut server = JobRng::server(5);
    server.load(&mut bulk, 3);
    let a: Vec<f64> = (0..40).map(|_| server.unit()).collect();
    let mut jitter = JobRng::for_job(5, 0, 3);
    let b: Vec<f64> = (0..40).map(|_| jitter.unit()).collect();
    // Neither the window nor the overflow is shared with jitter stream 0.
    assert_ne!(a[..32], b[..32]);
    assert_ne!(a[32..], b[32..]);
    let mut again = JobRng::server(5);
    again.load(&mut JobRng::server_bulk(5, 3), 3);
    assert_eq!(a, (0..40).map(|_| again.unit()).collect::<Vec<_>>());
    let mut alone = JobRng::server_for_job(5, 3);
    assert_eq!(a, (0..40).map(|_| alone.unit()).collect::<Vec<_>>());
    // Skipping n draws, in one step or two, lands where drawing them does.
    for n in [0u64, 1, 23, 24, 25, 30, 39] {
        let mut skipped = JobRng::server_for_job(5, 3);
        skipped.skip(n);
        assert_eq!(skipped.unit(), a[n as usize], "skip {n}");
        let mut twice = JobRng::server_for_job(5, 3);
        twice.skip(n / 2);
        twice.skip(n - n / 2);
        assert_eq!(twice.unit(), a[n as usize], "skip {n} in two");
    }
}

#[test]
fn throttle_draws_are_keyed_by_job_and_consult() {
    let a = throttle_unit(3, 9, 5, 2);
    assert_eq!(a, throttle_unit(3, 9, 5, 2));
    // Consult 2 of job 5 is the job window's words 4 and 5.
    let mut s = stream(3, Domain::Throttle, 9);
    seek_job(&mut s, 5);
    s.next_u64();
    s.next_u64();
    assert_eq!(a, unit(&mut s));
    for other in [
        throttle_unit(3, 9, 5, 3),
        throttle_unit(3, 9, 6, 2),
        throttle_unit(4, 9, 5, 2),
        throttle_unit(3, 8, 5, 2),
    ] {
        assert_ne!(a, other);
    }
}

/// Past its window a job's draws are its overflow stream's words in order,
/// read straight from that stream here: across several refills, and
/// reached by skips that land inside a window, at its start or past it.
#[test]
fn overflow_draws_are_the_overflow_streams_words() {
    let to_unit = |w: u32| (f64::from(w) + 0.5) / 4_294_967_296.0;
    let (seed, sid, job) = (11, 42, 7);
    let mut bulk = stream(seed, Domain::Jitter, sid);
    seek_record(&mut bulk, job, JITTER_WINDOW as u64);
    let mut over = stream(seed, Domain::JitterOverflow, sid);
    seek_job(&mut over, job);
    let want: Vec<f64> = (0..JITTER_WINDOW)
        .map(|_| bulk.next_u32())
        .chain((0..130).map(|_| over.next_u32()))
        .map(to_unit)
        .collect();
    let mut rng = JobRng::for_job(seed, sid, job);
    let got: Vec<f64> = (0..want.len()).map(|_| rng.unit()).collect();
    assert_eq!(got, want);
    for first in [0u64, 5, 23, 24, 47, 48, 49, 71, 72, 100] {
        for second in [0u64, 1, 24, 25] {
            let mut r = JobRng::for_job(seed, sid, job);
            r.skip(first);
            r.skip(second);
            let n = (first + second) as usize;
            assert_eq!(r.unit(), want[n], "skip {first} + {second}");
            assert_eq!(r.unit(), want[n + 1], "skip {first} + {second}, then one");
        }
    }
}

#[test]
fn unit_draws_are_in_range() {
    let mut rng = stream(9, Domain::Jitter, 5);
    for _ in 0..10_000 {
        let u = unit(&mut rng);
        assert!((0.0..1.0).contains(&u));
        let v = open_unit(&mut rng);
        assert!(v > 0.0 && v < 1.0);
    }
}
