//! `learning.png`: each policy's cost per job, as a moving average, as jobs
//! accumulate, against the cost of the optimal schedule computed with the
//! distribution known (a dashed line): the gap is the regret. Drawn when a
//! learning policy ran; the other policies are the flat references.

use super::PlotError;
use super::axis::XAxis;
use super::canvas;
use super::style::{self, draw_err};
use plotters::prelude::*;

/// One policy's moving-average cost per job.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningSeries {
    /// Policy name.
    pub policy: String,
    /// Palette slot, from the run's palette.
    pub color: usize,
    /// `(jobs so far, moving-average cost per job)`.
    pub points: Vec<(f64, f64)>,
}

/// `learning.png`: the series, and the optimum as a dashed line.
pub fn learning_png(rows: &[LearningSeries], optimum: f64) -> Result<Vec<u8>, PlotError> {
    let title = "Learning: cost per job (moving average) as jobs accumulate";
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
    let drawn: Vec<&LearningSeries> = rows
        .iter()
        .filter(|r| r.points.iter().any(|p| finite(&p)))
        .collect();
    if drawn.is_empty() || !optimum.is_finite() {
        return Err(PlotError::NoData("no job cost to draw".into()));
    }
    let end = drawn
        .iter()
        .flat_map(|r| r.points.iter().filter(finite).map(|p| p.0))
        .fold(1.0, f64::max);
    let peak = drawn
        .iter()
        .flat_map(|r| r.points.iter().filter(finite).map(|p| p.1))
        .fold(optimum, f64::max);
    let (x, y) = (XAxis::linear(0.0, end), XAxis::linear(0.0, peak * 1.05));
    canvas::render((style::WIDTH, style::HEIGHT), |root| {
        let body = canvas::titled(root, title)?;
        let (plot, legend) = body.split_horizontally(style::WIDTH - style::LEGEND_WIDTH);
        let mut entries: Vec<(String, RGBColor)> = drawn
            .iter()
            .map(|r| (r.policy.clone(), style::color(r.color)))
            .collect();
        entries.push(("optimum (known distribution)".into(), BLACK));
        style::draw_legend(&legend, "policy", &entries)?;
        let lines: Vec<(usize, &[(f64, f64)])> =
            drawn.iter().map(|r| (r.color, &r.points[..])).collect();
        let mut chart = super::lines::line_chart(
            &plot,
            (&x, &y),
            ("jobs so far", "cost per job, moving average"),
            &lines,
        )?;
        // Dashes of 1 % of the axis.
        let dash = end / 100.0;
        let dashes = (0..50).map(|k| {
            let a = 2.0 * k as f64 * dash;
            PathElement::new(
                vec![
                    (x.place(a), y.place(optimum)),
                    (x.place(a + dash), y.place(optimum)),
                ],
                BLACK.stroke_width(2),
            )
        });
        chart.draw_series(dashes).map_err(draw_err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_and_refuses_no_data() {
        let series = LearningSeries {
            policy: "l".into(),
            color: 0,
            points: (1..50)
                .map(|j| (f64::from(j), 5.0 + 10.0 / f64::from(j)))
                .collect(),
        };
        let png = learning_png(&[series], 5.0).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(matches!(learning_png(&[], 5.0), Err(PlotError::NoData(_))));
    }
}
