//! Every plot function on rows no real run produces: values from the smallest
//! subnormal to `f64::MAX` and their negatives, a single point, no rows at all,
//! counts near `u64::MAX`, hundreds of policies. Each must return a PNG that
//! decodes or a `PlotError` (which the command turns into a note), never
//! panic, and draw what can be drawn: a single point is a picture, no rows is
//! `NoData`.

use super::Image;
use pollsim::report::plot::{
    CallCounts, Checks, DelayCdf, HeatAxis, HeatmapRows, LoadPair, LoadSeries, Marked, Palette,
    PlotError, ScheduleRows, TradeoffFamily, TradeoffPoint, TradeoffRows, ValidationRows,
    calls_png, delay_cdf_png, heatmap_png, load_png, schedule_png, tradeoff_png,
    validation_load_png, validation_png,
};
use pollsim::workload::{Distribution, Fixed, LogNormal};
use proptest::prelude::*;

/// Values at the edges of f64 and of what a plot axis can hold.
const EXTREMES: [f64; 16] = [
    0.0,
    5e-324,
    f64::MIN_POSITIVE,
    1e-300,
    1e-9,
    0.5,
    1.0,
    420.0,
    1e6,
    1e15,
    1e300,
    1e308,
    f64::MAX,
    -1.0,
    -1e308,
    f64::MIN,
];

/// Each plot, with rows built from `v` (cycled through every numeric field)
/// and `n` points per series.
fn every_plot(v: &[f64], n: usize) -> Vec<(&'static str, Result<Vec<u8>, PlotError>)> {
    let at = |i: usize| if v.is_empty() { 1.0 } else { v[i % v.len()] };
    let pairs: Vec<(f64, f64)> = (0..n).map(|i| (at(2 * i), at(2 * i + 1))).collect();
    let count = |x: f64| x.abs().min(u64::MAX as f64) as u64;
    let slot = |i: usize| [0, 3, 17, usize::MAX][i % 4];
    let delay = vec![DelayCdf {
        policy: "d".into(),
        color: slot(0),
        points: pairs.clone(),
    }];
    let calls = vec![CallCounts {
        policy: "c".into(),
        color: slot(1),
        counts: pairs
            .iter()
            .map(|(k, j)| (k.abs().min(usize::MAX as f64) as usize, count(*j)))
            .collect(),
    }];
    let load = vec![LoadSeries {
        policy: "l".into(),
        color: slot(2),
        points: pairs.clone(),
    }];
    let pair = vec![LoadPair {
        policy: "p".into(),
        color: slot(3),
        predicted: pairs.clone(),
        measured: pairs.iter().map(|(s, r)| (*r, *s)).collect(),
    }];
    let validation = vec![ValidationRows {
        policy: "v".into(),
        color: slot(0),
        seen: pairs.clone(),
        jobs: count(at(0)) as usize,
        disagree: count(at(1)) as usize,
        unexplained: count(at(2)) as usize,
    }];
    let schedule = ScheduleRows {
        title: "s".into(),
        lo: at(0),
        hi: at(1),
        log: at(2) > 0.0,
        cut: Some(at(3)),
        bins: pairs.iter().map(|(a, b)| (*a, *b, at(4).abs())).collect(),
        checks: vec![Checks {
            policy: "s".into(),
            color: slot(1),
            times: pairs.iter().map(|p| p.0).collect(),
            next: Some(at(5)),
            truncated: at(6) > 0.0,
        }],
        omitted: vec!["jittered".into()],
    };
    let mark = |i: usize| Marked {
        calls: at(i),
        delay: at(i + 1),
        cost: at(i + 2),
    };
    let tradeoff = TradeoffRows {
        families: vec![
            TradeoffFamily {
                name: "f".into(),
                color: slot(2),
                best: Some((1, mark(0))),
            },
            TradeoffFamily {
                name: "g".into(),
                color: slot(3),
                best: None,
            },
        ],
        points: pairs
            .iter()
            .enumerate()
            .map(|(i, (c, d))| TradeoffPoint {
                family: i % 3,
                calls: *c,
                delay: *d,
                feasible: i % 2 == 0,
            })
            .collect(),
        frontier: pairs.clone(),
        optimal: Some(mark(3)),
        prices: Some((at(6), at(7))),
    };
    let side = n.max(2);
    let heatmap = HeatmapRows {
        family: "h".into(),
        rank: 1,
        objective: "cost per job".into(),
        x: HeatAxis {
            unit: Some("s"),
            name: "cap".into(),
            values: (0..side).map(at).collect(),
        },
        y: HeatAxis {
            unit: None,
            name: "initial".into(),
            values: (0..side).map(|i| at(i + 1)).collect(),
        },
        cells: (0..side * side)
            .map(|i| (n > 0 && i % 3 != 1).then(|| at(i)))
            .collect(),
        best: (n % side, 0),
        fixed: vec![("factor".into(), format!("{}", at(0)))],
    };
    vec![
        ("delay_cdf", delay_cdf_png(&delay)),
        ("calls", calls_png(&calls)),
        ("load", load_png(&load)),
        ("validation_load", validation_load_png(&pair)),
        ("validation", validation_png(&validation)),
        ("schedule", schedule_png(&schedule)),
        ("tradeoff", tradeoff_png(&tradeoff)),
        ("heatmap", heatmap_png(&heatmap)),
    ]
}

