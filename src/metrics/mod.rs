//! Per-policy summaries: means with 95% confidence intervals, percentiles, hit
//! rate, efficiency ratio, score and cost.
//!
//! Accumulators are merged in a fixed order (chunk by chunk), so floating-point
//! sums, and therefore every printed digit, do not depend on the thread count.
//! Memory is bounded: calls per job are counted exactly in a vector indexed by the
//! call count, detection delays go to a log-linear histogram (0.1% buckets);
//! only `exact_percentiles` keeps every delay.

mod accumulator;
pub mod bits;
mod histogram;
mod moments;
mod scoring;
mod summary;

pub use accumulator::{Accumulator, FloatSums};
pub use histogram::LogHistogram;
pub use moments::Moments;
pub use scoring::Scoring;
pub use summary::{Exact, LoadStats, OverloadFigures, Stat, Summary};
