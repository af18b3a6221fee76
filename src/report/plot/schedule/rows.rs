//! The rows of `schedule.png`: the duration density over the range where jobs
//! end, and each deterministic policy's check times over the same range.
//!
//! Checks are drawn over the support of the durations only: up to the last
//! time a job can finish. A schedule's "repeat the last interval" tail after
//! it is made by no job, so it is not drawn, and each row's count is the number
//! of checks drawn. When the longest jobs are seen only by one more check past
//! the end (a constant interval that does not divide it), the row says when
//! that check comes instead of stretching the axis for it. Unbounded
//! distributions have no last duration: there, checks are drawn up to a stated
//! high quantile ([`CUT`]).

use super::super::palette::Palette;
use super::super::style;
use crate::optimize::TuneResult;
use crate::policy::PolicySpec;
use crate::workload::Distribution;

/// Bars in the density histogram.
const BINS: usize = 120;
/// Most check times listed per policy (a tick every pixel is already solid).
pub(super) const MAX_CHECKS: usize = 20_000;
/// Where the time axis ends for durations without an upper bound.
pub(super) const CUT: f64 = 0.999;
use super::super::axis::LIMIT;

/// One deterministic policy's check times within the plotted range.
#[derive(Clone, Debug, PartialEq)]
pub struct Checks {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's [`Palette`].
    pub color: usize,
    /// The checks up to the last duration (or the cut), in order.
    pub times: Vec<f64>,
    /// The check after them that sees the longest jobs, when the durations end
    /// before it (see the module doc).
    pub next: Option<f64>,
    /// The list stops at `MAX_CHECKS`: the policy checks more often than that
    /// before the last job ends.
    pub truncated: bool,
}

/// Everything `schedule.png` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRows {
    /// The image's title: says whether these are the config's or the tuned policies.
    pub title: String,
    /// Time axis, seconds since submission; log when durations span decades.
    pub lo: f64,
    /// End of the time axis, seconds.
    pub hi: f64,
    /// Whether the time axis is logarithmic.
    pub log: bool,
    /// `Some(t)` when durations have no upper bound and checks are drawn only up
    /// to `t`, their `CUT` quantile (the image says so).
    pub cut: Option<f64>,
    /// Density histogram: `(from_s, to_s, % of jobs finishing in between)`.
    pub bins: Vec<(f64, f64, f64)>,
    /// One tick row per deterministic policy.
    pub checks: Vec<Checks>,
    /// Policies whose check times differ from job to job, so not drawn.
    pub omitted: Vec<String>,
}

