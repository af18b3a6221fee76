//! What to deploy: the answer a run owes its user, from everything it measured.
//!
//! The candidates are the optimal schedule (a deployable `schedule` policy),
//! each tuned family's best, and the config's own policies as simulated. The
//! recommendation without per-job hints is the cheapest candidate that needs
//! none; with hints (only when the workload gives them) the cheapest that
//! reads them, when it beats the first. Each comes with its regret against
//! the optimal schedule and the policy itself, to paste into a config.

use super::TuneResult;
use crate::metrics::Summary;
use crate::policy::PolicySpec;

/// Where a candidate comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The cost-optimal checking schedule.
    Optimal,
    /// A tuned family's best point.
    Tuned,
    /// One of the config's own policies, as simulated.
    Configured,
}

/// One policy that could be deployed, with what it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The policy, ready for a config.
    pub spec: PolicySpec,
    /// Where it comes from.
    pub origin: Origin,
    /// Expected cost per job.
    pub cost: f64,
    /// Mean calls per job.
    pub calls: f64,
    /// Mean detection delay, seconds.
    pub delay: f64,
    /// Cost above the optimal schedule's, percent (negative: it beats it).
    pub regret_pct: f64,
}

/// The run's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// The cheapest policy that needs no per-job hint.
    pub without_hints: Candidate,
    /// The cheapest policy fed each job's duration hint, when the workload
    /// gives hints and it beats [`Self::without_hints`].
    pub with_hints: Option<Candidate>,
    /// The cheapest tuned family without hints, when the pick without hints is
    /// the optimal schedule: a simpler shape to deploy, at its regret.
    pub simplest: Option<Candidate>,
}

/// Picks what to deploy from a tuning result and the config's simulated
/// policies (`configured`: each spec with its summary).
pub fn recommend(result: &TuneResult, configured: &[(&PolicySpec, &Summary)]) -> Recommendation {
    let bound = result.optimal.cost;
    let regret = |cost: f64| 100.0 * (cost - bound) / bound;
    let mut candidates = vec![Candidate {
        spec: result.optimal_spec.clone(),
        origin: Origin::Optimal,
        cost: bound,
        calls: result.optimal.calls,
        delay: result.optimal.delay,
        regret_pct: 0.0,
    }];
    candidates.extend(result.best.iter().map(|b| Candidate {
        spec: b.spec.clone(),
        origin: Origin::Tuned,
        cost: b.point.cost,
        calls: b.point.calls,
        delay: b.point.delay,
        regret_pct: b.regret_pct,
    }));
    for (spec, summary) in configured {
        // A tuned.toml loaded as the config's policies repeats tuned names.
        let known = candidates.iter().any(|c| c.spec.name() == spec.name());
        if !known && summary.cost.is_finite() {
            candidates.push(Candidate {
                spec: (*spec).clone(),
                origin: Origin::Configured,
                cost: summary.cost,
                calls: summary.calls.mean,
                delay: summary.delay.mean,
                regret_pct: regret(summary.cost),
            });
        }
    }
    // Cheapest first; ties keep the order above (the optimal schedule first).
    candidates.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    let without_hints = candidates
        .iter()
        .find(|c| !c.spec.needs_hint())
        .cloned()
        .expect("the optimal schedule needs no hint");
    let with_hints = candidates
        .iter()
        .find(|c| c.spec.needs_hint())
        .filter(|c| c.cost < without_hints.cost)
        .cloned();
    let simplest = (without_hints.origin == Origin::Optimal)
        .then(|| {
            candidates
                .iter()
                .find(|c| c.origin == Origin::Tuned && !c.spec.needs_hint())
                .cloned()
        })
        .flatten();
    Recommendation {
        without_hints,
        with_hints,
        simplest,
    }
}

/// The policy as a `[[policies]]` block to paste into a config.
pub fn policy_block(spec: &PolicySpec) -> String {
    #[derive(serde::Serialize)]
    struct Block {
        policies: Vec<crate::policy::RawPolicy>,
    }
    toml::to_string(&Block {
        policies: vec![spec.to_raw()],
    })
    .expect("policies serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_block_loads_back_as_the_same_policy() {
        let spec = PolicySpec::from_toml(
            "name = 's'\nkind = 'schedule'\ntimes = [10.0, 20.5]\nthen = 'repeat'",
        )
        .unwrap();
        let block = policy_block(&spec);
        assert!(block.starts_with("[[policies]]\n"), "{block}");
        #[derive(serde::Deserialize)]
        struct File {
            policies: Vec<crate::policy::RawPolicy>,
        }
        let file: File = toml::from_str(&block).unwrap();
        assert_eq!(PolicySpec::from_raw(&file.policies[0]).unwrap(), spec);
    }
}
