//! Each plot rendered from a small fixed result set, decoded and inspected:
//! the right size, not a blank canvas, a title drawn in dark text, and the data
//! drawn in the policy's palette color inside the plot area.

use super::support::policy;
use pollsim::metrics::Accumulator;
use pollsim::report::plot::{
    CallCounts, DelayCdf, PlotError, ScheduleRows, calls_png, delay_cdf_png, schedule_png, style,
};
use pollsim::workload::{Distribution, Uniform};

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
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
    fn count(
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

    fn all(&self, f: impl Fn([u8; 3]) -> bool) -> usize {
        self.count((0, self.width), (0, self.height), f)
    }
}

fn dark(p: [u8; 3]) -> bool {
    p.iter().all(|c| *c < 90)
}

fn is(slot: usize) -> impl Fn([u8; 3]) -> bool {
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
        .enumerate()
        .map(|(i, (name, acc))| DelayCdf::from_accumulator(name, i, acc))
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
        .enumerate()
        .map(|(i, (name, acc))| CallCounts::from_accumulator(name, i, acc))
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
    // "fast" makes 1–5 calls, "slow" 10–29: on the shared axis (0–29), fast's
    // bars are all in the left fifth of its panel.
    let right = img.count((img.width / 3, img.width), (80, half), is(0));
    assert_eq!(right, 0, "fast's bars reach past a third of the axis");
}

#[test]
fn schedule_draws_the_density_and_a_tick_row_per_deterministic_policy() {
    let dist = Distribution::Uniform(Uniform::new(300.0, 120.0).unwrap());
    let policies = [
        policy("name = 'every-30s'\nkind = 'constant'\ninterval = 30.0"),
        policy("name = 'jittered'\nkind = 'exponential'\njitter = 'full'"),
        policy("name = 'late'\nkind = 'schedule'\ntimes = [200.0, 300.0, 400.0]"),
    ];
    let rows = ScheduleRows::new(&dist, &policies);
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
    let rows = [DelayCdf::from_accumulator("gives-up", 0, &never)];
    let err = delay_cdf_png(&rows).unwrap_err();
    assert!(matches!(err, PlotError::NoData(_)));
    assert!(
        err.to_string().contains("no policy detected any job"),
        "{err}"
    );
    assert!(matches!(calls_png(&[]), Err(PlotError::NoData(_))));
}