/// The `p`-quantile of `dist`: the smallest `t` with `P(D <= t) >= p`, by
/// bisection on the survival (which every distribution offers exactly). The
/// bracket is found by doubling or halving from 1 s, so it is a factor of two
/// wide whether durations are milliseconds or 1e300 s, and the bisection
/// inside it never adds two huge numbers.
pub(super) fn quantile(dist: &Distribution, p: f64) -> f64 {
    let above = |t: f64| dist.survival(t) > 1.0 - p;
    // Invariant once found: S(lo) > 1 - p >= S(hi), hi <= 2 lo.
    let (mut lo, mut hi) = (0.5f64, 1.0f64);
    if above(hi) {
        while above(hi) {
            if hi == f64::MAX {
                return f64::MAX;
            }
            lo = hi;
            hi = (hi * 2.0).min(f64::MAX);
        }
    } else {
        while !above(lo) {
            if lo < f64::MIN_POSITIVE {
                return 0.0;
            }
            hi = lo;
            lo /= 2.0;
        }
    }
    for _ in 0..200 {
        let mid = lo + 0.5 * (hi - lo);
        if !(mid > lo && mid < hi) {
            break;
        }
        if above(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// The last duration a job can have, when there is one (bounded distributions
/// have `S = 0` at the end of their support).
fn support_end(dist: &Distribution) -> Option<f64> {
    let end = dist.upper(1e-12);
    (end.is_finite() && end > 0.0 && dist.survival(end) == 0.0).then_some(end)
}

impl ScheduleRows {
    /// The density of `dist` and the check times of every deterministic policy
    /// of the config, in the run's colors.
    pub fn new(dist: &Distribution, policies: &[PolicySpec], palette: &Palette) -> Self {
        let specs: Vec<&PolicySpec> = policies.iter().collect();
        Self::of(
            dist,
            &specs,
            palette,
            "Where the checks fall: job durations and each policy's check times",
        )
    }

    /// After tuning: each family's tuned policy, best first, and the optimal
    /// schedule (in ink) last.
    pub fn tuned(dist: &Distribution, result: &TuneResult, palette: &Palette) -> Self {
        let mut specs: Vec<&PolicySpec> = result.best.iter().map(|b| &b.spec).collect();
        specs.push(&result.optimal_spec);
        Self::of(
            dist,
            &specs,
            palette,
            "Tuned policies: job durations and each tuned policy's check times",
        )
    }

    /// Rows for `policies`, colored by `palette`.
    pub fn of(
        dist: &Distribution,
        policies: &[&PolicySpec],
        palette: &Palette,
        title: &str,
    ) -> Self {
        let end = support_end(dist);
        let first = quantile(dist, 0.001).min(LIMIT);
        let last = end.unwrap_or_else(|| quantile(dist, CUT)).min(LIMIT);
        let horizon = last;
        let mut checks = Vec::new();
        let mut omitted = Vec::new();
        for spec in policies {
            match spec.check_times(horizon, MAX_CHECKS) {
                Some(c) => {
                    let truncated =
                        c.times.len() >= MAX_CHECKS && c.times.last().is_some_and(|t| *t < horizon);
                    let (times, after): (Vec<f64>, Vec<f64>) = c
                        .times
                        .into_iter()
                        .filter(|t| t.is_finite())
                        // Summed intervals land a rounding error past a
                        // round end (40 checks a second apart at 40.000001 s).
                        .partition(|t| *t <= horizon * (1.0 + 1e-9));
                    checks.push(Checks {
                        policy: spec.name().to_string(),
                        color: palette.slot(spec.name()),
                        times,
                        next: after.first().copied().filter(|_| end.is_some()),
                        truncated,
                    });
                }
                None => omitted.push(spec.name().to_string()),
            }
        }
        let (lo, hi, log) = if style::wants_log(first, last, 20.0) {
            (first / 1.5, (last * 1.1).min(LIMIT), true)
        } else if last > 0.0 {
            (0.0, (last * 1.05).min(LIMIT), false)
        } else {
            (0.0, 1.0, false)
        };
        Self {
            title: title.to_string(),
            lo,
            hi,
            log,
            cut: end.is_none().then_some(last),
            bins: density(dist, lo, hi, log),
            checks,
            omitted,
        }
    }
}

/// The share of jobs ending in each bin of the axis. Linear bins are a round
/// number of seconds wide, so the axis reads "per 5 s"; log bins are evenly
/// spaced in log time.
fn density(dist: &Distribution, lo: f64, hi: f64, log: bool) -> Vec<(f64, f64, f64)> {
    let step = style::nice_step((hi - lo) / BINS as f64);
    let count = if log {
        BINS
    } else {
        // A nice step is at least the raw one, so this is about BINS; the
        // bound keeps it so when rounding is off at the ends of f64.
        (((hi - lo) / step).ceil() as usize).clamp(1, 2 * BINS)
    };
    let edge = |i: usize| {
        if log {
            lo * (hi / lo).powf(i as f64 / BINS as f64)
        } else {
            (lo + step * i as f64).min(hi)
        }
    };
    (0..count)
        .map(|i| {
            let (a, b) = (edge(i), edge(i + 1));
            (a, b, 100.0 * (dist.survival(a) - dist.survival(b)).max(0.0))
        })
        .collect()
}

impl Checks {
    /// The row's count as drawn: "7 checks", "5 checks, next at 504 s",
    /// "first 20000 checks".
    pub fn count_label(&self) -> String {
        let n = self.times.len();
        let noun = if n == 1 { "check" } else { "checks" };
        let mut label = if self.truncated {
            format!("first {n} {noun}")
        } else {
            format!("{n} {noun}")
        };
        if let Some(next) = self.next {
            if n == 0 {
                label = format!("first check at {} s", precise(next));
            } else {
                label.push_str(&format!(", next at {} s", precise(next)));
            }
        }
        label
    }
}

/// A time to a tenth of a second below 10,000 s: a check a moment after the
/// last duration ends must not read as the same time.
fn precise(t: f64) -> String {
    if (1.0..1e4).contains(&t) {
        let s = format!("{t:.1}");
        s.strip_suffix(".0").map_or(s.clone(), str::to_string)
    } else {
        style::tick(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Fixed, LogNormal, Uniform};

    fn policy(text: &str) -> PolicySpec {
        PolicySpec::from_toml(text).unwrap()
    }

    #[test]
    fn quantiles_by_bisection_match_closed_forms() {
        let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
        assert!((quantile(&dist, 0.5) - 300.0).abs() < 1e-6);
        assert!((quantile(&dist, 0.999) - 419.76).abs() < 1e-6);
        // The largest durations a config may name: no overflow to infinity.
        let huge = Distribution::Fixed(Fixed::new(1e308).unwrap());
        assert_eq!(quantile(&huge, 0.001), 1e308);
        // Log-normal quantiles are median · exp(σ z_p): z_0.999 = 3.0902.
        let wide = Distribution::LogNormal(LogNormal::new(60.0, 40.0).unwrap());
        let q = quantile(&wide, 0.999);
        let exact = 60.0 * (40.0 * 3.090_232_306_167_813_f64).exp();
        assert!((q / exact - 1.0).abs() < 1e-6, "{q} vs {exact}");
        let q = quantile(&wide, 0.001);
        assert!((q / (60.0 * (-40.0 * 3.090_232_306_167_813_f64).exp()) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn rows_hold_the_density_and_every_check_a_job_can_make() {
        let dist = Distribution::Uniform(Uniform::new(10.0, 5.0).unwrap());
        let policies = [
            policy("name = 'c'\nkind = 'constant'\ninterval = 4.0"),
            policy("name = 'j'\nkind = 'exponential'\njitter = 'full'"),
        ];
        let palette = Palette::new([vec!["j", "c"]]);
        let rows = ScheduleRows::new(&dist, &policies, &palette);
        assert!(!rows.log);
        assert_eq!(rows.cut, None);
        let total: f64 = rows.bins.iter().map(|b| b.2).sum();
        assert!((total - 100.0).abs() < 0.2, "{total}");
        // Jobs end by 15 s: checks up to then are drawn, and a job ending
        // after 12 s is seen by the check at 16 s, which the label names.
        assert_eq!(rows.checks.len(), 1);
        assert_eq!(rows.checks[0].times, vec![4.0, 8.0, 12.0]);
        assert_eq!(rows.checks[0].next, Some(16.0));
        assert_eq!(rows.checks[0].color, 1, "the palette's slot, not the index");
        assert_eq!(rows.checks[0].count_label(), "3 checks, next at 16 s");
        assert_eq!(rows.omitted, vec!["j".to_string()]);
    }

    #[test]
    fn a_schedule_that_repeats_is_drawn_only_up_to_the_last_duration() {
        // The optimal schedule ends exactly at the last duration and then
        // repeats its last interval: no job makes those repeats.
        let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
        let spec = policy(
            "name = 'optimal-schedule'\nkind = 'schedule'\nthen = 'repeat'\n\
             times = [244.3, 298.6, 342.9, 377.1, 401.4, 415.7, 420.0]",
        );
        let rows = ScheduleRows::new(&dist, &[spec], &Palette::default());
        assert_eq!(rows.checks[0].times.len(), 7);
        assert_eq!(rows.checks[0].times.last(), Some(&420.0));
        assert_eq!(rows.checks[0].next, None);
        assert_eq!(rows.checks[0].count_label(), "7 checks");
        assert_eq!(precise(420.3), "420.3");
        assert_eq!(precise(504.0), "504");
        assert_eq!(rows.checks[0].color, style::OPTIMAL_SLOT);
    }

    #[test]
    fn unbounded_durations_are_cut_at_a_stated_quantile() {
        let dist = Distribution::LogNormal(LogNormal::new(60.0, 1.0).unwrap());
        let every = policy("name = 'c'\nkind = 'constant'\ninterval = 30.0");
        let rows = ScheduleRows::new(&dist, &[every], &Palette::default());
        let cut = rows.cut.expect("log-normal durations have no upper bound");
        assert!((cut / (60.0 * 3.090_232_306_167_813_f64.exp()) - 1.0).abs() < 1e-6);
        let times = &rows.checks[0].times;
        assert!(times.iter().all(|t| *t <= cut));
        assert_eq!(times.len(), (cut / 30.0).floor() as usize);
        assert_eq!(rows.checks[0].next, None, "no last duration to see");
    }

    #[test]
    fn durations_spanning_decades_get_a_log_axis() {
        let dist = Distribution::Mixture(
            crate::workload::Mixture::new(vec![
                (0.5, Distribution::Fixed(Fixed::new(2.0).unwrap())),
                (0.5, Distribution::Fixed(Fixed::new(900.0).unwrap())),
            ])
            .unwrap(),
        );
        let rows = ScheduleRows::new(&dist, &[], &Palette::default());
        assert!(rows.log);
        assert!(rows.lo < 2.0 && rows.hi > 900.0);
    }

    #[test]
    fn extreme_durations_give_finite_rows_of_bounded_size() {
        // `kind = "fixed"`, `value = 1e308` once overflowed the bin count
        // ("capacity overflow") before anything was drawn.
        let every = policy("name = 'c'\nkind = 'constant'\ninterval = 5.0");
        for dist in [
            Distribution::Fixed(Fixed::new(1e308).unwrap()),
            Distribution::Fixed(Fixed::new(f64::MAX).unwrap()),
            Distribution::Fixed(Fixed::new(1e-300).unwrap()),
            Distribution::LogNormal(LogNormal::new(60.0, 40.0).unwrap()),
        ] {
            let rows = ScheduleRows::new(&dist, std::slice::from_ref(&every), &Palette::default());
            assert!(rows.lo.is_finite() && rows.hi.is_finite() && rows.hi > rows.lo);
            assert!(rows.bins.len() <= 2 * BINS, "{dist:?}");
            assert!(rows.checks[0].times.len() <= MAX_CHECKS, "{dist:?}");
        }
    }
}
