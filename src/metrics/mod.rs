//! Per-policy summaries: means with 95% confidence intervals, percentiles, hit
//! rate, efficiency ratio, score and cost.
//!
//! Accumulators are merged in a fixed order (chunk by chunk), so floating-point
//! sums, and therefore every printed digit, do not depend on the thread count.
//! Memory is bounded: calls per job are counted exactly in a vector indexed by the
//! call count, detection delays go to a log-linear histogram (0.1% buckets);
//! only `exact_percentiles` keeps every delay.

mod histogram;

pub use histogram::LogHistogram;

/// Running first and second moments with a shift for numerical stability.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moments {
    n: u64,
    shift: f64,
    sum: f64,
    sum_sq: f64,
    max: f64,
}

impl Moments {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.shift = x;
        }
        let d = x - self.shift;
        self.n += 1;
        self.sum += d;
        self.sum_sq += d * d;
        if x > self.max {
            self.max = x;
        }
    }

    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        // Re-express the other's sums around our shift: Σ(x − a) = Σ(x − b) + n(b − a).
        let delta = other.shift - self.shift;
        let n = other.n as f64;
        self.sum += other.sum + n * delta;
        self.sum_sq += other.sum_sq + 2.0 * delta * other.sum + n * delta * delta;
        self.n += other.n;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn sum(&self) -> f64 {
        self.sum + self.n as f64 * self.shift
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.shift + self.sum / self.n as f64
    }

    /// Sample variance.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }

    /// Standard error of the mean.
    pub fn std_error(&self) -> f64 {
        (self.variance() / self.n.max(1) as f64).sqrt()
    }

    /// Half-width of the normal-approximation 95% confidence interval of the mean.
    pub fn ci95(&self) -> f64 {
        1.959_963_984_540_054 * self.std_error()
    }

    pub fn max(&self) -> f64 {
        self.max
    }
}

/// Everything measured for one policy over a set of jobs.
///
/// The per-job cost is kept small (this runs tens of millions of times per
/// second): call statistics are derived from exact counts per call number, and
/// quantities reported only as means are plain sums.
#[derive(Clone, Debug)]
pub struct Accumulator {
    pub jobs: u64,
    pub completed: u64,
    pub errors: u64,
    pub given_up: u64,
    /// `call_counts[k]`: jobs that made exactly `k` calls.
    call_counts: Vec<u64>,
    /// Detection delay (check time − completion), detected jobs.
    pub delay: Moments,
    delay_hist: LogHistogram,
    /// Every delay, when exact percentiles were asked for.
    delays: Option<Vec<f64>>,
    /// Sum of durations of detected jobs (detection time = duration + delay).
    detected_duration_sum: f64,
    /// Sum of delay / duration over detected jobs with a positive duration.
    efficiency_sum: f64,
    efficiency_count: u64,
}

impl Accumulator {
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
        self.jobs += 1;
        let slot = calls as usize;
        if slot >= self.call_counts.len() {
            self.call_counts.resize(slot + 1, 0);
        }
        self.call_counts[slot] += 1;
        let Some(seen) = seen_at else {
            self.given_up += 1;
            return;
        };
        if failed {
            self.errors += 1;
        } else {
            self.completed += 1;
        }
        let delay = seen - duration;
        self.delay.add(delay);
        self.delay_hist.record(delay);
        if let Some(all) = &mut self.delays {
            all.push(delay);
        }
        self.detected_duration_sum += duration;
        if duration > 0.0 {
            self.efficiency_sum += delay / duration;
            self.efficiency_count += 1;
        }
    }

    /// Calls per job over all jobs, computed exactly from the counts.
    pub fn calls(&self) -> Moments {
        let mut m = Moments::default();
        if self.jobs == 0 {
            return m;
        }
        let (mut sum, mut sum_sq) = (0u128, 0u128);
        for (calls, n) in self.call_distribution() {
            sum += calls as u128 * n as u128;
            sum_sq += (calls as u128).pow(2) * n as u128;
            m.max = calls as f64;
        }
        m.n = self.jobs;
        m.sum = sum as f64;
        m.sum_sq = sum_sq as f64;
        m
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
        self.delay.merge(&other.delay);
        self.delay_hist.merge(&other.delay_hist);
        if let (Some(mine), Some(theirs)) = (&mut self.delays, &other.delays) {
            mine.extend_from_slice(theirs);
        }
        self.detected_duration_sum += other.detected_duration_sum;
        self.efficiency_sum += other.efficiency_sum;
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

/// Weights of the score and prices of the cost (from the config's `[metrics]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Scoring {
    /// Weight of the hit rate in the score.
    pub hit_rate_weight: f64,
    /// Weight of the efficiency ratio in the score.
    pub efficiency_weight: f64,
    /// Price of one status call.
    pub call_price: f64,
    /// Price of one second of detection delay.
    pub delay_price: f64,
    /// Price of a job the client gave up on.
    pub give_up_price: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Self {
            hit_rate_weight: 1.0,
            efficiency_weight: 1.0,
            call_price: 1.0,
            delay_price: 0.1,
            give_up_price: 0.0,
        }
    }
}

