//! Reports: pure functions from result rows to bytes (CSV, PNG) or text (tables,
//! `report.md`). Only the command layer writes files.

pub mod csv;
pub mod observed;
pub mod page;
pub mod plot;
pub mod table;
pub mod tune;
pub mod validation;

/// `n` and the noun in the right number: "1 policy", "3 policies".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Four significant digits, trailing zeros cut: tuned values come from
/// refinement and carry noise digits that would only clutter the table.
pub(crate) fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `k = v` pairs of a tuned point.
pub(crate) fn params(values: &[(String, toml::Value)]) -> String {
    listed(values, " = ", ", ")
}

/// `k=v k=v`: the same, for narrow terminal tables.
pub(crate) fn params_compact(values: &[(String, toml::Value)]) -> String {
    listed(values, "=", " ")
}

fn listed(values: &[(String, toml::Value)], eq: &str, sep: &str) -> String {
    let shown: Vec<String> = values
        .iter()
        .map(|(k, v)| match v {
            toml::Value::Float(f) => format!("{k}{eq}{}", sig(*f)),
            toml::Value::Integer(i) => format!("{k}{eq}{i}"),
            toml::Value::String(s) => format!("{k}{eq}{s}"),
            other => format!("{k}{eq}{other}"),
        })
        .collect();
    if shown.is_empty() {
        "(no tuned parameters)".into()
    } else {
        shown.join(sep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value;

    #[test]
    fn tuned_values_are_shown_with_four_significant_digits() {
        assert_eq!(sig(0.941846), "0.9418");
        assert_eq!(sig(24.612274), "24.61");
        assert_eq!(sig(231.036067), "231");
        assert_eq!(sig(3.0), "3");
        let values = vec![
            ("lead".to_string(), Value::Float(0.941846)),
            ("window".to_string(), Value::Integer(3)),
            ("jitter".to_string(), Value::String("full".into())),
        ];
        assert_eq!(params(&values), "lead = 0.9418, window = 3, jitter = full");
        assert_eq!(params(&[]), "(no tuned parameters)");
        assert_eq!(params_compact(&values), "lead=0.9418 window=3 jitter=full");
    }
}
