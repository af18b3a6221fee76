//! When jobs are submitted: all at once, as a Poisson stream, or from a trace.
//!
//! Jobs are submitted in index order (job `i` never before job `i − 1`), so the
//! simulator can read every per-job stream sequentially. Poisson gaps are drawn
//! by (seed, job) from the `Arrivals` domain: job `i`'s submission time is the
//! sum of the first `i + 1` gaps, whatever else the run does.

use super::ModelError;
use crate::rng::{Domain, SimRng, open_unit, seek_record, stream};
use std::sync::Arc;

/// The submission pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Every job at t = 0: the thundering herd.
    Batch,
    /// Exponential gaps with mean `1 / rate`; no submission at or after `horizon`.
    Poisson {
        /// Mean submissions per second.
        rate: f64,
        /// Seconds after which no job is submitted (none: until the last job).
        horizon: Option<f64>,
    },
    /// Submission times from a file, sorted ascending.
    Trace(Arc<[f64]>),
}

impl Arrivals {
    /// Poisson arrivals; fails unless `rate` (and `horizon`, when given) is positive and finite.
    pub fn poisson(rate: f64, horizon: Option<f64>) -> Result<Self, ModelError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ModelError::new(
                "rate",
                format!("{rate} is not a positive number of jobs per second"),
            ));
        }
        if let Some(h) = horizon
            && !(h.is_finite() && h > 0.0)
        {
            return Err(ModelError::new(
                "horizon",
                format!("{h} is not a positive number of seconds"),
            ));
        }
        Ok(Self::Poisson { rate, horizon })
    }

    /// Times need not be sorted; they must be finite and non-negative.
    pub fn trace(mut times: Vec<f64>) -> Result<Self, ModelError> {
        if times.is_empty() {
            return Err(ModelError::new(
                "file",
                "has no submission times: list at least one",
            ));
        }
        if let Some((i, bad)) = times
            .iter()
            .enumerate()
            .find(|(_, t)| !(t.is_finite() && **t >= 0.0))
        {
            return Err(ModelError::new(
                "file",
                format!(
                    "time #{} is {bad}: submission times are non-negative seconds",
                    i + 1
                ),
            ));
        }
        times.sort_by(f64::total_cmp);
        Ok(Self::Trace(times.into()))
    }

    /// The most jobs this pattern can submit (`None`: no limit of its own).
    pub fn limit(&self) -> Option<u64> {
        match self {
            Arrivals::Trace(times) => Some(times.len() as u64),
            _ => None,
        }
    }

    /// Submission times of up to `jobs` jobs, in job order.
    pub fn times(&self, jobs: u64, seed: u64) -> ArrivalTimes<'_> {
        let rng = match self {
            Arrivals::Poisson { .. } => Some(stream(seed, Domain::Arrivals, 0)),
            _ => None,
        };
        ArrivalTimes {
            arrivals: self,
            jobs,
            next: 0,
            clock: 0.0,
            rng,
        }
    }
}

/// Words per Poisson gap record (one u64 draw).
const GAP_WORDS: u64 = 2;

/// Iterator over submission times, job by job.
pub struct ArrivalTimes<'a> {
    arrivals: &'a Arrivals,
    jobs: u64,
    next: u64,
    clock: f64,
    rng: Option<SimRng>,
}

impl Iterator for ArrivalTimes<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        if self.next >= self.jobs {
            return None;
        }
        let i = self.next;
        let t = match self.arrivals {
            Arrivals::Batch => 0.0,
            Arrivals::Trace(times) => *times.get(i as usize)?,
            Arrivals::Poisson { rate, horizon } => {
                let rng = self.rng.as_mut().expect("poisson has a stream");
                if i == 0 {
                    seek_record(rng, 0, GAP_WORDS);
                }
                self.clock += -open_unit(rng).ln() / rate;
                if horizon.is_some_and(|h| self.clock >= h) {
                    self.jobs = i;
                    return None;
                }
                self.clock
            }
        };
        self.next += 1;
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_gap_and_horizon() {
        let arrivals = Arrivals::poisson(10.0, None).unwrap();
        let times: Vec<f64> = arrivals.times(100_000, 3).collect();
        assert_eq!(times.len(), 100_000);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        // Mean gap 0.1 s, sd 0.1 s: the last time is 10,000 s ± 4 · 0.1 · √1e5.
        let last = *times.last().unwrap();
        assert!(
            (last - 10_000.0).abs() < 4.0 * 0.1 * 1e5f64.sqrt(),
            "{last}"
        );
        let within = Arrivals::poisson(10.0, Some(500.0)).unwrap();
        let cut: Vec<f64> = within.times(100_000, 3).collect();
        assert_eq!(cut[..], times[..cut.len()], "same gaps, cut at the horizon");
        assert!(*cut.last().unwrap() < 500.0 && times[cut.len()] >= 500.0);
    }

    #[test]
    fn batch_and_trace() {
        assert_eq!(Arrivals::Batch.times(3, 1).collect::<Vec<_>>(), [0.0; 3]);
        let trace = Arrivals::trace(vec![5.0, 1.0, 3.0]).unwrap();
        assert_eq!(trace.times(10, 1).collect::<Vec<_>>(), [1.0, 3.0, 5.0]);
        assert_eq!(trace.times(2, 1).collect::<Vec<_>>(), [1.0, 3.0]);
        assert_eq!(Arrivals::trace(vec![-1.0]).unwrap_err().field, "file");
        assert_eq!(Arrivals::poisson(0.0, None).unwrap_err().field, "rate");
    }
}
