//! `overload.png`: what a server with finite capacity went through under
//! each policy, second by second: the queue an arriving check found (top)
//! and the mean time a served check spent at the server (bottom), with the
//! outages shaded, so a policy that keeps the server drowned after the
//! trigger is gone shows as a line that never comes back down.

use super::PlotError;
use super::axis::XAxis;
use super::canvas;
use super::style;
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
    let top = |pick: fn(&OverloadSeries) -> &[(f64, f64)]| {
        points(pick).map(|p| p.1).fold(0.0, f64::max).max(1e-3) * 1.05
    };
    let x = XAxis::linear(0.0, end);
    let (queue_y, latency_y) = (
        XAxis::linear(0.0, top(|r| &r.queue)),
        XAxis::linear(0.0, top(|r| &r.latency)),
    );
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
            let lines: Vec<(usize, &[(f64, f64)])> = rows
                .iter()
                .map(|r| (r.color, if queue { &r.queue[..] } else { &r.latency[..] }))
                .collect();
            let mut chart = super::lines::line_chart(
                area,
                (&x, y),
                ("seconds since the run's start", y_desc),
                &lines,
            )?;
            let (lo, hi) = (y.place(0.0), y.place(y.range().end));
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
}
