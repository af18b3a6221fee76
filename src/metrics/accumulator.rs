//! What one policy measured over a set of jobs: exact call counts, delays in a
//! log-linear histogram (every delay only with `exact_percentiles`), sums for
//! the means. Merged chunk by chunk, in order.
//!
//! Counts and histograms merge in any order; only the floating-point sums
//! ([`FloatSums`]) depend on it. A shard of a run therefore ships its counts
//! merged once and the float sums chunk by chunk, and the merge folds those in
//! chunk order: the same bits as the single run.

use super::{LogHistogram, Moments};
use crate::workload::Job;

/// Everything measured for one policy over a set of jobs.
///
/// The per-job cost is kept small (this runs tens of millions of times per
/// second): call statistics are derived from exact counts per call number, and
/// quantities reported only as means are plain sums.
///
/// Serialized (for a shard's partial result) with every float as its bit
/// pattern; the kept delays are not serialized (sharded runs refuse them).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Accumulator {
    /// Jobs recorded.
    pub jobs: u64,
    /// Jobs seen completed.
    pub completed: u64,
    /// Jobs seen in the error state.
    pub errors: u64,
    /// Jobs the client gave up on before seeing their final state.
    pub given_up: u64,
    /// `call_counts[k]`: jobs that made exactly `k` calls.
    call_counts: Vec<u64>,
    /// Detection delay (check time − completion), detected jobs.
    pub delay: Moments,
    delay_hist: LogHistogram,
    /// Every delay, when exact percentiles were asked for.
    #[serde(skip)]
    delays: Option<Vec<f64>>,
    /// Sum of durations of detected jobs (detection time = duration + delay).
    #[serde(with = "super::bits")]
    detected_duration_sum: f64,
    /// Sum of delay / duration over detected jobs with a positive duration.
    #[serde(with = "super::bits")]
    efficiency_sum: f64,
    efficiency_count: u64,
}

/// The part of an [`Accumulator`] whose merge depends on order: its
/// floating-point sums. Everything else is integer counts.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FloatSums {
    delay: Moments,
    #[serde(with = "super::bits")]
    detected_duration_sum: f64,
    #[serde(with = "super::bits")]
    efficiency_sum: f64,
}

impl FloatSums {
    /// Adds a later part's sums, exactly as [`Accumulator::merge`] does.
    pub fn merge(&mut self, other: &FloatSums) {
        self.delay.merge(&other.delay);
        self.detected_duration_sum += other.detected_duration_sum;
        self.efficiency_sum += other.efficiency_sum;
    }
}

impl Accumulator {
    /// An empty accumulator; `exact_percentiles` keeps every delay.
    pub fn new(exact_percentiles: bool) -> Self {
        Self {
            jobs: 0,
            completed: 0,
            errors: 0,
            given_up: 0,
            call_counts: Vec::new(),
            delay: Moments::default(),
            delay_hist: LogHistogram::default(),
            delays: exact_percentiles.then(Vec::new),
            detected_duration_sum: 0.0,
            efficiency_sum: 0.0,
            efficiency_count: 0,
        }
    }

    /// Records one job: its duration, whether it ended in error, its calls and,
    /// unless the client gave up, the elapsed time of the check that saw it end.
    #[inline]
    pub fn add(&mut self, duration: f64, failed: bool, calls: u32, seen_at: Option<f64>) {
        let job = Job {
            index: 0,
            duration,
            failed,
            hint: None,
        };
        self.add_batch(&[job], &[calls], &[seen_at]);
    }

