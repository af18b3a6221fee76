//! Grid edges: a tuned best on an end of its grid axis may have its optimum
//! beyond it, so the run says which parameter, which end, and to widen it.

use super::grid::{self, Grid};
use toml::Value;

/// A tuned parameter at an end of its grid axis.
#[derive(Clone, Debug, PartialEq)]
pub struct GridEdge {
    /// The parameter's name.
    pub param: String,
    /// The winning value, at the axis's end.
    pub value: f64,
    /// The axis's other end, to say how it spans.
    pub other_end: f64,
    /// `true`: the lower end (widen downwards); `false`: the upper end.
    pub lower: bool,
}

impl GridEdge {
    /// "factor = 3 is the upper end of its grid [1.1, 3]".
    pub fn describe(&self) -> String {
        let (lo, hi) = if self.lower {
            (self.value, self.other_end)
        } else {
            (self.other_end, self.value)
        };
        format!(
            "{} = {} is the {} end of its grid [{}, {}]: widen it {}",
            self.param,
            grid::short(self.value),
            if self.lower { "lower" } else { "upper" },
            grid::short(lo),
            grid::short(hi),
            if self.lower { "downwards" } else { "upwards" },
        )
    }
}

/// The numeric parameters of `values` that sit on an end of their axis.
pub(super) fn edges(grid: &Grid, values: &[(String, Value)]) -> Vec<GridEdge> {
    let number = |v: &Value| match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    };
    let mut found = Vec::new();
    for (axis, (_, value)) in grid.axes.iter().zip(values) {
        let xs: Vec<f64> = axis.values.iter().filter_map(number).collect();
        let Some(x) = number(value) else { continue };
        if !axis.numeric || xs.len() < 2 {
            continue;
        }
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let near = |end: f64| (x - end).abs() <= 1e-9 * end.abs().max(1.0);
        if near(lo) {
            found.push(GridEdge {
                param: axis.name.clone(),
                value: x,
                other_end: hi,
                lower: true,
            });
        } else if near(hi) {
            found.push(GridEdge {
                param: axis.name.clone(),
                value: x,
                other_end: lo,
                lower: false,
            });
        }
    }
    found
}
