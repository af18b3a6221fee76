//! A discrete-event queue ordered by (time, insertion sequence).
//!
//! Ties resolve in insertion order (FIFO), so a run processes simultaneous
//! events the same way every time, whatever else is going on.
//!
//! A simulation's clock only moves forward and almost every event is
//! scheduled at or after the event being handled, so the queue is a radix
//! heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) over the times' bits rather
//! than a comparison heap: an event waits in the bucket of the highest bit in
//! which its time differs from the last time popped, and moves to a lower
//! bucket only when every earlier bucket is empty. A pop is then amortised
//! over a few bucket moves instead of a sift through a tree of tens of
//! thousands of events, which at BENCH-3's 60,000 jobs in flight was half of
//! the simulator's time.
//!
//! Why ties stay FIFO: every bucket holds its events in insertion order.
//! Pushes append; a bucket is refilled only from a higher one, in that
//! bucket's order, and only while it is empty. Events due at the last time
//! popped wait in their own queue in that order, behind the ones already
//! there. An event scheduled before the last time popped (the clock's
//! rounding can do this by an ulp) goes to a small comparison heap that is
//! served first: the order is the (time, sequence) order throughout, tested
//! against a sorted model.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// An event and its time, as an order-preserving key (see [`key`]).
struct Entry<E> {
    key: u64,
    event: E,
}

/// An event scheduled before the last time popped.
struct Late<E> {
    key: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Late<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.seq) == (other.key, other.seq)
    }
}
impl<E> Eq for Late<E> {}
impl<E> PartialOrd for Late<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Late<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.key, self.seq).cmp(&(other.key, other.seq))
    }
}