/// A result is a PNG that decodes to the house width, or a plot error.
fn png_or_error(plot: &str, result: &Result<Vec<u8>, PlotError>, input: &[f64]) {
    if let Ok(bytes) = result {
        let img = Image::decode(bytes);
        assert_eq!(img.width, 1600, "{plot} on {input:?}");
    }
}

#[test]
fn every_plot_takes_each_extreme_value_in_every_field() {
    // Each value beside a far-off one, in both orders and on both axes.
    for (i, &x) in EXTREMES.iter().enumerate() {
        let y = EXTREMES[(i + 5) % EXTREMES.len()];
        for input in [[x, y, 1.0, x], [y, x, x, 1.0]] {
            for (plot, result) in every_plot(&input, 2) {
                png_or_error(plot, &result, &input);
            }
        }
    }
}

#[test]
fn a_single_point_is_drawn_and_no_rows_are_no_data() {
    for (plot, result) in every_plot(&[1.0, 4.0, 2.0, 3.0, 5.0, 6.0, 1.0, 0.1], 1) {
        let bytes = result.unwrap_or_else(|e| panic!("{plot}: one point not drawn: {e}"));
        Image::decode(&bytes);
    }
    assert!(matches!(delay_cdf_png(&[]), Err(PlotError::NoData(_))));
    assert!(matches!(calls_png(&[]), Err(PlotError::NoData(_))));
    assert!(matches!(load_png(&[]), Err(PlotError::NoData(_))));
    assert!(matches!(
        validation_load_png(&[]),
        Err(PlotError::NoData(_))
    ));
    assert!(matches!(validation_png(&[]), Err(PlotError::NoData(_))));
    // Rows with every series empty are no data too, for every plot.
    for (plot, result) in every_plot(&[], 0) {
        assert!(
            matches!(result, Err(PlotError::NoData(_))),
            "{plot}: {result:?}"
        );
    }
}

#[test]
fn huge_counts_and_hundreds_of_policies_stay_on_a_bounded_canvas() {
    let many: Vec<CallCounts> = (0..300)
        .map(|i| CallCounts {
            policy: format!("policy-{i}-with-a-name-long-enough-to-be-cut-in-any-panel"),
            color: i,
            counts: vec![(0, u64::MAX), (usize::MAX, u64::MAX), (i, 1)],
        })
        .collect();
    let img = Image::decode(&calls_png(&many).unwrap());
    assert!(img.height < 4000, "{} px tall", img.height);
    let load: Vec<LoadPair> = (0..300)
        .map(|i| LoadPair {
            policy: format!("p{i}"),
            color: i,
            predicted: (0..2000).map(|s| (f64::from(s), 1e18)).collect(),
            measured: vec![(0.0, u64::MAX as f64)],
        })
        .collect();
    let img = Image::decode(&validation_load_png(&load).unwrap());
    assert!(img.height < 4000, "{} px tall", img.height);
    let schedule = ScheduleRows {
        title: "s".into(),
        lo: 0.0,
        hi: 100.0,
        log: false,
        cut: None,
        bins: vec![(0.0, 100.0, 100.0)],
        checks: (0..500)
            .map(|i| Checks {
                policy: format!("p{i}"),
                color: i,
                times: (0..20_000).map(|t| f64::from(t) * 0.005).collect(),
                next: None,
                truncated: true,
            })
            .collect(),
        omitted: (0..500).map(|i| format!("q{i}")).collect(),
    };
    let img = Image::decode(&schedule_png(&schedule).unwrap());
    assert!(img.height < 4000, "{} px tall", img.height);
}

#[test]
fn schedules_of_extreme_distributions_are_a_picture_or_a_note() {
    // `kind = "fixed"`, `value = 1e308` panicked with "capacity overflow"
    // while the schedule's rows were built (exit 101): now the rows are
    // finite and the plot says why it cannot draw them.
    let every = super::policy("name = 'c'\nkind = 'constant'\ninterval = 5.0");
    let palette = Palette::default();
    let huge = Distribution::Fixed(Fixed::new(1e308).unwrap());
    let rows = ScheduleRows::new(&huge, std::slice::from_ref(&every), &palette);
    let err = schedule_png(&rows).unwrap_err();
    assert!(matches!(err, PlotError::NoData(_)), "{err}");
    assert!(err.to_string().contains("1e300"), "{err}");
    // Log-normal σ = 40 spans 107 decades between its 0.1 % and 99.9 %
    // quantiles: drawn, on a log axis, cut at the stated quantile.
    let wide = Distribution::LogNormal(LogNormal::new(60.0, 40.0).unwrap());
    let rows = ScheduleRows::new(&wide, std::slice::from_ref(&every), &palette);
    assert!(rows.log && rows.cut.is_some(), "{rows:?}");
    Image::decode(&schedule_png(&rows).unwrap());
}

/// Finite values of every magnitude, the extremes above most often.
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => proptest::sample::select(EXTREMES.to_vec()),
        1 => proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
        1 => -1e3..1e3f64,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_plot_takes_any_finite_rows(v in proptest::collection::vec(finite(), 0..12), n in 0usize..5) {
        for (plot, result) in every_plot(&v, n) {
            png_or_error(plot, &result, &v);
        }
    }
}
