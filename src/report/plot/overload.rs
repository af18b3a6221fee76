//! `overload.png`: what a server with finite capacity went through under
//! each policy, second by second: the queue an arriving check found (top)
//! and the mean time a served check spent at the server (bottom), with the
//! outages shaded, so a policy that keeps the server drowned after the
//! trigger is gone shows as a line that never comes back down. Both y axes
//! are logarithmic, so a recovering policy's line stays readable beside a
//! drowned one's, orders of magnitude above it; where lines coincide, the
//! earlier policies' wider strokes show around the later ones'.

use super::PlotError;
use super::axis::XAxis;
use super::canvas;
use super::style::{self, HouseMesh};
use plotters::prelude::*;

/// One policy's per-second overload figures.
#[derive(Clone, Debug, PartialEq)]
pub struct OverloadSeries {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's palette.
    pub color: usize,
    /// `(second, mean queue length an arrival saw)`, seconds with arrivals only.
    pub queue: Vec<(f64, f64)>,
    /// `(second, mean time at the server of the checks served, s)`.
    pub latency: Vec<(f64, f64)>,
}

/// `overload.png`: queue and latency panels, `outages` (`[start, end)`,
/// seconds) shaded in both.
pub fn overload_png(rows: &[OverloadSeries], outages: &[(f64, f64)]) -> Result<Vec<u8>, PlotError> {
    let title = "Overload: the queue and the time at the server, second by second";
    let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let points = |pick: fn(&OverloadSeries) -> &[(f64, f64)]| {
        rows.iter()
            .flat_map(move |r| pick(r).iter().copied().filter(finite))
    };
    if points(|r| &r.queue).next().is_none() && points(|r| &r.latency).next().is_none() {
        return Err(PlotError::NoData("no check reached the server".into()));
    }
    let end = points(|r| &r.queue)
        .chain(points(|r| &r.latency))
        .map(|p| p.0 + 1.0)
        .chain(outages.iter().map(|o| o.1).filter(|t| t.is_finite()))
        .fold(1.0, f64::max);
    // Log y axes: a drowned server's queue (10^6 checks) and latency (10^3 s)
    // would flatten a recovering policy's line onto zero on a linear one.
    // From the smallest positive value (at most nine decades below the top);
    // zeros (an idle second) sit on the bottom edge.
    let y_axis = |pick: fn(&OverloadSeries) -> &[(f64, f64)]| {
        let hi = points(pick).map(|p| p.1).fold(0.0, f64::max).max(1e-3);
        let lo = points(pick)
            .map(|p| p.1)
            .filter(|v| *v > 0.0)
            .fold(hi, f64::min)
            .max(hi * 1e-9);
        XAxis::log(lo / 1.5, hi * 1.5)
    };
    let x = XAxis::linear(0.0, end);
    let (queue_y, latency_y) = (y_axis(|r| &r.queue), y_axis(|r| &r.latency));
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(root, title)?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        let mut entries: Vec<(String, RGBColor)> = rows
            .iter()
            .map(|r| (r.policy.clone(), style::color(r.color)))
            .collect();
        if !outages.is_empty() {
            entries.push(("outage".into(), style::tint(BLACK, 0.85)));
        }
        style::draw_legend(&legend, "policy", &entries)?;
        let (upper, lower) = plot.split_vertically(plot.dim_in_pixel().1 / 2);
        let panels = [
            (&upper, &queue_y, "checks waiting", true),
            (&lower, &latency_y, "time at the server (s)", false),
        ];
        for (area, y, y_desc, queue) in panels {
            let mut chart = ChartBuilder::on(area)
                .margin(20)
                .x_label_area_size(70)
                .y_label_area_size(90)
                .build_cartesian_2d(x.range(), y.log_coord())
                .map_err(style::draw_err)?;
            chart
                .configure_mesh()
                .x_desc("seconds since the run's start")
                .y_desc(format!("{y_desc}{}", y.note()))
                .x_label_formatter(&|v| style::tick(*v))
                .y_label_formatter(&|v| style::tick(*v))
                .house_style()
                .max_light_lines(1)
                .draw()
                .map_err(style::draw_err)?;
            // Before an outage every policy sees the same idle server, and
            // after it the recovering ones share the floor: equal lines
            // would hide all but the last drawn. Each earlier line is drawn
            // wider, so the ones beneath show as a rim around the later.
            for (i, r) in rows.iter().enumerate() {
                let under = (rows.len() - 1 - i).min(2) as u32;
                let line = style::color(r.color).stroke_width(1 + 2 * under);
                let points: Vec<(f64, f64)> = if queue { &r.queue[..] } else { &r.latency[..] }
                    .iter()
                    .copied()
                    .filter(finite)
                    .collect();
                // A second without data (nothing served in an outage) breaks
                // the line rather than bridging it with a slope never measured.
                for run in points.chunk_by(|a, b| b.0 - a.0 <= 1.0) {
                    chart
                        .draw_series(LineSeries::new(
                            run.iter().map(|p| (x.place(p.0), y.place(p.1))),
                            line,
                        ))
                        .map_err(style::draw_err)?;
                }
            }
            let (lo, hi) = (y.lo, y.hi);
            let shade = style::tint(BLACK, 0.85).mix(0.5).filled();
            chart
                .draw_series(outages.iter().filter(|o| o.0 < o.1).map(|&(a, b)| {
                    Rectangle::new([(x.place(a), lo), (x.place(b.min(end)), hi)], shade)
                }))
                .map_err(style::draw_err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(policy: &str, color: usize, level: f64) -> OverloadSeries {
        OverloadSeries {
            policy: policy.into(),
            color,
            queue: (0..120)
                .map(|s| (s as f64, level * (s % 7) as f64))
                .collect(),
            latency: (0..120).map(|s| (s as f64, level * 0.01)).collect(),
        }
    }

    #[test]
    fn draws_a_png_and_refuses_an_empty_run() {
        let rows = [series("fixed", 0, 3.0), series("budget", 1, 0.5)];
        let png = overload_png(&rows, &[(30.0, 90.0)]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let empty = OverloadSeries {
            queue: Vec::new(),
            latency: vec![(1.0, f64::NAN)],
            ..series("none", 0, 1.0)
        };
        assert!(matches!(
            overload_png(&[empty], &[]),
            Err(PlotError::NoData(_))
        ));
    }

    #[test]
    fn a_policy_whose_line_another_covers_still_shows() {
        // Two policies that saw exactly the same server: the later line lies
        // on the earlier, which must still show around it.
        let rows = [series("first", 0, 3.0), series("second", 1, 3.0)];
        let png = overload_png(&rows, &[]).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let pixels = &buf[..info.buffer_size()];
        // Only the plot's columns: the legend draws each color too.
        let plot = (style::WIDTH - style::LEGEND_WIDTH) as usize;
        for slot in [0, 1] {
            let c = style::color(slot);
            let count = pixels
                .chunks_exact(3 * info.width as usize)
                .flat_map(|line| line[..3 * plot].chunks_exact(3))
                .filter(|p| p == &[c.0, c.1, c.2])
                .count();
            assert!(count > 1000, "color {slot}: {count} pixels in the plot");
        }
    }
}
