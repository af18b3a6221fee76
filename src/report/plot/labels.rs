//! Placing point labels so that none overlaps another label or a labeled point.
//!
//! Tuned families often land on almost the same point (a constant interval and
//! an exponential with factor 1.1 are nearly one policy), so labels written next
//! to their points would pile up. Each label instead takes the first free spot
//! on rings of growing radius around its point, and the caller draws a leader
//! line back to the point. Placement is a pure function of pixel positions, so
//! it is tested without drawing anything.

/// A box in pixels: `[x0, x1) × [y0, y1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    fn centered((cx, cy): (i32, i32), (w, h): (u32, u32)) -> Self {
        let (w, h) = (w as i32, h as i32);
        Rect {
            x0: cx - w / 2,
            y0: cy - h / 2,
            x1: cx - w / 2 + w,
            y1: cy - h / 2 + h,
        }
    }

    fn grow(self, by: i32) -> Self {
        Rect {
            x0: self.x0 - by,
            y0: self.y0 - by,
            x1: self.x1 + by,
            y1: self.y1 + by,
        }
    }

    #[cfg(test)]
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn overlap_area(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0);
        i64::from(w) * i64::from(h)
    }

    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.y0 >= o.y0 && self.x1 <= o.x1 && self.y1 <= o.y1
    }

    pub(super) fn center(&self) -> (i32, i32) {
        ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
    }

    /// The point of the box's border closest to `p` (where a leader line ends).
    pub(super) fn nearest(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (x.clamp(self.x0, self.x1 - 1), y.clamp(self.y0, self.y1 - 1))
    }
}

/// Space kept clear around each labeled point, in pixels.
const POINT_RADIUS: i32 = 10;
/// Gap kept between two labels.
const GAP: i32 = 4;
/// Distances from the point tried, nearest first.
const RINGS: [i32; 9] = [14, 26, 42, 62, 86, 114, 150, 200, 260];
/// Directions tried on each ring: right, up-right, up, … (screen y grows down).
const DIRECTIONS: usize = 16;

/// Boxes for labels of `sizes` near `anchors`, inside `bounds`, in order: earlier
/// labels get the closer spots. No box overlaps another or covers an anchor while
/// any free spot remains; if none does, the spot with the least overlap is used.
pub(super) fn place(anchors: &[(i32, i32)], sizes: &[(u32, u32)], bounds: Rect) -> Vec<Rect> {
    let points: Vec<Rect> = anchors
        .iter()
        .map(|&a| Rect::centered(a, (1, 1)).grow(POINT_RADIUS))
        .collect();
    let mut placed: Vec<Rect> = Vec::with_capacity(anchors.len());
    for (&anchor, &size) in anchors.iter().zip(sizes) {
        let (w, h) = (size.0 as i32, size.1 as i32);
        let mut best: Option<(i64, Rect)> = None;
        'search: for r in RINGS {
            for k in 0..DIRECTIONS {
                let angle = std::f64::consts::TAU * k as f64 / DIRECTIONS as f64;
                let (dx, dy) = (angle.cos(), -angle.sin());
                // The box's near edge, not its centre, sits at distance r.
                let cx = anchor.0 + (dx * (f64::from(r) + f64::from(w) / 2.0)).round() as i32;
                let cy = anchor.1 + (dy * (f64::from(r) + f64::from(h) / 2.0)).round() as i32;
                let rect = Rect::centered((cx, cy), size);
                if !rect.inside(&bounds) {
                    continue;
                }
                let padded = rect.grow(GAP);
                let clash: i64 = placed
                    .iter()
                    .chain(&points)
                    .map(|o| padded.overlap_area(o))
                    .sum();
                if clash == 0 {
                    best = Some((0, rect));
                    break 'search;
                }
                if best.is_none_or(|(c, _)| clash < c) {
                    best = Some((clash, rect));
                }
            }
        }
        // Nothing fits inside the bounds at all (a tiny canvas): sit on the point.
        let rect = best.map_or_else(|| Rect::centered(anchor, size), |(_, r)| r);
        placed.push(rect);
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Rect = Rect {
        x0: 0,
        y0: 0,
        x1: 1000,
        y1: 800,
    };

    #[test]
    fn labels_of_coincident_points_do_not_overlap_each_other_or_the_points() {
        // Eleven points within a few pixels, as tuned families often are.
        let anchors: Vec<(i32, i32)> = (0..11).map(|i| (400 + i % 3, 300 + i / 4)).collect();
        let sizes = vec![(40, 28); anchors.len()];
        let boxes = place(&anchors, &sizes, BOUNDS);
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.inside(&BOUNDS));
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
            for p in &anchors {
                let point = Rect::centered(*p, (1, 1));
                assert!(!a.overlaps(&point), "{a:?} covers the point {p:?}");
            }
        }
    }

    #[test]
    fn a_lone_label_sits_next_to_its_point_and_stays_inside_the_bounds() {
        let boxes = place(&[(500, 400)], &[(40, 28)], BOUNDS);
        let (cx, cy) = boxes[0].center();
        assert!((cx - 500).abs() < 60 && (cy - 400).abs() < 60, "{boxes:?}");
        // A point in the corner: its label goes inwards.
        let boxes = place(&[(995, 5)], &[(80, 28)], BOUNDS);
        assert!(boxes[0].inside(&BOUNDS), "{boxes:?}");
    }

    #[test]
    fn leader_lines_end_on_the_box_border() {
        let r = Rect {
            x0: 10,
            y0: 10,
            x1: 50,
            y1: 30,
        };
        assert_eq!(r.nearest((0, 20)), (10, 20));
        assert_eq!(r.nearest((100, 100)), (49, 29));
    }
}