    /// Records a batch of jobs, bit for bit as one [`Self::add`] per job
    /// (every sum runs in job order): `calls[i]` and `seen_at[i]` are
    /// `jobs[i]`'s. The replay's path: each statistic is one plain loop over
    /// the batch with its sums in registers, not a call per job that reloads
    /// and stores every field.
    pub fn add_batch(&mut self, jobs: &[Job], calls: &[u32], seen_at: &[Option<f64>]) {
        assert!(
            jobs.len() == calls.len() && jobs.len() == seen_at.len(),
            "one outcome per job"
        );
        self.jobs += jobs.len() as u64;
        let longest = calls.iter().copied().max().unwrap_or(0) as usize;
        if longest >= self.call_counts.len() {
            self.call_counts.resize(longest + 1, 0);
        }
        // Four interleaved lanes of counts, summed at the end: consecutive
        // jobs often make the same number of calls, and one counter would
        // make each increment wait for the store of the one before.
        let width = longest + 1;
        let mut lanes = vec![0u32; 4 * width];
        let (lane0, rest) = lanes.split_at_mut(width);
        let (lane1, rest) = rest.split_at_mut(width);
        let (lane2, lane3) = rest.split_at_mut(width);
        let mut quads = calls.chunks_exact(4);
        for quad in quads.by_ref() {
            lane0[quad[0] as usize] += 1;
            lane1[quad[1] as usize] += 1;
            lane2[quad[2] as usize] += 1;
            lane3[quad[3] as usize] += 1;
        }
        for &n in quads.remainder() {
            lane0[n as usize] += 1;
        }
        let counts = &mut self.call_counts[..width];
        for (k, count) in counts.iter_mut().enumerate() {
            *count += u64::from(lane0[k])
                + u64::from(lane1[k])
                + u64::from(lane2[k])
                + u64::from(lane3[k]);
        }
        let detected = || {
            jobs.iter()
                .zip(seen_at)
                .filter_map(|(job, seen)| seen.map(|seen| (job, seen - job.duration)))
        };
        let mut delay = self.delay.clone();
        let (mut completed, mut errors) = (self.completed, self.errors);
        let mut duration_sum = self.detected_duration_sum;
        let (mut efficiency_sum, mut efficiency_count) =
            (self.efficiency_sum, self.efficiency_count);
        let mut seen = 0;
        for (job, d) in detected() {
            seen += 1;
            if job.failed {
                errors += 1;
            } else {
                completed += 1;
            }
            delay.add(d);
            duration_sum += job.duration;
            if job.duration > 0.0 {
                efficiency_sum += d / job.duration;
                efficiency_count += 1;
            }
        }
        self.given_up += jobs.len() as u64 - seen;
        (self.completed, self.errors) = (completed, errors);
        self.delay = delay;
        self.detected_duration_sum = duration_sum;
        (self.efficiency_sum, self.efficiency_count) = (efficiency_sum, efficiency_count);
        self.delay_hist.record_all(detected().map(|(_, d)| d));
        if let Some(all) = &mut self.delays {
            all.extend(detected().map(|(_, d)| d));
        }
    }

    /// Calls per job over all jobs, computed exactly from the counts.
    pub fn calls(&self) -> Moments {
        if self.jobs == 0 {
            return Moments::default();
        }
        let (mut sum, mut sum_sq, mut max) = (0u128, 0u128, 0.0);
        for (calls, n) in self.call_distribution() {
            sum += calls as u128 * n as u128;
            sum_sq += (calls as u128).pow(2) * n as u128;
            max = calls as f64;
        }
        Moments::from_sums(self.jobs, sum as f64, sum_sq as f64, max)
    }

    /// Mean time from submission to detection, detected jobs.
    pub fn detection_time_mean(&self) -> f64 {
        let detected = self.delay.count();
        if detected == 0 {
            return f64::NAN;
        }
        (self.detected_duration_sum + self.delay.sum()) / detected as f64
    }

    /// Efficiency ratio ER: mean of delay / duration over detected jobs.
    pub fn efficiency_ratio(&self) -> f64 {
        if self.efficiency_count == 0 {
            return f64::NAN;
        }
        self.efficiency_sum / self.efficiency_count as f64
    }

    /// A copy of the floating-point sums.
    pub fn float_sums(&self) -> FloatSums {
        FloatSums {
            delay: self.delay.clone(),
            detected_duration_sum: self.detected_duration_sum,
            efficiency_sum: self.efficiency_sum,
        }
    }

