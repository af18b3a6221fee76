//! Axis choice shared by the plots: a linear or log x axis, picked from the data.
//!
//! Plotters types a chart by its coordinates, so a chart body is written once as
//! a generic function and [`XAxis::draw_with`] calls it with whichever range fits.

use super::PlotError;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use std::ops::Range;

/// An x axis over seconds (or counts), linear or logarithmic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XAxis {
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// A chart body generic over its x coordinate.
pub trait XBody {
    fn draw<X>(self, x: X, axis: XAxis) -> Result<(), PlotError>
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>;
}

impl XAxis {
    /// A linear axis from `lo` to `hi`, widened to a unit span if they coincide.
    pub fn linear(lo: f64, hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Self { lo, hi, log: false }
    }

    /// A log axis; `lo` must be positive.
    pub fn log(lo: f64, hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo * 10.0 };
        Self { lo, hi, log: true }
    }

    /// Where to draw `v`: on a log axis, values at or below the lower end (zero
    /// delays, say) are pinned to it rather than dropped.
    pub fn place(&self, v: f64) -> f64 {
        if self.log { v.max(self.lo) } else { v }
    }

    pub fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }

    /// " (log scale)" for axis descriptions, so the reader is told.
    pub fn note(&self) -> &'static str {
        if self.log { " (log scale)" } else { "" }
    }

    pub fn draw_with(self, body: impl XBody) -> Result<(), PlotError> {
        if self.log {
            body.draw(self.range().log_scale(), self)
        } else {
            body.draw(self.range(), self)
        }
    }
}
