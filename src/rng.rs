//! Seeded, portable random streams.
//!
//! Every random draw in pollsim comes from a ChaCha8 stream whose key is derived
//! from `(seed, domain)` and whose ChaCha stream id names the consumer (a policy,
//! or 0 for the workload). Inside a stream each job owns a fixed window of words,
//! so a job's draws depend only on `(seed, domain, stream id, job index)`: never on
//! the order in which jobs are visited or on which thread visits them. That is
//! what makes results byte-identical at any thread count and gives every policy
//! the same jobs (common random numbers).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The one generator type used by the simulator and handed to policies for jitter.
pub type SimRng = ChaCha8Rng;

/// Which part of the model a stream feeds; each domain gets its own ChaCha key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Job durations, outcomes and duration hints.
    Workload = 1,
    /// A policy's jitter.
    Jitter = 2,
    /// Server behaviour: latency, transient failures.
    Server = 3,
    /// Job submission times and client assignment.
    Arrivals = 4,
    /// A policy's jitter beyond a job's window (see [`JobRng`]).
    JitterOverflow = 5,
    /// Server draws beyond a job's window (see [`JobRng::server`]).
    ServerOverflow = 6,
    /// A client's adaptive-throttle draws (see [`throttle_unit`]).
    Throttle = 7,
}

/// Stream id of the service-time draws within the server's domains.
const SERVICE_STREAM: u64 = 1;

/// Words (32-bit) reserved for each job in a per-job stream: far more than any
/// job draws, so jobs never overlap.
const JOB_WINDOW_WORDS: u128 = 1 << 32;

/// A fresh stream for `(seed, domain, stream_id)`, positioned at word 0.
pub fn stream(seed: u64, domain: Domain, stream_id: u64) -> SimRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(domain as u64).to_le_bytes());
    key[16..].copy_from_slice(b"pollsim/streams1");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream_id);
    rng
}

/// Positions a per-job stream at the start of job `job`'s window.
pub fn seek_job(rng: &mut SimRng, job: u64) {
    rng.set_word_pos(u128::from(job) * JOB_WINDOW_WORDS);
}

/// Positions a stream at a fixed-width record: record `index` of `words_per_record`.
/// Used for the workload, whose draws per job are fixed by the config, so that
/// consecutive jobs can be read sequentially without reseeding.
pub fn seek_record(rng: &mut SimRng, index: u64, words_per_record: u64) {
    rng.set_word_pos(u128::from(index) * u128::from(words_per_record));
}