    /// Replaces the floating-point sums: with those folded chunk by chunk in
    /// order, the counts of any merge order give the single run's accumulator.
    pub fn set_float_sums(&mut self, sums: FloatSums) {
        self.delay = sums.delay;
        self.detected_duration_sum = sums.detected_duration_sum;
        self.efficiency_sum = sums.efficiency_sum;
    }

    /// Adds `other`'s jobs; merging chunks in order keeps sums thread-count independent.
    pub fn merge(&mut self, other: &Accumulator) {
        self.jobs += other.jobs;
        self.completed += other.completed;
        self.errors += other.errors;
        self.given_up += other.given_up;
        if other.call_counts.len() > self.call_counts.len() {
            self.call_counts.resize(other.call_counts.len(), 0);
        }
        for (mine, theirs) in self.call_counts.iter_mut().zip(&other.call_counts) {
            *mine += theirs;
        }
        self.delay_hist.merge(&other.delay_hist);
        if let (Some(mine), Some(theirs)) = (&mut self.delays, &other.delays) {
            mine.extend_from_slice(theirs);
        }
        // One implementation of the order-dependent part, shared with shards.
        let mut sums = self.float_sums();
        sums.merge(&other.float_sums());
        self.set_float_sums(sums);
        self.efficiency_count += other.efficiency_count;
    }

    /// Exact quantile of calls per job (nearest rank).
    pub fn calls_quantile(&self, q: f64) -> f64 {
        let rank = nearest_rank(q, self.jobs);
        let mut seen = 0;
        for (calls, count) in self.call_counts.iter().enumerate() {
            seen += count;
            if seen >= rank && *count > 0 {
                return calls as f64;
            }
        }
        f64::NAN
    }

    /// Quantile of detection delay: exact (nearest rank) when every delay was kept,
    /// else from the histogram, to 3 significant digits.
    pub fn delay_quantile(&self, q: f64) -> f64 {
        if self.delay.count() == 0 {
            return f64::NAN;
        }
        if let Some(all) = &self.delays {
            let mut sorted = all.clone();
            let rank = nearest_rank(q, sorted.len() as u64) as usize;
            let (_, value, _) = sorted.select_nth_unstable_by(rank - 1, f64::total_cmp);
            return *value;
        }
        self.delay_hist.quantile(q)
    }

    /// The number of jobs with exactly `calls` calls.
    pub fn jobs_with_calls(&self, calls: usize) -> u64 {
        self.call_counts.get(calls).copied().unwrap_or(0)
    }

    /// Jobs per call count: `(calls, jobs)` for every count that occurred.
    pub fn call_distribution(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.call_counts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, n)| *n > 0)
    }

    /// Fraction of calls that returned a final state: detected jobs over all calls.
    pub fn hit_rate(&self) -> f64 {
        let calls = self.calls().sum();
        if calls == 0.0 {
            return 0.0;
        }
        (self.completed + self.errors) as f64 / calls
    }

    /// The delay CDF at `points + 1` evenly spaced fractions, for plots:
    /// `(delay quantile in s, fraction)`, each point as [`Self::delay_quantile`]
    /// gives it. With every delay kept they are sorted once, not once per point.
    pub fn delay_cdf(&self, points: usize) -> Vec<(f64, f64)> {
        let fractions = (0..=points).map(|i| i as f64 / points as f64);
        match &self.delays {
            Some(all) if !all.is_empty() => {
                let mut sorted = all.clone();
                sorted.sort_unstable_by(f64::total_cmp);
                fractions
                    .map(|q| {
                        let rank = nearest_rank(q.max(1e-9), sorted.len() as u64) as usize;
                        (sorted[rank - 1], q)
                    })
                    .collect()
            }
            _ => fractions
                .map(|q| (self.delay_quantile(q.max(1e-9)), q))
                .collect(),
        }
    }
}