impl Scoring {
    /// Expected cost per job: `c_call·E[calls] + c_delay·E[delay; detected] + c_give_up·P(give up)`.
    pub fn cost(&self, calls_per_job: f64, delay_per_job: f64, give_up_rate: f64) -> f64 {
        self.call_price * calls_per_job
            + self.delay_price * delay_per_job
            + self.give_up_price * give_up_rate
    }

    /// `w_hr · HR − w_er · ER`.
    pub fn score(&self, hit_rate: f64, efficiency_ratio: f64) -> f64 {
        self.hit_rate_weight * hit_rate - self.efficiency_weight * efficiency_ratio
    }
}

/// The summary statistics of one quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub ci95: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The server's load under one policy (the contention simulator's summary figures).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadStats {
    /// Most requests in one second.
    pub peak_rps: f64,
    /// 99th percentile of requests per second (nearest rank over active seconds).
    pub p99_rps: f64,
    /// Requests answered 429.
    pub throttled: u64,
    /// Requests answered 500.
    pub failed: u64,
}

/// Exact expectations of a deterministic policy, from the distribution's S and T.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact {
    /// E[calls] per job.
    pub calls: f64,
    /// E[delay | detected].
    pub delay: f64,
    /// P(the client gives up).
    pub give_up: f64,
}

/// One row of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub policy: String,
    pub kind: String,
    pub jobs: u64,
    pub completed: u64,
    pub errors: u64,
    pub given_up: u64,
    pub calls: Stat,
    pub delay: Stat,
    pub detection_time: f64,
    pub hit_rate: f64,
    pub efficiency_ratio: f64,
    pub score: f64,
    pub cost: f64,
    pub exact: Option<Exact>,
    /// The server's load, when the contention simulator ran (see [`Self::with_load`]).
    pub load: Option<LoadStats>,
}

impl Summary {
    /// Adds the server's load figures.
    pub fn with_load(mut self, load: LoadStats) -> Self {
        self.load = Some(load);
        self
    }

    pub fn new(
        policy: &str,
        kind: &str,
        acc: &Accumulator,
        scoring: &Scoring,
        exact: Option<Exact>,
    ) -> Self {
        let call_moments = acc.calls();
        let calls = Stat {
            mean: call_moments.mean(),
            ci95: call_moments.ci95(),
            p50: acc.calls_quantile(0.50),
            p95: acc.calls_quantile(0.95),
            p99: acc.calls_quantile(0.99),
            max: call_moments.max(),
        };
        let delay = Stat {
            mean: acc.delay.mean(),
            ci95: acc.delay.ci95(),
            p50: acc.delay_quantile(0.50),
            p95: acc.delay_quantile(0.95),
            p99: acc.delay_quantile(0.99),
            max: if acc.delay.count() > 0 {
                acc.delay.max()
            } else {
                f64::NAN
            },
        };
        let jobs = acc.jobs.max(1) as f64;
        let hit_rate = acc.hit_rate();
        let efficiency_ratio = acc.efficiency_ratio();
        Self {
            policy: policy.to_string(),
            kind: kind.to_string(),
            jobs: acc.jobs,
            completed: acc.completed,
            errors: acc.errors,
            given_up: acc.given_up,
            calls,
            delay,
            detection_time: acc.detection_time_mean(),
            hit_rate,
            efficiency_ratio,
            score: scoring.score(hit_rate, efficiency_ratio),
            cost: scoring.cost(
                calls.mean,
                acc.delay.sum() / jobs,
                acc.given_up as f64 / jobs,
            ),
            exact,
            load: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_merge_equals_one_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| 1e6 + (i as f64 * 0.37).sin() * 3.0)
            .collect();
        let mut whole = Moments::default();
        xs.iter().for_each(|x| whole.add(*x));
        let mut left = Moments::default();
        let mut right = Moments::default();
        xs[..300].iter().for_each(|x| left.add(*x));
        xs[300..].iter().for_each(|x| right.add(*x));
        left.merge(&right);
        assert_eq!(left.count(), 1000);
        assert!((left.mean() - whole.mean()).abs() < 1e-9);
        assert!((left.variance() - whole.variance()).abs() < 1e-9 * whole.variance());
        let mean = xs.iter().sum::<f64>() / 1000.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        assert!((whole.variance() - var).abs() < 1e-6 * var);
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
