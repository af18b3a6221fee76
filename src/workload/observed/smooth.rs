//! The smoothing step of the EMS algorithm (Silverman, Jones, Wilson &
//! Nychka 1990) on the cells of [`super::cells::histogram`]: after each
//! Turnbull step, neighbouring cells trade mass toward a common density.
//!
//! Why: the learned policy's cells lie between the check times of its last
//! twenty schedules, so most hold a few brackets' worth of jobs, and the
//! self-consistency step piles each run of overlapping brackets' mass into
//! the cell they share (on mixed.toml's workload the cell before a check
//! many schedules kept held twice its true mass, which kept the next
//! schedule checking there). The films' density is smooth, so pooling
//! neighbours cuts that noise; the clips' edge at 15 s must stay sharp.
//!
//! Across the boundary between cells `a` and `b` (widths `w`, masses `p`,
//! densities `f = p/w` per second, both masses positive) the step moves
//! `t = (s/2)·min(w_a, w_b)·(f_a − f_b)·e^(−(ln(f_a/f_b))²/EDGE²)`
//! from `a` to `b`, all boundaries from the same masses. On equal cells
//! with `s = 1` and no edge weight that is Silverman's `(¼, ½, ¼)` on the
//! masses. The narrower width bounds the trade by the smaller cell, so a
//! cell gives at most half its mass across each boundary (masses stay ≥ 0,
//! their sum is kept) and a long cell's shape is not drowned by a short
//! neighbour's. The edge weight is a bilateral filter's (Tomasi & Manduchi
//! 1998): neighbours whose densities differ by noise (a ratio within
//! e^±0.5) trade nearly fully, the clips' cell before 15 s and the films'
//! after it (a ratio near e^7) not at all. Densities are per second of
//! time, not of log time: a uniform workload (long.toml's) is flat per
//! second, so pooling it is unbiased.

/// Scale of the edge weight, in `ln` of the density ratio: measured over
/// 16 seeds of the tests' three workloads, 1.5 and 2 came out alike, 1 let
/// noise through, 3 smeared mixed.toml's films' rising tail.
pub const EDGE: f64 = 2.0;

/// One smoothing step of `masses` (on the cells between `ends`), strength
/// `s` in [0, 1]; `flux` is scratch of one entry per cell.
pub fn smooth(ends: &[f64], masses: &mut [f64], s: f64, flux: &mut [f64]) {
    let m = masses.len();
    if s <= 0.0 || m < 2 {
        return;
    }
    for c in 0..m - 1 {
        let (p, q) = (masses[c], masses[c + 1]);
        let (wa, wb) = (ends[c + 1] - ends[c], ends[c + 2] - ends[c + 1]);
        flux[c] = if p > 0.0 && q > 0.0 && wa > 0.0 && wb > 0.0 {
            let (fa, fb) = (p / wa, q / wb);
            let r = (fa / fb).ln() / EDGE;
            0.5 * s * wa.min(wb) * (fa - fb) * (-r * r).exp()
        } else {
            0.0
        };
    }
    for c in 0..m - 1 {
        masses[c] -= flux[c];
        masses[c + 1] += flux[c];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoothed(ends: &[f64], masses: &[f64]) -> Vec<f64> {
        let mut p = masses.to_vec();
        let mut flux = vec![0.0; p.len()];
        smooth(ends, &mut p, 1.0, &mut flux);
        p
    }

    #[test]
    fn neighbours_trade_toward_a_common_density() {
        // Cells (0,1], (1,2], (2,3] with 0.2, 0.4, 0.4: across the first
        // boundary t = ½·1·(0.2 − 0.4)·e^(−(ln ½)²/4) = −0.1·0.886 8…, the
        // second has equal densities and trades nothing.
        let p = smoothed(&[0.0, 1.0, 2.0, 3.0], &[0.2, 0.4, 0.4]);
        let t = 0.1 * (-(2.0_f64.ln().powi(2)) / 4.0).exp();
        assert!((t - 0.088_68).abs() < 1e-5);
        assert!((p[0] - (0.2 + t)).abs() < 1e-15 && (p[1] - (0.4 - t)).abs() < 1e-15);
        assert_eq!(p[2], 0.4);
        // Unequal widths: (0,1] with 0.1 and (1,3] with 0.3, densities 0.1
        // and 0.15; the narrower width 1 bounds the trade:
        // t = ½·1·(−0.05)·e^(−(ln ⅔)²/4) = −0.025·0.959 7….
        let p = smoothed(&[0.0, 1.0, 3.0], &[0.1, 0.3]);
        let t = 0.025 * (-(1.5_f64.ln().powi(2)) / 4.0).exp();
        assert!((t - 0.023_99).abs() < 1e-5);
        assert!((p[0] - (0.1 + t)).abs() < 1e-15 && (p[1] - (0.3 - t)).abs() < 1e-15);
    }

    #[test]
    fn a_sharp_edge_stays_sharp_and_mass_is_kept() {
        // Clips: (5,15] with 0.7 (0.07 per second); films: (15,300] with
        // 0.01 (3.5e-5 per second), a ratio of e^7.6: the weight e^(−14.4)
        // lets through under 1e-6 of the clips' mass.
        let p = smoothed(&[5.0, 15.0, 300.0], &[0.7, 0.01]);
        assert!((p[1] - 0.01).abs() < 1e-6, "{p:?}");
        assert!((p[0] + p[1] - 0.71).abs() < 1e-15);
        // A cell without mass neither gives nor takes; none goes negative.
        let p = smoothed(&[0.0, 1.0, 2.0, 3.0], &[0.5, 0.0, 0.5]);
        assert_eq!(p, [0.5, 0.0, 0.5]);
        let p = smoothed(&[0.0, 1.0, 2.0, 3.0], &[1e-3, 1.0, 1e-3]);
        assert!(p.iter().all(|&x| x >= 0.0), "{p:?}");
        assert!((p.iter().sum::<f64>() - 1.002).abs() < 1e-14);
    }
}
