//! What a policy must show to pass validation, and how the verdict states it.

/// Lowest calls agreement a (non-learning) policy may show. At the default time
/// scale a check lands ~0.1 job seconds late (1 ms of timer and loopback lag), so
/// a policy checking every 5 s near the job's end sees ~2% of jobs one check early.
pub const DEFAULT_MIN_AGREEMENT: f64 = 0.95;

/// Requests by which the measured peak may differ from the predicted one
/// whatever its size.
pub(super) const PEAK_SLACK: f64 = 2.0;

/// What a policy must show to pass. Defaults are documented on each field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Criteria {
    /// Least share of jobs with the predicted number of calls (judged when the
    /// server decides each check independently of other clients'). Default 0.95.
    pub min_agreement: f64,
    /// Largest relative error of the mean calls per job. Default 0.05.
    pub max_calls_error: f64,
    /// Largest relative error of the peak requests per second (two requests
    /// always allowed). Default 0.15.
    pub max_peak_error: f64,
}

impl Criteria {
    /// The rules a passing policy met, as the verdict states them.
    pub fn describe(&self) -> String {
        format!(
            "mean calls per job within {:.0}% of the simulator's; peak requests per second within {:.0}% or {PEAK_SLACK} requests; where no rate limit makes answers depend on arrival order, every job's calls agree or differ by a check the wire's lateness explains (with ETA or Retry-After hints, at least {:.0}% of jobs agree); with capacity keys, the mean time at the server per second outside the outages, and the recovery time, within {:.0}% (recovery: or 1 s)",
            100.0 * self.max_calls_error,
            100.0 * self.max_peak_error,
            100.0 * self.min_agreement,
            100.0 * super::MAX_OVERLOAD_ERROR
        )
    }
}

/// Two significant digits, rounded up: a time scale to suggest.
pub(super) fn round_up(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x;
    }
    let e = x.log10().floor() as i32 - 1;
    // A hair below the next unit: 0.02 computed as 0.020000000000000004 stays 0.02.
    let units = (x / 10f64.powi(e) - 1e-9).ceil();
    // Dividing two exact integers rounds once, so 22 / 1000 prints as 0.022.
    if e < 0 {
        units / 10f64.powi(-e)
    } else {
        units * 10f64.powi(e)
    }
}

impl Default for Criteria {
    fn default() -> Self {
        Self {
            min_agreement: DEFAULT_MIN_AGREEMENT,
            max_calls_error: 0.05,
            max_peak_error: 0.15,
        }
    }
}
