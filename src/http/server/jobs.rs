//! The job table: bounded in size, finished jobs expire after a TTL.
//!
//! A job's whole life is known when it is created (its duration and outcome), so
//! the table stores instants, not timers: a status check compares the clock with
//! `done_at`, and a long poll sleeps until `done_at` at most.

use super::super::wire::{JobState, Outcome};
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub(super) struct Job {
    pub created: Instant,
    pub done_at: Instant,
    pub expires_at: Instant,
    /// Job seconds.
    pub duration_s: f64,
    pub outcome: Outcome,
    /// Keys the job's server draws (latency, failures, estimate noise): the
    /// simulator's job index. `None`: the job's id minus one.
    pub key: Option<u64>,
}

impl Job {
    pub(super) fn state(&self, now: Instant) -> JobState {
        if now < self.done_at {
            JobState::Pending
        } else {
            match self.outcome {
                Outcome::Completed => JobState::Completed,
                Outcome::Error => JobState::Error,
            }
        }
    }
}

/// Why a job cannot be read.
#[derive(Debug, PartialEq)]
pub(super) enum Missing {
    /// The id was never given out.
    Unknown,
    /// The job finished and its TTL ran out.
    Expired,
}

struct Entry {
    job: Job,
    /// Status checks made so far: the next check's attempt number.
    checks: AtomicU32,
}

/// Jobs by id. Ids are 1, 2, 3, … so `id < next` tells an expired job from one
/// that never existed without remembering it.
pub(super) struct JobTable {
    jobs: RwLock<HashMap<u64, Entry>>,
    next: AtomicU64,
    latest: AtomicU64,
    cap: usize,
    /// Real time between sweeps of expired jobs; sweeping is O(table).
    sweep_every: Duration,
    last_sweep: RwLock<Instant>,
}

impl JobTable {
    pub(super) fn new(cap: usize, sweep_every: Duration) -> Self {
        Self {
            jobs: RwLock::new(HashMap::new()),
            next: AtomicU64::new(1),
            latest: AtomicU64::new(0),
            cap,
            sweep_every,
            last_sweep: RwLock::new(Instant::now()),
        }
    }

    /// Stores a job; when the table is full of live jobs, `Err` with the
    /// instant the first of them expires (its slot frees then).
    pub(super) fn insert(&self, job: Job, now: Instant) -> Result<u64, Instant> {
        let due = now.duration_since(*read(&self.last_sweep)) >= self.sweep_every;
        let mut jobs = write(&self.jobs);
        if due || jobs.len() >= self.cap {
            jobs.retain(|_, e| e.job.expires_at > now);
            *write(&self.last_sweep) = now;
        }
        if jobs.len() >= self.cap {
            // O(table), like the sweep just made: only paid when refusing.
            let frees = jobs.values().map(|e| e.job.expires_at).min();
            return Err(frees.unwrap_or(now));
        }
        // Taken under the write lock, so ids are handed out in insertion order.
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let job = Job {
            key: Some(job.key.unwrap_or(id - 1)),
            ..job
        };
        jobs.insert(
            id,
            Entry {
                job,
                checks: AtomicU32::new(0),
            },
        );
        self.latest.store(id, Ordering::Release);
        Ok(id)
    }

    pub(super) fn get(&self, id: u64, now: Instant) -> Result<Job, Missing> {
        self.read(id, now, |e| e.job)
    }

    /// Like [`Self::get`], and counts a status check: also returns how many
    /// checks of the job came before this one (its attempt number from 0).
    pub(super) fn check(&self, id: u64, now: Instant) -> Result<(Job, u32), Missing> {
        self.read(id, now, |e| {
            (e.job, e.checks.fetch_add(1, Ordering::Relaxed))
        })
    }

    fn read<T>(&self, id: u64, now: Instant, f: impl FnOnce(&Entry) -> T) -> Result<T, Missing> {
        match read(&self.jobs).get(&id) {
            Some(entry) if entry.job.expires_at > now => Ok(f(entry)),
            Some(_) => Err(Missing::Expired),
            None if id > 0 && id < self.next.load(Ordering::Relaxed) => Err(Missing::Expired),
            None => Err(Missing::Unknown),
        }
    }

    /// The most recently created job's id, if any.
    pub(super) fn latest(&self) -> Option<u64> {
        Some(self.latest.load(Ordering::Acquire)).filter(|&id| id > 0)
    }

    /// How many jobs the table holds now (expired ones until the next sweep).
    pub(super) fn len(&self) -> usize {
        read(&self.jobs).len()
    }

    pub(super) fn cap(&self) -> usize {
        self.cap
    }
}

// A poisoned lock only means a thread panicked while holding it; the table's
// invariants hold after every single operation, so the data is still good.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(now: Instant, life: u64) -> Job {
        Job {
            created: now,
            done_at: now,
            expires_at: now + Duration::from_secs(life),
            duration_s: 0.0,
            outcome: Outcome::Completed,
            key: None,
        }
    }

    #[test]
    fn full_table_refuses_until_jobs_expire() {
        let now = Instant::now();
        let table = JobTable::new(2, Duration::from_secs(3600));
        assert_eq!(table.insert(job(now, 10), now), Ok(1));
        assert_eq!(table.insert(job(now, 20), now), Ok(2));
        // Full: the first slot frees when job 1 expires.
        let frees = now + Duration::from_secs(10);
        assert_eq!(table.insert(job(now, 10), now), Err(frees));
        let later = now + Duration::from_secs(15);
        assert_eq!(table.get(1, later).unwrap_err(), Missing::Expired);
        assert_eq!(table.insert(job(later, 10), later), Ok(3));
        assert_eq!(table.len(), 2);
        assert_eq!(table.get(1, later).unwrap_err(), Missing::Expired);
        assert_eq!(table.get(9, later).unwrap_err(), Missing::Unknown);
        assert_eq!(table.latest(), Some(3));
        // Checks are counted per job; the draw key defaults to the id minus one.
        assert_eq!(table.check(2, later).unwrap().1, 0);
        assert_eq!(table.check(2, later).unwrap().1, 1);
        let (job, attempt) = table.check(3, later).unwrap();
        assert_eq!((job.key, attempt), (Some(2), 0));
    }
}
