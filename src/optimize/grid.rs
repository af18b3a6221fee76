//! Parameter grids from `[tune.<name>]` tables: lists, linear and geometric ranges.
//!
//! Each grid point becomes a policy table in the config's own syntax and goes
//! through the same validation as a hand-written policy, so a tuned policy is
//! exactly what `simulate` and the HTTP client will load.

use crate::policy::{PolicySpec, RawPolicy};
use std::sync::Arc;
use toml::Value;

/// Most points one sweep may have.
pub const MAX_POINTS: u64 = 10_000_000;

/// A parameter's candidate values.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The parameter's name, as in `[[policies]]`.
    pub name: String,
    /// Shared, since settings are cloned and an axis may hold 10^7 values
    /// (80 bytes each).
    pub values: Arc<[Value]>,
    /// Numeric axes can be refined between grid values.
    pub numeric: bool,
}

/// One family's grid: `kind`, the fixed parameters, and the axes.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The grid's name (`[tune.<name>]`), also the tuned policy's name stem.
    pub name: String,
    /// The family to tune.
    pub kind: String,
    /// Parameters held fixed at every point.
    pub fixed: toml::Table,
    /// The tuned parameters, in config order; the last varies fastest.
    pub axes: Vec<Axis>,
}

/// A grid problem, with the field path (`tune.exponential.factor`) in `field`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct GridError {
    /// The field path.
    pub field: String,
    /// What is wrong and what to write instead.
    pub problem: String,
}

