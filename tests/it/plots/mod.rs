//! Each plot rendered from a small fixed result set, decoded and inspected:
//! the right size, not a blank canvas, a title drawn in dark text, and the data
//! drawn in the policy's palette color inside the plot area. `colors` checks
//! that one policy has one color across the plots of a run, `extreme` that no
//! plot panics on extreme rows.

mod colors;
mod extreme;

use super::support::{policy, repo};
use pollsim::config::Config;
use pollsim::metrics::Accumulator;
use pollsim::optimize::{Evaluator, TuneResult, TuneSettings, tune};
use pollsim::report::plot::{
    CallCounts, DelayCdf, HeatmapRows, Palette, PlotError, ScheduleRows, TradeoffRows, calls_png,
    delay_cdf_png, heatmap_png, schedule_png, style, tradeoff_png,
};
use pollsim::workload::{Distribution, JobSource, Uniform};

pub(crate) struct Image {
    pub width: u32,
    pub height: u32,
    rgb: Vec<u8>,
}

impl Image {
    pub(crate) fn decode(bytes: &[u8]) -> Image {
        let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("PNG pixels");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb: buf,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = 3 * (y as usize * self.width as usize + x as usize);
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Pixels in the box `[x0, x1) × [y0, y1)` that satisfy `f`.
    pub(crate) fn count(
        &self,
        (x0, x1): (u32, u32),
        (y0, y1): (u32, u32),
        f: impl Fn([u8; 3]) -> bool,
    ) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                n += usize::from(f(self.pixel(x, y)));
            }
        }
        n
    }

    pub(crate) fn all(&self, f: impl Fn([u8; 3]) -> bool) -> usize {
        self.count((0, self.width), (0, self.height), f)
    }
}

fn dark(p: [u8; 3]) -> bool {
    p.iter().all(|c| *c < 90)
}

pub(crate) fn is(slot: usize) -> impl Fn([u8; 3]) -> bool {
    let c = style::color(slot);
    move |p| p == [c.0, c.1, c.2]
}

/// Checks shared by every plot: size, not blank, a dark title across the top
/// centre, and no data color in the title band.
fn common(img: &Image, width: u32, min_height: u32) {
    assert_eq!(img.width, width);
    assert!(img.height >= min_height, "height {}", img.height);
    let white = img.all(|p| p == [255, 255, 255]);
    let total = (img.width * img.height) as usize;
    assert!(
        white < total * 98 / 100,
        "{white} of {total} pixels are white: a blank canvas"
    );
    let title = img.count((width / 4, 3 * width / 4), (0, 70), dark);
    assert!(
        title > 1500,
        "only {title} dark pixels where the title goes"
    );
}

/// The palette of the two policies below: "fast" slot 0, "slow" slot 1.
fn two() -> Palette {
    Palette::new([vec!["fast", "slow"]])
}

