//! BENCH-1's baseline: the 4 million job-simulations of configs/bench.toml
//! written straight through, with no config, no policy abstraction and no
//! summary machinery, so that pollsim's whole-process run has a target to be
//! measured against (`cargo run --release -p pollsim-bench --bin baseline`).
//!
//! It reads the same random numbers as pollsim, so its means agree with
//! pollsim's summary to the printed digit: job `i`'s duration is the `i`-th
//! 64-bit draw of the workload stream, and the jittered policy's job `i` reads
//! the 24 words at `24·i` of its policy stream, then its own overflow stream.
//! The key layout is copied here (not imported) so that nothing of pollsim's
//! engine runs. The p95 is exact (selection over every delay), where pollsim's
//! default reads a histogram to 0.1%.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::time::Instant;

/// bench.toml: `seed = 1`, `jobs = 1000000`, uniform on `300 ± 120` s.
const SEED: u64 = 1;
const JOBS: usize = 1_000_000;
const LOW: f64 = 180.0;
const HIGH: f64 = 420.0;
/// Jobs per unit of parallel work, as in pollsim's engine.
const CHUNK: usize = 1 << 15;
/// Jobs whose jitter words are read from ChaCha in one copy (24 KiB, cache-sized).
const BLOCK: usize = 256;
/// Jitter words each job owns in its policy's stream (pollsim's `JITTER_WINDOW`).
const WINDOW: usize = 24;
/// pollsim's shortest wait: a jittered draw near zero is raised to 1 ms.
const MIN_DELAY: f64 = 1e-3;
/// Stream domains, as pollsim numbers them.
const WORKLOAD: u64 = 1;
const JITTER: u64 = 2;
const JITTER_OVERFLOW: u64 = 5;
const JITTERED: &str = "exponential-full-jitter";
/// Output order: the config's.
const NAMES: [&str; 4] = ["constant-5s", "exponential", JITTERED, "fibonacci"];

fn main() {
    let started = Instant::now();
    // The deterministic policies' check times, up to the first at or after
    // the longest job: the same for every job, so each job is a binary search.
    let constant = check_times(std::iter::repeat(5.0));
    let exponential = check_times(exponential_intervals());
    let fibonacci = check_times(fibonacci_intervals());
    let sid = fnv1a(JITTERED);

    let mut delays: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; JOBS]);
    let [d0, d1, d2, d3] = &mut delays;
    let parts: Vec<[(u64, f64); 4]> = d0
        .par_chunks_mut(CHUNK)
        .zip(d1.par_chunks_mut(CHUNK))
        .zip(d2.par_chunks_mut(CHUNK))
        .zip(d3.par_chunks_mut(CHUNK))
        .enumerate()
        .map(|(chunk, (((c, e), j), f))| {
            let first = chunk * CHUNK;
            let durations = durations(first, c.len());
            [
                deterministic(&constant, &durations, c),
                deterministic(&exponential, &durations, e),
                jittered(sid, first, &durations, j),
                deterministic(&fibonacci, &durations, f),
            ]
        })
        .collect();

    // Chunk sums in chunk order: the same total at any thread count.
    let mut totals = [(0u64, 0.0f64); 4];
    for part in &parts {
        for (total, (calls, delay)) in totals.iter_mut().zip(part) {
            total.0 += calls;
            total.1 += delay;
        }
    }
    let rank = (0.95 * JOBS as f64).ceil() as usize; // nearest rank, as pollsim
    let p95: Vec<f64> = delays
        .par_iter_mut()
        .map(|d| *d.select_nth_unstable_by(rank - 1, f64::total_cmp).1)
        .collect();
    let seconds = started.elapsed().as_secs_f64();

    println!(
        "baseline BENCH-1: {JOBS} jobs × 4 policies, seed {SEED}, {seconds:.3} s ({:.1} M job-simulations/s)",
        4.0 * JOBS as f64 / seconds / 1e6
    );
    println!(
        "{:<24} {:>12} {:>12} {:>14}",
        "policy", "calls/job", "delay (s)", "delay p95 (s)"
    );
    for ((name, (calls, delay)), p95) in NAMES.iter().zip(totals).zip(p95) {
        let n = JOBS as f64;
        println!(
            "{name:<24} {:>12.6} {:>12.6} {p95:>14.6}",
            calls as f64 / n,
            delay / n
        );
    }
}

/// Check times from a sequence of intervals, summed the way pollsim's clock
/// does (`t += wait`), up to the first at or after [`HIGH`].
fn check_times(intervals: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut times = Vec::new();
    let mut t = 0.0;
    for wait in intervals {
        t += wait;
        times.push(t);
        if t >= HIGH {
            break;
        }
    }
    times
}

