//! The server's load over time: requests per one-second bin and outcome.
//!
//! Requests are counted when they reach the server. Peak and p99 requests per
//! second are taken over the bins from the first request to the last, so idle
//! time before submissions or after the last check does not dilute them.

use crate::metrics::LoadStats;

/// How the server answered a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 200: pending or final (long polls included).
    Answered = 0,
    /// 500.
    Failed = 1,
    /// 429.
    Throttled = 2,
}

/// Requests per second, by outcome.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadTimeline {
    /// `bins[s][o]`: requests of outcome `o` that arrived in second `s`.
    bins: Vec<[u64; 3]>,
    first: Option<usize>,
}

/// Seconds of load kept at most (about 116 days); later requests share the last bin.
const MAX_BINS: usize = 10_000_000;

impl LoadTimeline {
    /// Counts one request arriving at `t` seconds.
    #[inline]
    pub fn record(&mut self, t: f64, outcome: Outcome) {
        let bin = (t.max(0.0) as usize).min(MAX_BINS - 1);
        if bin >= self.bins.len() {
            self.bins.resize(bin + 1, [0; 3]);
        }
        self.bins[bin][outcome as usize] += 1;
        if self.first.is_none_or(|f| bin < f) {
            self.first = Some(bin);
        }
    }

    /// `(second, [answered, failed, throttled])` for every second from 0 to the last request.
    pub fn seconds(&self) -> impl Iterator<Item = (usize, [u64; 3])> + '_ {
        self.bins.iter().copied().enumerate()
    }

    /// Requests of all outcomes.
    pub fn total(&self) -> u64 {
        self.bins.iter().map(|b| b[0] + b[1] + b[2]).sum()
    }

    /// Peak and p99 requests per second, and the 429 and 500 counts.
    pub fn stats(&self) -> LoadStats {
        let first = self.first.unwrap_or(0);
        let mut totals: Vec<u64> = self.bins[first.min(self.bins.len())..]
            .iter()
            .map(|b| b[0] + b[1] + b[2])
            .collect();
        let sum = |o: usize| self.bins.iter().map(|b| b[o]).sum::<u64>();
        let (peak, p99) = if totals.is_empty() {
            (0, 0)
        } else {
            totals.sort_unstable();
            let rank = ((0.99 * totals.len() as f64).ceil() as usize).clamp(1, totals.len());
            (*totals.last().expect("not empty"), totals[rank - 1])
        };
        LoadStats {
            peak_rps: peak as f64,
            p99_rps: p99 as f64,
            throttled: sum(Outcome::Throttled as usize),
            failed: sum(Outcome::Failed as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_by_second_and_outcome() {
        let mut load = LoadTimeline::default();
        load.record(2.2, Outcome::Answered);
        load.record(2.9, Outcome::Failed);
        for _ in 0..5 {
            load.record(3.0, Outcome::Throttled);
        }
        load.record(101.5, Outcome::Answered);
        let rows: Vec<_> = load.seconds().collect();
        assert_eq!(rows.len(), 102);
        assert_eq!(rows[2], (2, [1, 1, 0]));
        assert_eq!(rows[3], (3, [0, 0, 5]));
        let stats = load.stats();
        assert_eq!(load.total(), 8);
        // 100 active seconds (2..=101): counts 2, 5, 1 and 97 zeros; p99 = 99th of 100.
        assert_eq!((stats.peak_rps, stats.p99_rps), (5.0, 2.0));
        assert_eq!((stats.throttled, stats.failed), (5, 1));
    }
}
