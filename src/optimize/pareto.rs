//! The Pareto frontier of (mean calls, mean detection delay): the points no other
//! point beats on both.

/// Indices of the non-dominated points, sorted by calls. A point is dominated
/// when another has no more calls and no more delay, and less of one of them.
/// Exact duplicates keep the lowest index.
pub fn frontier(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
            .then(a.cmp(&b))
    });
    let mut out = Vec::new();
    let mut best_delay = f64::INFINITY;
    for i in order {
        if points[i].1 < best_delay {
            best_delay = points[i].1;
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::frontier;

    #[test]
    fn keeps_exactly_the_non_dominated_points() {
        let points = [
            (10.0, 5.0),
            (5.0, 10.0),
            (7.0, 7.0),
            (8.0, 8.0),
            (5.0, 12.0),
            (20.0, 1.0),
            (10.0, 5.0),
        ];
        assert_eq!(frontier(&points), [1, 2, 0, 5]);
        // Brute force agrees on random clouds.
        for seed in 0..20u64 {
            let pts: Vec<(f64, f64)> = (0..60)
                .map(|i| {
                    let x = ((i * 7919 + seed * 104_729) % 1000) as f64;
                    let y = ((i * 6271 + seed * 7_331) % 997) as f64;
                    (x, y)
                })
                .collect();
            let mut brute: Vec<usize> = (0..pts.len())
                .filter(|&i| {
                    !pts.iter().enumerate().any(|(j, q)| {
                        let p = pts[i];
                        (q.0 <= p.0 && q.1 <= p.1 && (q.0 < p.0 || q.1 < p.1)) || (q == &p && j < i)
                    })
                })
                .collect();
            let mut got = frontier(&pts);
            brute.sort();
            got.sort();
            assert_eq!(got, brute);
        }
    }
}