/// 1, 2, 4, …, 32, then 60 s for ever.
fn exponential_intervals() -> impl Iterator<Item = f64> {
    std::iter::successors(Some(1.0f64), |v| Some((v * 2.0).min(60.0)))
}

/// 1, 1, 2, 3, 5, 8, 13, then 16 s for ever.
fn fibonacci_intervals() -> impl Iterator<Item = f64> {
    std::iter::successors(Some((1.0f64, 1.0f64)), |&(a, b)| {
        Some(if a < 16.0 { (b, a + b) } else { (a, b) })
    })
    .map(|(a, _)| a.min(16.0))
}

/// Jobs `first..first + n`: duration `LOW + u·(HIGH − LOW)`, `u` in (0, 1) from
/// one 64-bit draw per job.
fn durations(first: usize, n: usize) -> Vec<f64> {
    let mut rng = stream(WORKLOAD, 0);
    rng.set_word_pos(2 * first as u128);
    (0..n)
        .map(|_| {
            let u = ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
            LOW + u * (HIGH - LOW)
        })
        .collect()
}

/// One deterministic policy over a chunk: writes each delay, returns the sums
/// of calls and delays.
fn deterministic(times: &[f64], durations: &[f64], delays: &mut [f64]) -> (u64, f64) {
    let (mut calls, mut total) = (0u64, 0.0);
    for (&d, out) in durations.iter().zip(delays) {
        let k = times.partition_point(|&t| t < d);
        let delay = times[k] - d;
        calls += k as u64 + 1;
        total += delay;
        *out = delay;
    }
    (calls, total)
}

/// Exponential backoff 1/2/60 with full jitter over a chunk starting at job
/// `first`: check `n`'s wait is `NOMINAL[n]·u`, `u` uniform in (0, 1).
fn jittered(sid: u64, first: usize, durations: &[f64], delays: &mut [f64]) -> (u64, f64) {
    let mut bulk = stream(JITTER, sid);
    bulk.set_word_pos((WINDOW * first) as u128);
    let mut bytes = vec![0u8; 4 * WINDOW * BLOCK];
    let mut units = vec![0.0f64; WINDOW * BLOCK];
    let (mut calls, mut total) = (0u64, 0.0);
    for (block, (durations, delays)) in durations
        .chunks(BLOCK)
        .zip(delays.chunks_mut(BLOCK))
        .enumerate()
    {
        let bytes = &mut bytes[..4 * WINDOW * durations.len()];
        bulk.fill_bytes(bytes);
        for (u, word) in units.iter_mut().zip(bytes.chunks_exact(4)) {
            *u = unit(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
        }
        for (i, (&d, out)) in durations.iter().zip(delays).enumerate() {
            let (mut t, mut n) = (0.0f64, 0usize);
            for (&u, &nominal) in units[WINDOW * i..WINDOW * (i + 1)].iter().zip(&NOMINAL) {
                t += (nominal * u).max(MIN_DELAY);
                n += 1;
                if t >= d {
                    break;
                }
            }
            if t < d {
                (t, n) = beyond_window(sid, first + block * BLOCK + i, t, d);
            }
            let delay = t - d;
            calls += n as u64;
            total += delay;
            *out = delay;
        }
    }
    (calls, total)
}

/// The nominal waits of the first [`WINDOW`] checks: 1, 2, 4, …, 32, then 60 s.
const NOMINAL: [f64; WINDOW] = {
    let mut table = [60.0; WINDOW];
    let mut n = 0;
    while n < 6 {
        table[n] = (1u32 << n) as f64;
        n += 1;
    }
    table
};

/// A job still pending after its window's checks (about 1 in 100) continues
/// with draws from its own window of the overflow stream, at the cap.
#[cold]
#[inline(never)]
fn beyond_window(sid: u64, job: usize, mut t: f64, d: f64) -> (f64, usize) {
    let mut rng = stream(JITTER_OVERFLOW, sid);
    rng.set_word_pos((job as u128) << 32);
    let mut n = WINDOW;
    while t < d {
        t += (60.0 * unit(rng.next_u32())).max(MIN_DELAY);
        n += 1;
    }
    (t, n)
}

/// A 32-bit word as a uniform draw in (0, 1), as pollsim's jitter reads it.
#[inline]
fn unit(word: u32) -> f64 {
    (f64::from(word) + 0.5) * (1.0 / 4_294_967_296.0)
}

/// pollsim's stream `(SEED, domain, stream_id)`: the key is the seed, the
/// domain and a fixed tag; the ChaCha stream id names the consumer.
fn stream(domain: u64, stream_id: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&SEED.to_le_bytes());
    key[8..16].copy_from_slice(&domain.to_le_bytes());
    key[16..].copy_from_slice(b"pollsim/streams1");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream_id);
    rng
}

/// A policy's stream id: FNV-1a of its name.
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
