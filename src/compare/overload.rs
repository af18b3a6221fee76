//! The server's capacity under one policy, predicted and measured: the mean
//! time a check spends at the server per second outside the outages, and the
//! recovery time after them (`recovery_s`, as [`OverloadStats::recovery`]
//! computes it for both).
//!
//! The measured figures are the bundled server's station fed with the times
//! the real client's checks reached it: the wire decides when checks arrive
//! (its timers, timeouts, retries and their budgets), the simulator's code
//! decides how long each one waits and is served. A difference therefore
//! measures whether the real clients load the server as the simulator says.

use crate::sim::des::OverloadStats;

/// Largest relative error of the mean latency per second, and of the
/// recovery time, that passes (the acceptance).
pub const MAX_OVERLOAD_ERROR: f64 = 0.2;

/// Recovery is judged in whole seconds: one second of difference always passes.
const RECOVERY_SLACK_S: f64 = 1.0;

/// Predicted and measured capacity figures of one policy's run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OverloadComparison {
    /// The simulator's station.
    pub predicted: OverloadStats,
    /// The bundled server's station.
    pub measured: OverloadStats,
    /// The outage windows, job seconds since the run's start.
    pub outages: Vec<(f64, f64)>,
}

impl OverloadComparison {
    /// Whether second `s` overlaps an outage.
    fn in_outage(&self, s: usize) -> bool {
        let (from, to) = (s as f64, s as f64 + 1.0);
        self.outages.iter().any(|&(a, b)| from < b && a < to)
    }

    /// `(second, predicted, measured)` mean time at the server of the checks
    /// served in each second outside the outages where both served some.
    pub fn latency_seconds(&self) -> Vec<(usize, f64, f64)> {
        let (p, m) = (&self.predicted.seconds, &self.measured.seconds);
        (0..p.len().min(m.len()))
            .filter(|&s| !self.in_outage(s))
            .filter_map(|s| Some((s, p[s].mean_latency()?, m[s].mean_latency()?)))
            .collect()
    }

    /// The mean over [`Self::latency_seconds`] of the per-second means: (predicted, measured).
    pub fn mean_latency(&self) -> (f64, f64) {
        let seconds = self.latency_seconds();
        let n = seconds.len().max(1) as f64;
        let sum = |f: fn(&(usize, f64, f64)) -> f64| seconds.iter().map(f).sum::<f64>() / n;
        (sum(|s| s.1), sum(|s| s.2))
    }

    /// |measured − predicted| / predicted mean latency per second.
    pub fn latency_error(&self) -> f64 {
        let (p, m) = self.mean_latency();
        super::relative_error(p, m)
    }

    /// Share of [`Self::latency_seconds`] whose measured mean is within
    /// [`MAX_OVERLOAD_ERROR`] of the predicted one (shown, not judged: a
    /// second holds few checks).
    pub fn seconds_within(&self) -> f64 {
        let seconds = self.latency_seconds();
        let ok = seconds
            .iter()
            .filter(|s| super::relative_error(s.1, s.2) <= MAX_OVERLOAD_ERROR)
            .count();
        ok as f64 / seconds.len().max(1) as f64
    }

    /// Recovery time after the outages: (predicted, measured); `None`: none
    /// within the run.
    pub fn recovery(&self) -> (Option<f64>, Option<f64>) {
        let (Some(&(start, _)), Some(&(_, end))) = (self.outages.first(), self.outages.last())
        else {
            return (None, None);
        };
        (
            self.predicted.recovery(start, end),
            self.measured.recovery(start, end),
        )
    }

    /// Whether both recover within 20 % (or a second) of each other, or neither does.
    pub fn recovery_agrees(&self) -> bool {
        match self.recovery() {
            (None, None) => true,
            (Some(p), Some(m)) => (m - p).abs() <= (MAX_OVERLOAD_ERROR * p).max(RECOVERY_SLACK_S),
            _ => false,
        }
    }

    /// The capacity criteria this run misses, in words.
    pub fn failures(&self) -> Vec<String> {
        let mut missed = Vec::new();
        if self.latency_error() > MAX_OVERLOAD_ERROR {
            let (p, m) = self.mean_latency();
            missed.push(format!(
                "mean time at the server per second (outside the outages) {:.1} ms measured vs {:.1} ms predicted (off by more than {:.0}%)",
                1e3 * m,
                1e3 * p,
                100.0 * MAX_OVERLOAD_ERROR
            ));
        }
        if !self.recovery_agrees() {
            let show = |r: Option<f64>| r.map_or("none".to_string(), |s| format!("{s:.0} s"));
            let (p, m) = self.recovery();
            missed.push(format!(
                "recovery {} measured vs {} predicted (off by more than {:.0}% or {RECOVERY_SLACK_S} s)",
                show(m),
                show(p),
                100.0 * MAX_OVERLOAD_ERROR
            ));
        }
        missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::des::OverloadSecond;

    fn stats(latencies: &[f64]) -> OverloadStats {
        OverloadStats {
            seconds: latencies
                .iter()
                .map(|&l| OverloadSecond {
                    arrived: 2,
                    served: 2,
                    latency_sum: 2.0 * l,
                    ..OverloadSecond::default()
                })
                .collect(),
            ..OverloadStats::default()
        }
    }

    #[test]
    fn seconds_in_the_outage_are_left_out() {
        let c = OverloadComparison {
            predicted: stats(&[0.1, 9.0, 9.0, 0.3]),
            measured: stats(&[0.1, 1.0, 1.0, 0.36]),
            outages: vec![(1.0, 2.5)],
        };
        let seconds: Vec<usize> = c.latency_seconds().iter().map(|s| s.0).collect();
        assert_eq!(seconds, [0, 3]);
        let (p, m) = c.mean_latency();
        assert!((p - 0.2).abs() < 1e-12 && (m - 0.23).abs() < 1e-12);
        assert!((c.latency_error() - 0.15).abs() < 1e-9);
        assert_eq!(c.seconds_within(), 1.0);
        assert!(c.failures().is_empty());
    }
}