/// `time`'s bits as an unsigned integer ordered as [`f64::total_cmp`] orders times.
#[inline(always)]
fn key(time: f64) -> u64 {
    let bits = time.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The time whose [`key`] is `key`.
#[inline(always)]
fn time(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Min-queue of events by (time, sequence).
pub struct EventQueue<E> {
    /// Events due at `last`, in insertion order.
    due: VecDeque<Entry<E>>,
    /// `buckets[b]`: events whose key's highest bit differing from `last` is `b`.
    buckets: [Vec<Entry<E>>; 64],
    /// Bit `b` set when `buckets[b]` is not empty.
    occupied: u64,
    /// The key of the last time popped (0 before the first pop: below every time).
    last: u64,
    late: BinaryHeap<Reverse<Late<E>>>,
    late_seq: u64,
    len: usize,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            due: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            last: 0,
            late: BinaryHeap::new(),
            late_seq: 0,
            len: 0,
            processed: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `time` (seconds, finite).
    #[inline]
    pub fn push(&mut self, time: f64, event: E) {
        debug_assert!(time.is_finite(), "event times are finite");
        let key = key(time);
        self.len += 1;
        if key < self.last {
            let seq = self.late_seq;
            self.late_seq += 1;
            self.late.push(Reverse(Late { key, seq, event }));
        } else {
            self.route(Entry { key, event });
        }
    }

    /// Files an event at or after `last` under its bucket.
    #[inline(always)]
    fn route(&mut self, entry: Entry<E>) {
        let differ = entry.key ^ self.last;
        if differ == 0 {
            self.due.push_back(entry);
        } else {
            let b = 63 - differ.leading_zeros() as usize;
            self.buckets[b].push(entry);
            self.occupied |= 1 << b;
        }
    }

    /// Brings the next event to the front of `due` (unless a late one is
    /// next); false when the queue is empty.
    #[inline]
    fn settle(&mut self) -> bool {
        if !self.late.is_empty() || !self.due.is_empty() {
            return true;
        }
        if self.occupied == 0 {
            return false;
        }
        // The lowest occupied bucket holds the earliest events; its least key
        // becomes `last`, and its events, in order, move to lower buckets (the
        // ones at `last` to `due`). Higher buckets stay valid: their keys
        // differ from the new `last` where they differed from the old one.
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        self.last = bucket.iter().map(|e| e.key).min().expect("occupied");
        for entry in bucket.drain(..) {
            self.route(entry);
        }
        self.buckets[b] = bucket;
        true
    }

    /// The earliest event; among equal times, the first inserted.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        if !self.settle() {
            return None;
        }
        self.len -= 1;
        self.processed += 1;
        if let Some(Reverse(late)) = self.late.pop() {
            return Some((time(late.key), late.event));
        }
        let entry = self.due.pop_front().expect("settled");
        Some((time(entry.key), entry.event))
    }

    /// The event [`Self::pop`] would return next, without removing it.
    pub fn peek(&mut self) -> Option<(f64, &E)> {
        if !self.settle() {
            return None;
        }
        if let Some(Reverse(late)) = self.late.peek() {
            return Some((time(late.key), &late.event));
        }
        self.due.front().map(|e| (time(e.key), &e.event))
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.push(5.0, "b1");
        q.push(1.0, "a");
        q.push(5.0, "b2");
        q.push(3.0, "c");
        q.push(5.0, "b3");
        assert_eq!(q.peek(), Some((1.0, &"a")));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "c", "b1", "b2", "b3"]);
        assert_eq!(q.processed(), 5);
    }

    #[test]
    fn pops_in_time_then_insertion_order_whatever_the_pushes() {
        // A pseudo-random interleaving of pushes and pops against a sorted model.
        let mut q = EventQueue::new();
        let mut model: Vec<(f64, u64)> = Vec::new();
        let mut x: u64 = 12345;
        let mut seq = 0;
        for step in 0..20_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x >> 62 != 0 || model.is_empty() {
                // Few distinct times, so ties are common.
                let time = ((x >> 33) % 50) as f64;
                q.push(time, seq);
                model.push((time, seq));
                seq += 1;
            } else {
                let i = (0..model.len())
                    .min_by(|&a, &b| {
                        model[a]
                            .0
                            .total_cmp(&model[b].0)
                            .then(model[a].1.cmp(&model[b].1))
                    })
                    .unwrap();
                let want = model.remove(i);
                assert_eq!(q.pop(), Some(want), "step {step}");
            }
            assert_eq!(q.len(), model.len());
        }
    }

    /// A simulation's pattern: events scheduled at or after the one being
    /// handled, many at the same time, now and then one an ulp before it,
    /// against a model sorted by (time, sequence), 100,000 steps deep.
    #[test]
    fn a_forward_clock_pops_in_order_through_the_buckets() {
        use std::collections::BTreeMap;
        let mut q = EventQueue::new();
        let mut model: BTreeMap<(u64, u64), f64> = BTreeMap::new();
        let (mut x, mut seq, mut now) = (99u64, 0u64, 0.0f64);
        for step in 0..100_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x >> 61 != 0 || model.is_empty() {
                let time = match (x >> 20) % 8 {
                    0 => now,                                             // due at once: a tie
                    1 => f64::from_bits(now.to_bits().saturating_sub(1)), // an ulp early
                    2 => now + 1e-3 * ((x >> 33) % 4) as f64,
                    _ => now + ((x >> 33) % 100_000) as f64 * 1e-4,
                };
                q.push(time, seq);
                model.insert((key(time), seq), time);
                seq += 1;
            } else {
                let ((_, want), t) = model.pop_first().unwrap();
                assert_eq!(q.peek(), Some((t, &want)), "step {step}");
                assert_eq!(q.pop(), Some((t, want)), "step {step}");
                now = now.max(t);
            }
            assert_eq!(q.len(), model.len());
        }
        while let Some(((_, want), t)) = model.pop_first() {
            assert_eq!(q.pop(), Some((t, want)));
        }
        assert!(q.is_empty() && q.pop().is_none());
    }

    #[test]
    fn keys_order_times_as_total_cmp_does() {
        let times = [
            -5.0,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            1.0 + f64::EPSILON,
            3e9,
        ];
        for w in times.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{w:?}");
        }
        for t in times {
            assert_eq!(time(key(t)).to_bits(), t.to_bits());
        }
    }
}
