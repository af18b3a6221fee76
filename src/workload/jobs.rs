//! The job set: durations, outcomes and hints drawn by job index (common random numbers).

use std::sync::Arc;

use super::Workload;
use crate::rng::{Domain, SimRng, open_unit, seek_record, stream, unit};

/// One simulated job as the engine sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Job {
    /// Position in the job set; also the key of the job's random draws.
    pub index: u64,
    /// Seconds from submission to the final state.
    pub duration: f64,
    /// Ends in `error` instead of `completed`.
    pub failed: bool,
    /// An approximate duration known to the client, when the workload provides one.
    pub hint: Option<f64>,
}

/// Draws jobs for a workload and seed. Job `i` is the same whichever range it is
/// drawn in, so every policy and every thread sees the same jobs.
#[derive(Clone, Debug)]
pub struct JobSource {
    workload: Workload,
    seed: u64,
    /// Words per job record: two 32-bit words per uniform draw.
    words_per_job: u64,
    /// Uniform draws a duration takes in every phase (unused ones skipped).
    dist_draws: u64,
    /// Jobs `0..n` drawn once ([`Self::cached`]), for a job set that many
    /// candidates replay: the tuning's sample is replayed hundreds of times.
    cache: Cache,
}

/// The cached prefix of a job set. Its `Debug` gives the length only.
#[derive(Clone, Default)]
struct Cache(Option<Arc<[Job]>>);

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} jobs cached", self.len())
    }
}

impl Cache {
    fn len(&self) -> u64 {
        self.0.as_ref().map_or(0, |c| c.len() as u64)
    }
}

impl JobSource {
    /// The job set of `workload` under `seed`.
    pub fn new(workload: Workload, seed: u64) -> Self {
        // Every phase's record has the same length: the most draws of any.
        let dist_draws = workload
            .phases
            .iter()
            .map(|p| p.distribution.draws())
            .fold(workload.distribution.draws(), u64::max);
        let draws = dist_draws
            + u64::from(workload.error_probability > 0.0)
            + u64::from(workload.hint_error.is_some());
        Self {
            workload,
            seed,
            words_per_job: 2 * draws,
            dist_draws,
            cache: Cache::default(),
        }
    }

    /// The same job set with jobs `0..jobs` drawn now and kept, so that
    /// [`Self::fill`] and [`Self::job`] copy them instead of drawing them
    /// again. The jobs are the same either way.
    pub fn cached(mut self, jobs: u64) -> Self {
        self.cache = Cache::default();
        let mut all = Vec::new();
        self.fill(0..jobs, &mut all);
        self.cache = Cache(Some(all.into()));
        self
    }

    /// The workload the jobs are drawn from.
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// Appends jobs `range` to `out`, reading the stream sequentially.
    pub fn fill(&self, mut range: std::ops::Range<u64>, out: &mut Vec<Job>) {
        out.reserve(range.end.saturating_sub(range.start) as usize);
        if let Some(cache) = &self.cache.0 {
            let end = range.end.min(cache.len() as u64);
            if range.start < end {
                out.extend_from_slice(&cache[range.start as usize..end as usize]);
                range.start = end;
            }
        }
        if range.is_empty() {
            return;
        }
        let mut rng = stream(self.seed, Domain::Workload, 0);
        seek_record(&mut rng, range.start, self.words_per_job);
        for index in range {
            out.push(self.next(index, &mut rng));
        }
    }

    /// Job `index` alone.
    pub fn job(&self, index: u64) -> Job {
        if let Some(job) = self.cache.0.as_ref().and_then(|c| c.get(index as usize)) {
            return *job;
        }
        let mut rng = stream(self.seed, Domain::Workload, 0);
        seek_record(&mut rng, index, self.words_per_job);
        self.next(index, &mut rng)
    }

    #[inline]
    fn next(&self, index: u64, rng: &mut SimRng) -> Job {
        let duration = if self.workload.phases.is_empty() {
            self.workload.distribution.sample(rng)
        } else {
            let dist = self.workload.distribution_for(index);
            let d = dist.sample(rng);
            for _ in dist.draws()..self.dist_draws {
                open_unit(rng);
            }
            d
        };
        let failed =
            self.workload.error_probability > 0.0 && unit(rng) < self.workload.error_probability;
        let hint = self
            .workload
            .hint_error
            .map(|e| duration * (1.0 + e * (2.0 * open_unit(rng) - 1.0)));
        Job {
            index,
            duration,
            failed,
            hint,
        }
    }
}
