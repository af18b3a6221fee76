//! What a client remembers of its recent jobs: one duration estimate each
//! (the midpoint between the last check that saw the job pending and the
//! check that saw it done), or, for `learned`, each job's bracket and the
//! schedule fitted to them. Learning families read it; the client keeps it.

use super::JobOutcome;
use std::collections::VecDeque;

/// The per-client memory of recent durations.
#[derive(Clone, Debug, Default)]
pub(crate) struct History {
    estimates: VecDeque<f64>,
    /// The `learned` family's brackets and fitted schedule.
    pub(crate) learned: super::learned::Memory,
}

impl History {
    pub(crate) fn record(&mut self, outcome: &JobOutcome, window: usize) {
        let Some(seen) = outcome.seen_at else {
            // A job given up on says only that it ran past the last check.
            self.push(outcome.last_pending, window);
            return;
        };
        self.push(0.5 * (outcome.last_pending + seen), window);
    }

    fn push(&mut self, estimate: f64, window: usize) {
        if self.estimates.len() == window {
            self.estimates.pop_front();
        }
        self.estimates.push_back(estimate);
    }

    /// The shortest remembered estimate: the earliest a new job plausibly ends.
    pub(crate) fn earliest(&self) -> Option<f64> {
        self.estimates.iter().copied().reduce(f64::min)
    }
}