/// Two policies over 1000 jobs of 100 s: "fast" sees jobs 0–5 s late with
/// 1–5 calls, "slow" 0–50 s late with 10–29 calls.
fn accumulators() -> [(&'static str, Accumulator); 2] {
    let mut fast = Accumulator::new(false);
    let mut slow = Accumulator::new(false);
    for i in 0..1000u32 {
        let f = f64::from(i % 100);
        fast.add(100.0, false, 1 + i % 5, Some(100.0 + f / 20.0));
        slow.add(100.0, i % 50 == 0, 10 + i % 20, Some(100.0 + f / 2.0));
    }
    [("fast", fast), ("slow", slow)]
}

#[test]
fn delay_cdf_draws_a_line_per_policy_in_its_color() {
    let rows: Vec<DelayCdf> = accumulators()
        .iter()
        .map(|(name, acc)| DelayCdf::from_accumulator(name, &two(), acc))
        .collect();
    let img = Image::decode(&delay_cdf_png(&rows).unwrap());
    common(&img, style::WIDTH, style::HEIGHT);
    // The plot area lies left of the legend column and below the title.
    let plot = (120, style::WIDTH - style::LEGEND_WIDTH);
    for slot in 0..2 {
        let line = img.count(plot, (90, style::HEIGHT - 120), is(slot));
        assert!(line > 500, "policy {slot}: {line} pixels of its line");
        let legend = img.count(
            (style::WIDTH - style::LEGEND_WIDTH, style::WIDTH),
            (0, style::HEIGHT),
            is(slot),
        );
        assert!(
            legend > 100,
            "policy {slot}: {legend} pixels of its legend swatch"
        );
    }
    // Axis labels and descriptions are drawn under and left of the plot.
    assert!(
        img.count((0, 60), (200, 800), dark) > 300,
        "y axis description"
    );
    assert!(
        img.count((200, 1100), (style::HEIGHT - 80, style::HEIGHT), dark) > 500,
        "x axis description"
    );
}

#[test]
fn calls_draws_one_panel_of_bars_per_policy() {
    let rows: Vec<CallCounts> = accumulators()
        .iter()
        .map(|(name, acc)| CallCounts::from_accumulator(name, &two(), acc))
        .collect();
    let img = Image::decode(&calls_png(&rows).unwrap());
    common(&img, style::WIDTH, style::HEIGHT);
    // Two policies: one column, "fast" on top, "slow" below.
    let half = img.height / 2;
    let top = img.count((0, img.width), (80, half), is(0));
    let bottom = img.count((0, img.width), (half, img.height), is(1));
    assert!(
        top > 5000 && bottom > 5000,
        "bars: {top} and {bottom} pixels"
    );
    assert_eq!(
        img.count((0, img.width), (half + 40, img.height), is(0)),
        0,
        "fast's bars stay in its panel"
    );
    // "fast" makes 1–5 calls, "slow" 10–29: each panel spans its own range,
    // so fast's five bars fill its panel instead of the left sixth of a 0–29
    // axis, and slow's start at its left edge instead of a third of the way in.
    for (slot, band) in [(0, (80, half)), (1, (half, img.height))] {
        let columns: Vec<u32> = (0..img.width)
            .filter(|x| img.count((*x, x + 1), band, is(slot)) > 0)
            .collect();
        let (first, last) = (columns[0], *columns.last().unwrap());
        assert!(first < 200, "policy {slot}: bars start at x = {first}");
        assert!(
            last > img.width - 200,
            "policy {slot}: bars end at x = {last}"
        );
    }
}

#[test]
fn schedule_draws_the_density_and_a_tick_row_per_deterministic_policy() {
    let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
    let policies = [
        policy("name = 'every-30s'\nkind = 'constant'\ninterval = 30.0"),
        policy("name = 'jittered'\nkind = 'exponential'\njitter = 'full'"),
        policy("name = 'late'\nkind = 'schedule'\ntimes = [200.0, 300.0, 400.0]"),
    ];
    let palette = Palette::new([vec!["every-30s", "jittered", "late"]]);
    let rows = ScheduleRows::new(&dist, &policies, &palette);
    assert_eq!(rows.omitted, vec!["jittered".to_string()]);
    let img = Image::decode(&schedule_png(&rows).unwrap());
    common(&img, style::WIDTH, style::HEIGHT);
    let fill = |p: [u8; 3]| p == [0x9D, 0xB9, 0xD3];
    // The density: jobs end between 180 and 420 s of a 0–441 s axis, so the
    // fill covers the right part of the top panel and nothing left of 150 s.
    let density = img.count((0, img.width), (80, 500), fill);
    assert!(density > 100_000, "{density} pixels of density");
    let left_edge = img.count((0, 500), (80, 500), fill);
    assert_eq!(left_edge, 0, "density drawn before any job ends");
    // Ticks: every-30s (slot 0) checks 14 times, late (slot 2) 3 times.
    let ticks = |slot| img.count((0, img.width), (500, img.height), is(slot));
    let (every, late) = (ticks(0), ticks(2));
    assert!(
        every > 3 * late && late > 50,
        "tick pixels: {every} vs {late}"
    );
    assert_eq!(ticks(1), 0, "the jittered policy has no tick row");
    // The note naming the omitted policy sits at the bottom.
    assert!(
        img.count((0, img.width), (img.height - 60, img.height), |p| p
            != [255, 255, 255])
            > 200
    );
}

#[test]
fn plots_without_data_say_why_instead_of_drawing() {
    let mut never = Accumulator::new(false);
    never.add(100.0, false, 1, None);
    let rows = [DelayCdf::from_accumulator(
        "gives-up",
        &Palette::default(),
        &never,
    )];
    let err = delay_cdf_png(&rows).unwrap_err();
    assert!(matches!(err, PlotError::NoData(_)));
    assert!(
        err.to_string().contains("no policy detected any job"),
        "{err}"
    );
    assert!(matches!(calls_png(&[]), Err(PlotError::NoData(_))));
}

/// A small real tuning run on jobs uniform on [180, 420] s: a constant grid,
/// an exponential grid over three numeric axes, and a manual grid whose early
/// checks give up on jobs (infeasible under `max_give_up_rate = 0`).
const TUNED: &str = r#"
seed = 3
jobs = 2000
[workload.distribution]
kind = "uniform"
base = 300.0
spread = 120.0
[[policies]]
name = "c"
kind = "constant"
interval = 10.0
[tune]
jobs = 2000
[tune.constraints]
max_give_up_rate = 0.0
[tune.constant]
interval = { geometric = [2.0, 120.0, 12] }
[tune.exponential]
initial = { geometric = [1.0, 60.0, 4] }
factor = [1.5, 2.0, 3.0]
cap = { geometric = [10.0, 120.0, 6] }
[tune.manual]
initial_delay = { linear = [300.0, 500.0, 5] }
"#;

fn tuned(text: &str) -> (Config, TuneSettings, TuneResult) {
    let config = Config::from_text(&repo().join("configs/case.toml"), text).unwrap();
    let settings = config.tune.clone().unwrap();
    let source = JobSource::new(config.workload.clone(), config.seed);
    let jobs = settings.jobs.unwrap();
    let evaluator = Evaluator::new(
        source,
        jobs,
        config.seed,
        1,
        config.scoring.clone(),
        &settings,
    );
    let result = tune(&settings, &evaluator, &|_| {});
    (config, settings, result)
}

#[test]
fn tradeoff_rows_hold_every_valid_point_by_family_and_rank() {
    let (config, settings, result) = tuned(TUNED);
    let palette = Palette::for_run(&config);
    let rows = TradeoffRows::from_tune(&settings, &result, &config.scoring, &palette);
    assert_eq!(rows.points.len(), result.rows.len(), "every point is valid");
    assert_eq!(rows.frontier.len(), result.pareto.len());
    // Legend order is rank order, and each family has its name's color in the
    // run's palette: distinct, and `constant` the one of the grid listed first.
    let ranks: Vec<usize> = rows.families.iter().map(|f| f.best.unwrap().0).collect();
    assert_eq!(ranks, vec![1, 2, 3]);
    for (i, f) in rows.families.iter().enumerate() {
        assert_eq!(palette.slot(&f.name), f.color, "{}", f.name);
        assert!(rows.families[i + 1..].iter().all(|g| g.color != f.color));
    }
    assert_eq!(palette.slot("constant"), 0);
    // A single check before 420 s gives up on longer jobs: drawn, as infeasible.
    let infeasible = rows.points.iter().filter(|p| !p.feasible).count();
    assert_eq!(
        infeasible, 3,
        "one check at 300, 350 or 400 s misses the longer jobs"
    );
}

#[test]
fn tradeoff_draws_points_frontier_and_marks_in_their_colors() {
    let (config, settings, result) = tuned(TUNED);
    let palette = Palette::for_run(&config);
    let rows = TradeoffRows::from_tune(&settings, &result, &config.scoring, &palette);
    let img = Image::decode(&tradeoff_png(&rows).unwrap());
    common(&img, style::WIDTH, style::HEIGHT);
    let plot = (120, style::WIDTH - style::LEGEND_WIDTH);
    let legend = (style::WIDTH - style::LEGEND_WIDTH, style::WIDTH);
    for f in &rows.families {
        let points = img.count(plot, (80, style::HEIGHT - 90), is(f.color));
        assert!(points > 150, "{}: {points} pixels of its points", f.name);
        let swatch = img.count(legend, (0, style::HEIGHT), is(f.color));
        assert!(swatch > 80, "{}: {swatch} pixels of its swatch", f.name);
    }
    // The frontier and the optimal schedule's diamond are drawn in ink.
    let ink = |p: [u8; 3]| p == [style::INK.0, style::INK.1, style::INK.2];
    let frontier = img.count(plot, (80, style::HEIGHT - 90), ink);
    assert!(frontier > 600, "{frontier} ink pixels in the plot");
    // Axis descriptions and tick labels under and left of the plot.
    assert!(
        img.count((200, 1100), (style::HEIGHT - 80, style::HEIGHT), dark) > 500,
        "x axis description"
    );
    assert!(
        img.count((0, 60), (200, 800), dark) > 300,
        "y axis description"
    );
    // Legend text: family names and their numbers.
    assert!(img.count(legend, (40, 400), dark) > 2000, "legend text");
}

#[test]
fn heatmap_maps_the_family_with_two_numeric_axes_and_marks_its_best_cell() {
    let (_, settings, result) = tuned(TUNED);
    let rows = HeatmapRows::from_tune(&settings, &result).unwrap();
    // Only the exponential grid has two numeric axes; cap (6 values) and
    // initial (4) have the most.
    assert_eq!(rows.family, "exponential");
    assert_eq!(
        (rows.x.name.as_str(), rows.y.name.as_str()),
        ("cap", "initial")
    );
    assert_eq!(rows.cells.len(), 24);
    assert_eq!(rows.fixed.len(), 1);
    assert_eq!(rows.fixed[0].0, "factor");
    let (bx, by) = rows.best;
    let best = rows.cells[by * 6 + bx].unwrap();
    assert!(rows.cells.iter().flatten().all(|v| *v >= best));

    let img = Image::decode(&heatmap_png(&rows).unwrap());
    common(&img, style::WIDTH, style::HEIGHT);
    let plot = (120, style::WIDTH - style::LEGEND_WIDTH);
    // The best cell has the lowest value, so the darkest color of the map, and a red outline.
    let lowest = |p: [u8; 3]| p == [0x44, 0x01, 0x54];
    assert!(
        img.count(plot, (100, style::HEIGHT - 90), lowest) > 2000,
        "best cell"
    );
    let red = |p: [u8; 3]| p == [0xE0, 0x1B, 0x24];
    assert!(
        img.count(plot, (80, style::HEIGHT), red) > 1000,
        "best cell outline"
    );
    // The color bar in the legend column runs from that color to yellow.
    let legend = (style::WIDTH - style::LEGEND_WIDTH, style::WIDTH);
    let yellow = |p: [u8; 3]| p[0] > 0xE0 && p[1] > 0xD0 && p[2] < 0x60;
    assert!(
        img.count(legend, (0, 600), lowest) > 30,
        "color bar's low end"
    );
    assert!(
        img.count(legend, (0, 600), yellow) > 30,
        "color bar's high end"
    );
    assert!(img.count(legend, (0, 600), dark) > 300, "color bar labels");
    // Tick labels under the cells.
    assert!(
        img.count((150, 1100), (style::HEIGHT - 110, style::HEIGHT), dark) > 500,
        "x labels and description"
    );
}

#[test]
fn no_family_with_two_numeric_axes_means_no_heatmap() {
    let text = TUNED
        .split("[tune.exponential]")
        .next()
        .unwrap()
        .to_string();
    let (_, settings, result) = tuned(&text);
    let err = HeatmapRows::from_tune(&settings, &result).unwrap_err();
    assert!(matches!(err, PlotError::NoData(_)));
    assert!(err.to_string().contains("two numeric parameters"), "{err}");
}