fn err(field: String, problem: impl Into<String>) -> GridError {
    GridError {
        field,
        problem: problem.into(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// `[start, end, count]` of a range.
fn range(field: &str, kind: &str, v: &Value) -> Result<(f64, f64, usize), GridError> {
    let bad = || {
        err(
            field.to_string(),
            format!("{kind} takes [start, end, count], e.g. {kind} = [1.0, 60.0, 10]"),
        )
    };
    let items = v.as_array().ok_or_else(bad)?;
    if items.len() != 3 {
        return Err(bad());
    }
    let (start, end) = (
        number(&items[0]).ok_or_else(bad)?,
        number(&items[1]).ok_or_else(bad)?,
    );
    let count = items[2].as_integer().ok_or_else(bad)?;
    if count <= 0 {
        return Err(err(
            field.to_string(),
            format!("count {count}: a range needs at least one value"),
        ));
    }
    if !(start.is_finite() && end.is_finite()) {
        return Err(err(
            field.to_string(),
            "start and end must be finite numbers",
        ));
    }
    if count > 1 && start == end {
        return Err(err(
            field.to_string(),
            format!("start = end = {start} with count {count}: the range is empty"),
        ));
    }
    Ok((start, end, count as usize))
}

fn axis(field: &str, name: &str, v: &Value) -> Result<Option<Axis>, GridError> {
    let values: Vec<Value> = match v {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(err(
                    field.to_string(),
                    "is an empty list: give at least one value",
                ));
            }
            items.clone()
        }
        Value::Table(t)
            if t.len() == 1 && (t.contains_key("linear") || t.contains_key("geometric")) =>
        {
            let (kind, spec) = t.iter().next().expect("one entry");
            let (start, end, count) = range(field, kind, spec)?;
            let at = |i: usize| -> f64 {
                if count == 1 {
                    return start;
                }
                let f = i as f64 / (count - 1) as f64;
                if kind == "linear" {
                    start + f * (end - start)
                } else {
                    start * (end / start).powf(f)
                }
            };
            if kind == "geometric" && !(start > 0.0 && end > 0.0) {
                return Err(err(
                    field.to_string(),
                    format!("geometric range [{start}, {end}] must be positive"),
                ));
            }
            (0..count).map(|i| Value::Float(at(i))).collect()
        }
        _ => return Ok(None),
    };
    let numeric = values.iter().all(|v| number(v).is_some());
    Ok(Some(Axis {
        name: name.to_string(),
        values: values.into(),
        numeric,
    }))
}

impl Grid {
    /// Parses `[tune.<name>]`. Keys that are lists or ranges become axes; other
    /// keys are fixed parameters. `kind` defaults to the table's name.
    pub fn parse(name: &str, table: &toml::Table) -> Result<Self, GridError> {
        let mut fixed = toml::Table::new();
        let mut axes = Vec::new();
        let mut kind = name.to_string();
        for (key, value) in table {
            let field = format!("tune.{name}.{key}");
            if key == "kind" {
                kind = value
                    .as_str()
                    .ok_or_else(|| err(field, "must be a policy family name"))?
                    .to_string();
                continue;
            }
            if key == "name" {
                return Err(err(field, "is set by the tuner (<grid name>-tuned)"));
            }
            // `times` of a schedule is a list value, not an axis.
            if key == "times" {
                fixed.insert(key.clone(), value.clone());
                continue;
            }
            match axis(&field, key, value)? {
                Some(a) => axes.push(a),
                None => {
                    fixed.insert(key.clone(), value.clone());
                }
            }
        }
        let grid = Self {
            name: name.to_string(),
            kind,
            fixed,
            axes,
        };
        let points = grid.points();
        if points > MAX_POINTS {
            return Err(err(
                format!("tune.{name}"),
                format!("{points} grid points: at most {MAX_POINTS} per grid"),
            ));
        }
        // Names and kinds are checked on the first point; a bad value at some
        // point (floor above start, say) only makes that point infeasible.
        if let Err(e) = grid.spec_at(&vec![0; grid.axes.len()]) {
            if e.field == "policy" {
                return Err(err(format!("tune.{name}"), e.problem));
            }
            if e.field == "kind" || e.problem.contains("not a parameter") {
                return Err(err(format!("tune.{name}.{}", e.field), e.problem));
            }
        }
        Ok(grid)
    }

    /// Points in the grid: the product of the axes' lengths.
    pub fn points(&self) -> u64 {
        self.axes.iter().map(|a| a.values.len() as u64).product()
    }

    /// Axis indices of point `index` (the last axis varies fastest).
    pub fn indices(&self, mut index: u64) -> Vec<usize> {
        let mut out = vec![0; self.axes.len()];
        for (slot, axis) in out.iter_mut().zip(&self.axes).rev() {
            let n = axis.values.len() as u64;
            *slot = (index % n) as usize;
            index /= n;
        }
        out
    }

    /// The policy table of a grid point.
    pub fn table_at(&self, indices: &[usize]) -> toml::Table {
        let values: Vec<(String, Value)> = self
            .axes
            .iter()
            .zip(indices)
            .map(|(a, &i)| (a.name.clone(), a.values[i].clone()))
            .collect();
        self.table_with(&values)
    }

    /// The policy table with the given axis values.
    pub fn table_with(&self, values: &[(String, Value)]) -> toml::Table {
        let mut table = self.fixed.clone();
        table.insert("name".into(), Value::String(format!("{}-tuned", self.name)));
        table.insert("kind".into(), Value::String(self.kind.clone()));
        for (k, v) in values {
            table.insert(k.clone(), v.clone());
        }
        table
    }

    /// The validated policy of a grid point.
    pub fn spec_at(&self, indices: &[usize]) -> Result<PolicySpec, crate::policy::PolicyError> {
        spec_from_table(self.table_at(indices))
    }
}

/// Validates a policy table through the config's own path.
pub fn spec_from_table(table: toml::Table) -> Result<PolicySpec, crate::policy::PolicyError> {
    let raw: RawPolicy = Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            crate::policy::PolicyError::new("policy", e.message().to_string())
        })?;
    PolicySpec::from_raw(&raw)
}

/// A number as short as it reads: `3`, `0.42`, `1.1e-5`.
pub fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e7) {
        return format!("{x:.3e}");
    }
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `k=v` pairs of a point's axis values, for CSV.
pub fn describe(values: &[(String, Value)]) -> String {
    values
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!(
                "{k}={}",
                number(other).map_or_else(
                    || other.to_string(),
                    |x| format!("{x:.6}")
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string()
                )
            ),
        })
        .collect::<Vec<_>>()
        .join(";")
}
