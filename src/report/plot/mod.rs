//! PNG plots: pure functions from result rows to PNG bytes.
//!
//! Each plot takes plain rows (built from simulation results by the `from_*`
//! constructors beside it) and returns the encoded image or a [`PlotError`]
//! that says, in words fit for `report.md`, why it could not be drawn. Nothing
//! here touches the file system: the command layer writes the bytes, and turns
//! an error into a note instead of failing the run.
//!
//! Every plot shares [`style`]: the bundled font, a 1600×1000 (or taller)
//! canvas, the policy colors and a legend column beside the data. Colors come
//! from one [`Palette`] per run, keyed by policy name: every `from_*`
//! constructor takes it, so a policy has one color in every plot. Every plot
//! function takes any finite rows (empty, a single point, values near
//! `f64::MAX`) and returns bytes or a [`PlotError`], never a panic. A new plot is a file with a row
//! type and a `fn(&rows) -> Result<Vec<u8>, PlotError>` built on
//! [`canvas::render`].

mod axis;
mod calls;
pub mod canvas;
mod delay_cdf;
mod heatmap;
mod labels;
mod learning;
mod legend;
mod lines;
mod load;
mod observed;
mod overload;
mod palette;
mod panels;
mod schedule;
pub mod style;
mod tradeoff;
mod validation;
mod validation_load;

pub use calls::{CallCounts, calls_png};
pub use delay_cdf::{DelayCdf, delay_cdf_png};
pub use heatmap::{HeatAxis, HeatmapRows, heatmap_png};
pub use learning::{LearningSeries, learning_png};
pub use load::{LoadSeries, load_png};
pub use observed::{ObservedRows, observed_png};
pub use overload::{OverloadSeries, overload_png};
pub use palette::{OPTIMAL_NAME, Palette};
pub use schedule::{Checks, ScheduleRows, schedule_png};
pub use tradeoff::{Marked, TradeoffFamily, TradeoffPoint, TradeoffRows, tradeoff_png};
pub use validation::{ValidationRows, validation_png};
pub use validation_load::{LoadPair, validation_load_png};

/// Why a plot was not drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    /// The rows hold nothing a chart could show (no policies, no detected jobs, …).
    #[error("nothing to draw: {0}")]
    NoData(String),
    /// The bundled font could not be registered.
    #[error("the bundled font could not be loaded: {0}")]
    Font(String),
    /// Plotters failed to draw.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}
