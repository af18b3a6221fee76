//! One policy's comparison: its jobs, its load, and the verdict against the criteria.

use super::criteria::{PEAK_SLACK, round_up};
use super::{Criteria, JobComparison, LoadComparison, relative_error};

/// One policy's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyComparison {
    /// Policy name.
    pub policy: String,
    /// Learning policies learn in completion order on the wire and in the
    /// simulator, but which jobs end first can differ by a check: compared, but
    /// not held to the criteria.
    pub learns: bool,
    /// The server's rate limits (or its queue) make a check's answer depend on other clients'
    /// checks, and so on the exact order requests arrive in, which the wire does
    /// not reproduce: jobs are then compared in aggregate (calls per job, load),
    /// not one by one.
    pub order_dependent: bool,
    /// The server's answers carry estimates of the remaining time (ETA or
    /// `Retry-After` hints), read when the check arrives: a late check reads a
    /// smaller estimate, and a policy that follows it moves its later checks.
    /// Lateness then explains more than seeing a job one check early, so
    /// differences are judged by the agreement share alone.
    pub hints: bool,
    /// Every job, in index order.
    pub jobs: Vec<JobComparison>,
    /// The server's load under the policy.
    pub load: LoadComparison,
    /// Checks the clients' adaptive throttle or circuit breaker rejected
    /// locally (never sent, not calls), over all jobs: (predicted, measured).
    pub rejected: (u64, u64),
}

impl PolicyComparison {
    /// Share of jobs with the same number of calls.
    pub fn agreement(&self) -> f64 {
        self.jobs.iter().filter(|j| j.agrees()).count() as f64 / self.jobs.len().max(1) as f64
    }

    /// Jobs that differ in a way lateness does not explain.
    pub fn unexplained(&self) -> usize {
        self.jobs.iter().filter(|j| !j.explained).count()
    }

    /// Mean calls per job: (predicted, measured).
    pub fn mean_calls(&self) -> (f64, f64) {
        let n = self.jobs.len().max(1) as f64;
        let sum = |f: fn(&JobComparison) -> u32| {
            self.jobs.iter().map(|j| f64::from(f(j))).sum::<f64>() / n
        };
        (sum(|j| j.predicted_calls), sum(|j| j.measured_calls))
    }

    /// |measured − predicted| / predicted mean calls per job.
    pub fn calls_error(&self) -> f64 {
        let (predicted, measured) = self.mean_calls();
        relative_error(predicted, measured)
    }

    /// |measured − predicted| local rejections over the predicted checks
    /// consulted (calls plus rejections): 0 when neither rejected any.
    pub fn rejected_error(&self) -> f64 {
        let (predicted, measured) = self.rejected;
        if predicted == measured {
            return 0.0;
        }
        let calls: u64 = self.jobs.iter().map(|j| u64::from(j.predicted_calls)).sum();
        predicted.abs_diff(measured) as f64 / (calls + predicted).max(1) as f64
    }

    /// Mean detection delay (job seconds) predicted, and measured up to the answer's
    /// arrival, over jobs both saw end; and the mean lateness of the final checks.
    pub fn delays(&self) -> Delays {
        let both: Vec<&JobComparison> = self
            .jobs
            .iter()
            .filter(|j| j.predicted_seen_at.is_some() && j.measured_received.is_some())
            .collect();
        let mean = |f: &dyn Fn(&JobComparison) -> f64| {
            both.iter().map(|j| f(j)).sum::<f64>() / both.len().max(1) as f64
        };
        Delays {
            jobs: both.len(),
            predicted: mean(&|j| j.predicted_seen_at.unwrap_or(0.0) - j.duration),
            measured: mean(&|j| j.measured_received.unwrap_or(0.0) - j.duration),
            lateness: mean(&|j| j.lateness().unwrap_or(0.0)),
        }
    }

