//! Seeded, portable random streams.
//!
//! Every random draw in pollsim comes from a ChaCha8 stream whose key is derived
//! from `(seed, domain)` and whose ChaCha stream id names the consumer (a policy,
//! or 0 for the workload). Inside a stream each job owns a fixed window of words,
//! so a job's draws depend only on `(seed, domain, stream id, job index)`: never on
//! the order in which jobs are visited or on which thread visits them. That is
//! what makes results byte-identical at any thread count and gives every policy
//! the same jobs (common random numbers).

use rand::{Rng, RngExt, SeedableRng};
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
///
/// The overflow stream is read a window at a time into the same array, opened
/// afresh for each window rather than kept open beside it: no allocation per
/// job, and nothing outside the job's own 136 bytes to fetch, which with
/// BENCH-3's 60,000 jobs in flight is a cache miss per check (the kept stream
/// was 9% of that run); reopening costs one ChaCha refill per 24 draws.
#[derive(Clone, Debug)]
pub struct JobRng {
    window: [u32; JITTER_WINDOW],
    /// The next draw's index in `window` (`JITTER_WINDOW`: the window is used up).
    next: u32,
    /// Which window `window` holds: 0 the bulk one, `k ≥ 1` the overflow
    /// stream's words `[(k − 1)·W, k·W)` of the job's window there.
    spilled: u64,
    seed: u64,
    stream_id: u64,
    job: u64,
    /// Where draws beyond the window come from: `JitterOverflow` or `ServerOverflow`.
    overflow_domain: Domain,
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
            spilled: 0,
            seed,
            stream_id,
            job: 0,
            overflow_domain: Domain::JitterOverflow,
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
        let mut words = [0u32; JITTER_WINDOW];
        for (i, word) in words.iter_mut().enumerate() {
            let b = 4 * i;
            *word = u32::from_le_bytes([bytes[b], bytes[b + 1], bytes[b + 2], bytes[b + 3]]);
        }
        self.load_window(&words, job);
    }

    /// Loads `job`'s window from `words`, the words `[W·job, W·job + W)` of
    /// its bulk stream (W = the window), as [`Self::load`] reads them: for a
    /// driver that draws many jobs' windows with one [`fill_windows`].
    #[inline]
    pub fn load_window(&mut self, words: &[u32; JITTER_WINDOW], job: u64) {
        self.window = *words;
        self.next = 0;
        self.spilled = 0;
        self.job = job;
    }

    /// A uniform draw in (0, 1), 32 bits of resolution: ample for jitter.
    #[inline(always)]
    pub fn unit(&mut self) -> f64 {
        let word = if (self.next as usize) < JITTER_WINDOW {
            let w = self.window[self.next as usize];
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
        const W: u64 = JITTER_WINDOW as u64;
        let at = self.spilled * W + u64::from(self.next) + n;
        let (window, next) = (at / W, at % W);
        if window == self.spilled {
            self.next = next as u32;
        } else if next == 0 {
            // At a window's start: leave the one before it used up, so that
            // the next draw opens it, as drawing up to here would.
            self.spilled = window - 1;
            self.next = JITTER_WINDOW as u32;
        } else {
            self.window = overflow_window(self.key(), window - 1);
            self.spilled = window;
            self.next = next as u32;
        }
    }

    fn key(&self) -> OverflowKey {
        (self.seed, self.overflow_domain, self.stream_id, self.job)
    }

    // Inlined, so that only `overflow_window` is out of line.
    #[inline(always)]
    fn overflow_word(&mut self) -> u32 {
        // The window comes back by value: nothing of `self` is lent to the
        // out-of-line call, so a loop drawing from the window may keep its
        // cursor in a register.
        self.window = overflow_window(self.key(), self.spilled);
        self.spilled += 1;
        self.next = 1;
        self.window[0]
    }
}

/// Fills `words` from `bulk` at its position, each word as [`JobRng::load`]
/// reads it (little-endian): `words.len() / W` consecutive jobs' windows in
/// one copy out of ChaCha, not one call per job.
#[inline]
pub fn fill_windows(bulk: &mut SimRng, words: &mut [u32]) {
    bulk.fill(words);
}

/// What names a job's overflow stream: (seed, domain, stream id, job).
type OverflowKey = (u64, Domain, u64, u64);

/// Window `index` of the overflow stream `key` names: its words
/// `[index·W, (index + 1)·W)` from the start of the job's window there.
#[cold]
#[inline(never)]
fn overflow_window(
    (seed, domain, stream_id, job): OverflowKey,
    index: u64,
) -> [u32; JITTER_WINDOW] {
    let mut rng = stream(seed, domain, stream_id);
    rng.set_word_pos(
        u128::from(job) * JOB_WINDOW_WORDS + u128::from(index) * JITTER_WINDOW as u128,
    );
    let mut bytes = [0u8; 4 * JITTER_WINDOW];
    rng.fill_bytes(&mut bytes);
    std::array::from_fn(|i| {
        let b = 4 * i;
        u32::from_le_bytes([bytes[b], bytes[b + 1], bytes[b + 2], bytes[b + 3]])
    })
}

#[cfg(test)]
mod tests;
