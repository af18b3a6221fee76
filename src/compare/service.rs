//! A policy on the user's own service against its prediction: pure functions
//! of the jobs' reports.
//!
//! A real service's jobs are not the simulator's (their durations are
//! unknown), so jobs are compared in aggregate: the calls per job predicted
//! for the config's workload against the measured mean and its standard
//! error, and the predicted detection delay against what the measurements
//! allow. A job seen at the answer of its first final check, which arrived
//! `first_final` after submission, ended after its last pending check was
//! sent (`last_pending`), so its delay lies in `[0, first_final −
//! last_pending)`; the mean delay lies between 0 and the mean width.

use super::{CheckResult, JobReport};
use crate::metrics::Moments;

/// One policy's jobs on the service and the prediction they are held to.
#[derive(Clone, Debug)]
pub struct ServiceComparison {
    /// The policy's name.
    pub policy: String,
    /// Calls per job the workload predicts.
    pub predicted_calls: f64,
    /// Detection delay (s) the workload predicts.
    pub predicted_delay: f64,
    /// Whether the prediction is exact (a deterministic policy) or simulated.
    pub exact: bool,
    /// Every job's report.
    pub reports: Vec<JobReport>,
}

impl ServiceComparison {
    /// Calls of the jobs the service created.
    pub fn calls(&self) -> Moments {
        let mut calls = Moments::default();
        for r in self.reports.iter().filter(|r| r.submitted.is_some()) {
            calls.add(f64::from(r.calls));
        }
        calls
    }

    /// Width of each final job's bracket: the most its delay can be.
    pub fn delay_bound(&self) -> Moments {
        let mut widths = Moments::default();
        for r in &self.reports {
            let Some(last) = r.final_check() else {
                continue;
            };
            let last_pending = r
                .checks
                .iter()
                .rev()
                .find(|c| c.result == CheckResult::Pending)
                .map_or(0.0, |c| c.sent);
            widths.add(last.received - last_pending);
        }
        widths
    }

    /// Jobs seen in a final state.
    pub fn finished(&self) -> usize {
        self.reports.iter().filter(|r| r.end.is_final()).count()
    }

    /// Whether the measured calls per job are within `max_calls_error` (a
    /// share of the prediction) or four standard errors of it, whichever is wider.
    pub fn calls_agree(&self, max_calls_error: f64) -> bool {
        let calls = self.calls();
        if calls.count() == 0 {
            return false;
        }
        let allowed = (max_calls_error * self.predicted_calls).max(4.0 * calls.std_error());
        (calls.mean() - self.predicted_calls).abs() <= allowed + 1e-9
    }

    /// Whether the predicted delay is one the brackets allow (at most their
    /// mean width, four standard errors included).
    pub fn delay_allowed(&self) -> bool {
        let bound = self.delay_bound();
        bound.count() == 0 || self.predicted_delay <= bound.mean() + 4.0 * bound.std_error() + 1e-9
    }

    /// One line for the terminal.
    pub fn describe(&self, max_calls_error: f64) -> String {
        let calls = self.calls();
        let bound = self.delay_bound();
        format!(
            "{}: {}/{} jobs final; calls per job {} {:.2}, measured {:.2} ± {:.2} ({}); delay {} {:.2} s, the brackets allow 0 to {:.2} s ({})",
            self.policy,
            self.finished(),
            self.reports.len(),
            if self.exact { "exactly" } else { "simulated" },
            self.predicted_calls,
            calls.mean(),
            calls.std_error(),
            if self.calls_agree(max_calls_error) {
                "agree"
            } else {
                "DIFFER"
            },
            if self.exact { "exactly" } else { "simulated" },
            self.predicted_delay,
            bound.mean(),
            if self.delay_allowed() {
                "consistent"
            } else {
                "too long"
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{CheckRecord, JobEnd};
    use std::time::{Duration, Instant};

    fn job(calls: u32, last_pending: f64, first_final: f64) -> JobReport {
        let mut checks: Vec<CheckRecord> = (1..calls)
            .map(|k| CheckRecord {
                at: k as f64,
                sent: if k + 1 == calls {
                    last_pending
                } else {
                    k as f64
                },
                received: k as f64,
                result: CheckResult::Pending,
            })
            .collect();
        checks.push(CheckRecord {
            at: first_final,
            sent: first_final,
            received: first_final,
            result: CheckResult::Final,
        });
        JobReport {
            id: "j".into(),
            index: 0,
            end: JobEnd::Completed,
            calls,
            elapsed: Duration::ZERO,
            creation_lag: 0.0,
            checks,
            errors: Vec::new(),
            submitted: Some(Instant::now()),
            last_hints: (None, None),
        }
    }

    #[test]
    fn calls_and_brackets_are_judged_against_the_prediction() {
        // Calls 3, 4, 5: mean 4, sd 1, standard error 1/√3.
        let c = ServiceComparison {
            policy: "p".into(),
            predicted_calls: 4.5,
            predicted_delay: 0.5,
            exact: true,
            reports: vec![job(3, 2.0, 3.0), job(4, 3.0, 4.0), job(5, 4.5, 5.0)],
        };
        assert_eq!(c.calls().mean(), 4.0);
        assert!((c.calls().std_error() - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        // Off by 0.5: within 4 standard errors, not within 5 %.
        assert!(c.calls_agree(0.05));
        let far = ServiceComparison {
            predicted_calls: 7.0,
            ..c.clone()
        };
        assert!(!far.calls_agree(0.05));
        // Brackets 1, 1, 0.5: mean 5/6.
        assert!((c.delay_bound().mean() - 5.0 / 6.0).abs() < 1e-12);
        assert!(c.delay_allowed());
        let slow = ServiceComparison {
            predicted_delay: 3.0,
            ..c
        };
        assert!(!slow.delay_allowed());
        assert!(
            slow.describe(0.05).contains("too long"),
            "{}",
            slow.describe(0.05)
        );
    }
}
