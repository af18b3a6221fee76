//! Progress of a long run, on stderr: a bar with the time left on a terminal;
//! elsewhere (a log, CI) a line with the share done and an estimate every
//! minute, the first after ten seconds. Short runs print nothing.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts finished work against a known total; shared by worker threads.
pub(crate) struct Progress {
    what: &'static str,
    total: u64,
    done: AtomicU64,
    started: Instant,
    bar: Option<ProgressBar>,
    /// When the next line is due (no terminal).
    next_line: Mutex<Instant>,
}

const FIRST_LINE: Duration = Duration::from_secs(10);
const EVERY: Duration = Duration::from_secs(60);

impl Progress {
    /// `what` names the unit, e.g. "job-simulations".
    pub(crate) fn new(total: u64, what: &'static str) -> Self {
        let started = Instant::now();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{bar:40}} {{percent}}% of {{len}} {what}, {{eta}} left"
                ))
                .expect("a valid template"),
            );
            bar
        });
        Self {
            what,
            total,
            done: AtomicU64::new(0),
            started,
            bar,
            next_line: Mutex::new(started + FIRST_LINE),
        }
    }

    pub(crate) fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
            return;
        }
        let now = Instant::now();
        let mut next = self.next_line.lock().unwrap_or_else(|e| e.into_inner());
        if now < *next || done >= self.total {
            return;
        }
        *next = now + EVERY;
        eprintln!("{}", self.line(done, now - self.started));
    }

    fn line(&self, done: u64, elapsed: Duration) -> String {
        let share = done as f64 / self.total.max(1) as f64;
        let left = if done == 0 {
            "unknown".into()
        } else {
            human(elapsed.as_secs_f64() * (1.0 - share) / share)
        };
        format!(
            "progress: {:.1}% of {} {} after {}, about {left} left",
            100.0 * share,
            self.total,
            self.what,
            human(elapsed.as_secs_f64())
        )
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// "42 s", "12 min", "3.5 h", "2.1 days".
fn human(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_estimates_the_time_left_from_the_rate_so_far() {
        let p = Progress::new(1_000, "jobs");
        // A quarter done in 30 s: 90 s to go.
        assert_eq!(
            p.line(250, Duration::from_secs(30)),
            "progress: 25.0% of 1000 jobs after 30 s, about 90 s left"
        );
        assert_eq!(human(7_200.0 * 3.0), "6.0 h");
        assert_eq!(human(86_400.0 * 3.0), "3.0 days");
    }
}