/// Stream id for a named consumer: FNV-1a of the name, so a policy keeps its
/// jitter when other policies are added to or removed from a config.
pub fn stream_id(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The adaptive throttle's uniform draw in [0, 1) for consult `consult`
/// (checks sent plus checks rejected before it) of job `job` under the
/// policy stream `stream_id`: word `2·consult` of the job's window in the
/// stream `(seed, Throttle, policy)`. Keyed by (seed, policy, job, consult),
/// so the simulator and the HTTP client draw alike whatever order they meet
/// jobs in. A stream is opened per draw: only policies with a throttle pay.
pub fn throttle_unit(seed: u64, stream_id: u64, job: u64, consult: u64) -> f64 {
    let mut rng = stream(seed, Domain::Throttle, stream_id);
    rng.set_word_pos(u128::from(job) * JOB_WINDOW_WORDS + 2 * u128::from(consult.min(1 << 30)));
    unit(&mut rng)
}

/// A uniform draw in [0, 1) with 53 random bits.
#[inline]
pub fn unit(rng: &mut SimRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in (0, 1): safe for logarithms and inverse CDFs.
#[inline]
pub fn open_unit(rng: &mut SimRng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// 32-bit words of jitter each job owns in its policy's bulk stream: enough for
/// the 99th percentile of BENCH-1's jittered policy (23 checks); a job that needs
/// more continues in its own overflow stream. Smaller windows make ChaCha
/// generate less per job (24 instead of 32 words: 5% off BENCH-1).
pub const JITTER_WINDOW: usize = 24;

/// The random draws of one job under one policy.
///
/// Job `j`'s first [`JITTER_WINDOW`] draws are words `[W·j, W·j + W)` (W = the window) of the
/// stream `(seed, Jitter, policy)`, so a driver visiting jobs in order reads them
/// sequentially — ChaCha's bulk output serves many jobs per block refill instead
/// of one refill per job. Further draws come from the job's own window of the
/// overflow stream. Either way a draw depends only on (seed, policy, job, draw
/// number): the simulator's jobs and the HTTP client's jobs see the same jitter.
#[derive(Clone, Debug)]
pub struct JobRng {
    window: [u32; JITTER_WINDOW],
    next: usize,
    seed: u64,
    stream_id: u64,
    job: u64,
    /// Where draws beyond the window come from: `JitterOverflow` or `ServerOverflow`.
    overflow_domain: Domain,
    overflow: Option<Box<SimRng>>,
}

impl JobRng {
    /// The draws of `job` under the policy stream `stream_id`.
    pub fn for_job(seed: u64, stream_id: u64, job: u64) -> Self {
        let mut bulk = stream(seed, Domain::Jitter, stream_id);
        seek_record(&mut bulk, job, JITTER_WINDOW as u64);
        let mut rng = Self::empty(seed, stream_id);
        rng.load(&mut bulk, job);
        rng
    }

    /// A source with no window loaded yet; call [`Self::load`] per job.
    pub fn empty(seed: u64, stream_id: u64) -> Self {
        Self {
            window: [0; JITTER_WINDOW],
            next: 0,
            seed,
            stream_id,
            job: 0,
            overflow_domain: Domain::JitterOverflow,
            overflow: None,
        }
    }

    /// The server's draws for one job's requests, laid out like a policy's
    /// jitter: job `j`'s first [`JITTER_WINDOW`] draws are words `[W·j, W·j + W)` (W = the window)
    /// of the stream `(seed, Server, 0)` ([`Self::server_bulk`]), the rest come from
    /// `(seed, ServerOverflow, 0)`. A driver that takes a fixed number of draws per
    /// request keys them by (seed, job, attempt): independent of request order.
    pub fn server(seed: u64) -> Self {
        Self {
            overflow_domain: Domain::ServerOverflow,
            ..Self::empty(seed, 0)
        }
    }

    /// The bulk stream [`Self::server`] windows are loaded from, at job `first`.
    pub fn server_bulk(seed: u64, first: u64) -> SimRng {
        let mut bulk = stream(seed, Domain::Server, 0);
        seek_record(&mut bulk, first, JITTER_WINDOW as u64);
        bulk
    }

    /// Job `job`'s server draws on their own, as [`Self::server`] loaded from
    /// [`Self::server_bulk`] gives them (for drivers that meet jobs out of order).
    pub fn server_for_job(seed: u64, job: u64) -> Self {
        let mut rng = Self::server(seed);
        rng.load(&mut Self::server_bulk(seed, job), job);
        rng
    }

    /// The server's service-time draws for one job's checks (two per check,
    /// so keyed by (seed, job, attempt)): laid out like [`Self::server`] but on
    /// stream 1 of the server's domains, so that adding capacity to a server
    /// leaves every other server draw where it was.
    pub fn service(seed: u64) -> Self {
        Self {
            overflow_domain: Domain::ServerOverflow,
            ..Self::empty(seed, SERVICE_STREAM)
        }
    }

    /// The bulk stream [`Self::service`] windows are loaded from, at job `first`.
    pub fn service_bulk(seed: u64, first: u64) -> SimRng {
        let mut bulk = stream(seed, Domain::Server, SERVICE_STREAM);
        seek_record(&mut bulk, first, JITTER_WINDOW as u64);
        bulk
    }

    /// Job `job`'s service draws on their own (for drivers that meet jobs out of order).
    pub fn service_for_job(seed: u64, job: u64) -> Self {
        let mut rng = Self::service(seed);
        rng.load(&mut Self::service_bulk(seed, job), job);
        rng
    }

    /// Loads `job`'s window from `bulk`, which must be positioned at that job's
    /// record (jobs in order: the previous job's load leaves it there).
    #[inline]
    pub fn load(&mut self, bulk: &mut SimRng, job: u64) {
        // One bulk copy out of ChaCha's buffer, not 32 single-word reads.
        let mut bytes = [0u8; 4 * JITTER_WINDOW];
        bulk.fill_bytes(&mut bytes);
        // Plain indexing, not `chunks_exact` + `try_into`: the same machine code
        // once optimized, while test builds (dependencies unoptimized) would
        // call those generic helpers' unoptimized copies for every job.
        for (i, word) in self.window.iter_mut().enumerate() {
            let b = 4 * i;
            *word = u32::from_le_bytes([bytes[b], bytes[b + 1], bytes[b + 2], bytes[b + 3]]);
        }
        self.next = 0;
        self.job = job;
        self.overflow = None;
    }

    /// A uniform draw in (0, 1), 32 bits of resolution: ample for jitter.
    #[inline(always)]
    pub fn unit(&mut self) -> f64 {
        let word = if self.next < JITTER_WINDOW {
            let w = self.window[self.next];
            self.next += 1;
            w
        } else {
            self.overflow_word()
        };
        (f64::from(word) + 0.5) * (1.0 / 4_294_967_296.0)
    }

    /// Skips the next `n` draws in constant time: a driver that meets a job's
    /// requests one at a time (the HTTP server) reaches request `k`'s draws
    /// without taking the `k` requests' before it.
    pub fn skip(&mut self, n: u64) {
        let in_window = (JITTER_WINDOW - self.next.min(JITTER_WINDOW)) as u64;
        if n <= in_window {
            self.next += n as usize;
            return;
        }
        self.next = JITTER_WINDOW;
        let rest = u128::from(n - in_window);
        let rng = self.overflow_rng();
        rng.set_word_pos(rng.get_word_pos() + rest);
    }

    // Inlined, so that only `overflow_draw` is out of line.
    #[inline(always)]
    fn overflow_word(&mut self) -> u32 {
        // The overflow stream moves out and back by value: nothing of `self`
        // is lent to the out-of-line call, so a loop drawing from the window
        // may keep its cursor in a register.
        let (word, overflow) = overflow_draw(
            self.overflow.take(),
            (self.seed, self.overflow_domain, self.stream_id, self.job),
        );
        self.overflow = Some(overflow);
        word
    }

    fn overflow_rng(&mut self) -> &mut SimRng {
        let (seed, stream_id, job, domain) =
            (self.seed, self.stream_id, self.job, self.overflow_domain);
        self.overflow.get_or_insert_with(|| {
            let mut rng = stream(seed, domain, stream_id);
            seek_job(&mut rng, job);
            Box::new(rng)
        })
    }
}

/// One word of a job's overflow stream, opened on its first use: the
/// stream `key = (seed, domain, stream id, job)` names, at the job's window.
#[cold]
#[inline(never)]
fn overflow_draw(
    overflow: Option<Box<SimRng>>,
    (seed, domain, stream_id, job): (u64, Domain, u64, u64),
) -> (u32, Box<SimRng>) {
    let mut rng = overflow.unwrap_or_else(|| {
        let mut rng = stream(seed, domain, stream_id);
        seek_job(&mut rng, job);
        Box::new(rng)
    });
    (rng.next_u32(), rng)
}

#[cfg(test)]
mod tests {
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
}