fn nearest_rank(q: f64, n: u64) -> u64 {
    ((q * n as f64).ceil() as u64).clamp(1, n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch path is the job-by-job path, bit for bit: every sum in the
    /// same order, the same counts, the same quantiles.
    #[test]
    fn a_batch_records_as_jobs_one_by_one_do() {
        let jobs: Vec<Job> = (0..5_000u64)
            .map(|i| Job {
                index: i,
                // Durations from 0 (no efficiency term) up, deltas of every size.
                duration: (i % 97) as f64 * 3.7,
                failed: i % 13 == 0,
                hint: None,
            })
            .collect();
        let calls: Vec<u32> = (0..5_000u32).map(|i| 1 + i % 41).collect();
        let seen_at: Vec<Option<f64>> = jobs
            .iter()
            .map(|j| (j.index % 17 != 0).then_some(j.duration + (j.index % 1009) as f64 * 1e-3))
            .collect();
        for exact in [false, true] {
            let mut one_by_one = Accumulator::new(exact);
            let mut batched = Accumulator::new(exact);
            for (i, job) in jobs.iter().enumerate() {
                one_by_one.add(job.duration, job.failed, calls[i], seen_at[i]);
            }
            // Uneven batches, the first starting an empty accumulator.
            for range in [0..1, 1..777, 777..778, 778..5_000] {
                batched.add_batch(&jobs[range.clone()], &calls[range.clone()], &seen_at[range]);
            }
            let (a, b) = (&one_by_one, &batched);
            assert_eq!(
                (a.jobs, a.completed, a.errors, a.given_up),
                (b.jobs, b.completed, b.errors, b.given_up)
            );
            assert_eq!(a.call_counts, b.call_counts);
            assert_eq!(a.delay, b.delay);
            assert_eq!(a.delays, b.delays);
            assert_eq!(
                a.detected_duration_sum.to_bits(),
                b.detected_duration_sum.to_bits()
            );
            assert_eq!(a.efficiency_sum.to_bits(), b.efficiency_sum.to_bits());
            assert_eq!(a.efficiency_count, b.efficiency_count);
            assert_eq!(a.delay_hist.count(), b.delay_hist.count());
            for k in 0..=200 {
                let q = f64::from(k) / 200.0;
                assert_eq!(
                    a.delay_quantile(q).to_bits(),
                    b.delay_quantile(q).to_bits(),
                    "q = {q}"
                );
            }
        }
    }

    #[test]
    fn accumulator_counts_and_quantiles() {
        let mut acc = Accumulator::new(true);
        // 100 jobs of 10 s seen at 10 + k/10 s with k calls; one given up with 50 calls.
        for k in 1..=100u32 {
            acc.add(10.0, k % 10 == 0, k, Some(10.0 + f64::from(k) / 10.0));
        }
        acc.add(10.0, false, 50, None);
        assert_eq!(
            (acc.jobs, acc.completed, acc.errors, acc.given_up),
            (101, 90, 10, 1)
        );
        assert_eq!(acc.calls_quantile(0.5), 50.0);
        assert_eq!(acc.jobs_with_calls(50), 2);
        assert!((acc.delay_quantile(0.95) - 9.5).abs() < 1e-9);
        assert!((acc.delay.mean() - 5.05).abs() < 1e-9);
        // Final-state calls / all calls = 100 / (5050 + 50).
        assert!((acc.hit_rate() - 100.0 / 5100.0).abs() < 1e-15);
        let mut histogram_only = Accumulator::new(false);
        for k in 1..=100u32 {
            histogram_only.add(10.0, false, k, Some(10.0 + f64::from(k) / 10.0));
        }
        assert!((histogram_only.delay_quantile(0.95) - 9.5).abs() < 9.5e-3);
        // The CDF agrees with the quantiles point by point, exact or not.
        for a in [&acc, &histogram_only] {
            for (d, q) in a.delay_cdf(40) {
                assert_eq!(d, a.delay_quantile(q.max(1e-9)), "q = {q}");
            }
        }
    }
}
