//! A discrete-event queue ordered by (time, insertion sequence).
//!
//! Ties resolve in insertion order (FIFO), so a run processes simultaneous
//! events the same way every time, whatever else is going on.
//!
//! A simulation's clock only moves forward and almost every event is
//! scheduled at or after the event being handled, so the queue is a radix
//! heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990) over the times' bits rather
//! than a comparison heap: an event waits in the bucket of the highest byte in
//! which its time differs from the last time popped, and of its own value of
//! that byte, and moves to a lower byte's bucket only when every earlier
//! bucket is empty. A pop is then amortised over a few bucket moves instead
//! of a sift through a tree of tens of thousands of events, which at BENCH-3's
//! 60,000 jobs in flight was half of the simulator's time.
//!
//! Why a byte per level, not a bit: with one bucket per differing bit an
//! event moved down about once per bit between its wait and the resolution
//! its neighbours share (some fifteen moves at BENCH-3), and those moves were
//! a fifth of the run; with 256 buckets per byte it moves at most once per
//! byte, about three times (BENCH-3 measures the difference).
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

/// Bytes of a key: the levels of buckets.
const LEVELS: usize = 8;

/// Min-queue of events by (time, sequence).
pub struct EventQueue<E> {
    /// Events due at `last`, in insertion order.
    due: VecDeque<Entry<E>>,
    /// `buckets[256·l + d]`: events whose key's highest byte differing from
    /// `last` is byte `l`, and whose byte `l` is `d`.
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `d % 64` of word `4·l + d / 64` set when `buckets[256·l + d]` is not empty.
    occupied: [u64; 4 * LEVELS],
    /// Bit `l` set when a bucket of level `l` is not empty.
    levels: u32,
    /// The key of the last time popped (0 before the first pop: below every time).
    last: u64,
    late: BinaryHeap<Reverse<Late<E>>>,
    late_seq: u64,
    /// The next events, taken out of the buckets ahead of time in order
    /// ([`Self::look_ahead`]), so that a driver can start loading what they
    /// touch while it handles the ones before them.
    ahead: VecDeque<Entry<E>>,
    len: usize,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self {
            due: VecDeque::new(),
            buckets: (0..256 * LEVELS).map(|_| Vec::new()).collect(),
            occupied: [0; 4 * LEVELS],
            levels: 0,
            last: 0,
            late: BinaryHeap::new(),
            late_seq: 0,
            ahead: VecDeque::new(),
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
        if let Some(tail) = self.ahead.back()
            && key < tail.key
        {
            // Due before an event already taken ahead: it joins them, after
            // those at its time (it was inserted last); later ones stay where
            // they are, behind every event taken ahead.
            let i = self.ahead.partition_point(|e| e.key <= key);
            self.ahead.insert(i, Entry { key, event });
            return;
        }
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
            let level = (63 - differ.leading_zeros() as usize) / 8;
            let digit = (entry.key >> (8 * level)) as usize & 255;
            let b = 256 * level + digit;
            self.buckets[b].push(entry);
            self.occupied[b / 64] |= 1 << (b % 64);
            self.levels |= 1 << level;
        }
    }

    /// Brings the next event to the front of `due` (unless a late one is
    /// next); false when the queue is empty.
    #[inline]
    fn settle(&mut self) -> bool {
        if !self.late.is_empty() || !self.due.is_empty() {
            return true;
        }
        if self.levels == 0 {
            return false;
        }
        // The lowest occupied bucket of the lowest occupied level holds the
        // earliest events (its byte is the least above `last`'s, and every
        // byte above it equals `last`'s); its least key becomes `last`, and
        // its events, in order, move to lower levels (the ones at `last` to
        // `due`). Other buckets stay valid: their keys differ from the new
        // `last` in the byte where they differed from the old one.
        let level = self.levels.trailing_zeros() as usize;
        let words = &mut self.occupied[4 * level..4 * level + 4];
        let w = words.iter().position(|&w| w != 0).expect("level occupied");
        let digit = 64 * w + words[w].trailing_zeros() as usize;
        words[w] &= words[w] - 1;
        if words.iter().all(|&w| w == 0) {
            self.levels &= !(1 << level);
        }
        let b = 256 * level + digit;
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        self.last = bucket.iter().map(|e| e.key).min().expect("occupied");
        for entry in bucket.drain(..) {
            self.route(entry);
        }
        self.buckets[b] = bucket;
        true
    }

    /// Takes the earliest event out of the buckets.
    #[inline]
    fn take(&mut self) -> Option<Entry<E>> {
        if !self.settle() {
            return None;
        }
        if let Some(Reverse(late)) = self.late.pop() {
            return Some(Entry {
                key: late.key,
                event: late.event,
            });
        }
        self.due.pop_front()
    }

    /// The earliest event; among equal times, the first inserted.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        let entry = match self.ahead.pop_front() {
            Some(entry) => entry,
            None => self.take()?,
        };
        self.len -= 1;
        self.processed += 1;
        Some((time(entry.key), entry.event))
    }

    /// Takes the next events ahead until `depth` of them are, and shows each
    /// one newly taken to `f`, in order: the events [`Self::pop`] returns
    /// after those already taken ahead, unless an event pushed later is due
    /// before them. The order of pops is the same whatever the depth.
    #[inline]
    pub fn look_ahead(&mut self, depth: usize, mut f: impl FnMut(&E)) {
        while self.ahead.len() < depth {
            let Some(entry) = self.take() else { return };
            f(&entry.event);
            self.ahead.push_back(entry);
        }
    }

    /// The event [`Self::pop`] would return next, without removing it.
    pub fn peek(&mut self) -> Option<(f64, &E)> {
        if !self.ahead.is_empty() {
            return self.ahead.front().map(|e| (time(e.key), &e.event));
        }
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
                // Taking events ahead, to any depth, changes no pop: the
                // next ones taken are the model's next, in its order.
                let depth = ((x >> 40) % 6) as usize;
                let before = q.ahead.len();
                let mut taken = Vec::new();
                q.look_ahead(depth, |&e| taken.push(e));
                let expected: Vec<u64> = model
                    .keys()
                    .skip(before)
                    .take(taken.len())
                    .map(|k| k.1)
                    .collect();
                assert_eq!(taken, expected, "step {step}");
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