    /// The criteria this policy misses, in words; empty when it passes.
    pub fn failures(&self, criteria: &Criteria) -> Vec<String> {
        if self.learns {
            return Vec::new();
        }
        let mut missed = Vec::new();
        if !self.order_dependent {
            // Without hints every difference must be one the wire's lateness
            // explains (a job seen one check early); how many there are is a
            // matter of the time scale (see `scale_note`), not a failure.
            // With hints lateness explains more, so the share is judged.
            if self.hints && self.agreement() < criteria.min_agreement {
                missed.push(format!(
                    "calls agree on {:.1}% of jobs (< {:.0}%)",
                    100.0 * self.agreement(),
                    100.0 * criteria.min_agreement
                ));
            }
            if self.unexplained() > 0 && !self.hints {
                missed.push(match self.unexplained() {
                    1 => "1 job differs in a way lateness does not explain".to_string(),
                    n => format!("{n} jobs differ in ways lateness does not explain"),
                });
            }
        }
        if self.calls_error() > criteria.max_calls_error {
            let (predicted, measured) = self.mean_calls();
            missed.push(format!(
                "mean calls per job {measured:.3} measured vs {predicted:.3} predicted (off by more than {:.0}%)",
                100.0 * criteria.max_calls_error
            ));
        }
        // The guards decide from the answers' times, so local rejections are
        // judged as calls are: a share of the checks the clients consulted.
        if self.rejected_error() > criteria.max_calls_error {
            let (predicted, measured) = self.rejected;
            missed.push(format!(
                "{measured} checks rejected locally measured vs {predicted} predicted (off by more than {:.0}% of the checks)",
                100.0 * criteria.max_calls_error
            ));
        }
        let (peak_p, peak_m) = self.load.peaks();
        // Two requests of slack: one check crossing a second's boundary moves
        // a small peak by more than any share.
        if (peak_m - peak_p).abs() > (criteria.max_peak_error * peak_p).max(PEAK_SLACK) {
            let (predicted, measured) = self.load.peaks();
            missed.push(format!(
                "peak {measured} requests/s measured vs {predicted} predicted (off by more than {:.0}%)",
                100.0 * criteria.max_peak_error
            ));
        }
        if let Some(overload) = &self.load.overload {
            missed.extend(overload.failures());
        }
        missed
    }

    /// Whether the policy meets every criterion.
    pub fn passes(&self, criteria: &Criteria) -> bool {
        self.failures(criteria).is_empty()
    }

    /// When lateness alone makes fewer than `min_agreement` of the jobs agree:
    /// the time scale is too small for this policy's intervals. Lateness in job
    /// seconds is the real lag divided by the time scale, and the share seen
    /// early grows with it, so a scale that many times larger would do.
    pub fn scale_note(&self, criteria: &Criteria, time_scale: f64) -> Option<String> {
        let differ = 1.0 - self.agreement();
        let allowed = 1.0 - criteria.min_agreement;
        let judged_by_explanation = !self.learns && !self.order_dependent && !self.hints;
        if !judged_by_explanation || self.unexplained() > 0 || differ <= allowed || allowed <= 0.0 {
            return None;
        }
        let needed = time_scale * differ / allowed;
        Some(format!(
            "note: {}: {:.1}% of jobs were seen one check early, each explained by the wire's lateness ({:.3} job s at time scale {time_scale}); the time scale is too small for its intervals: --time-scale {} or more would keep that under {:.0}%",
            self.policy,
            100.0 * differ,
            self.delays().lateness,
            round_up(needed),
            100.0 * allowed
        ))
    }
}

/// Mean delays in job seconds, up to when the client learned the final state.
/// Lateness (answer arrival minus schedule) includes the server's latency,
/// which the predicted delay already holds, so `measured - predicted` is the
/// wire's own lag: near zero when every job agrees, negative by the checks
/// saved on jobs seen early.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delays {
    /// Jobs both the simulator and the real client saw end.
    pub jobs: usize,
    /// Predicted mean detection delay (job seconds).
    pub predicted: f64,
    /// Measured mean delay up to the final answer's arrival (job seconds).
    pub measured: f64,
    /// Mean lateness of the final checks (job seconds).
    pub lateness: f64,
}
