//! A job in flight in the discrete-event simulator (its slot), and the cache
//! prefetch that touches the next event's slot ahead of time.

use crate::policy::JobPoll;
use crate::rng::JobRng;

/// A job in flight. Times are seconds since submission, like the engine's
/// clock, so that waits add exactly as they do there and a short wait is never
/// absorbed by a large absolute time.
///
/// What a check reads, and no more: the job's index and hint, read when it is
/// submitted and when it ends, are kept beside the slots. So a slot is 504
/// bytes, and aligned to a cache line it is eight lines, all in one page,
/// where 536 unaligned bytes spanned nine or ten lines and now and then two
/// pages (with 60,000 jobs in flight each event fetches its slot from memory).
#[repr(align(64))]
pub(super) struct Live {
    /// Seconds from submission to the final state.
    pub(super) duration: f64,
    /// The job ends in `error`.
    pub(super) failed: bool,
    pub(super) submitted: f64,
    /// When the client sent its current check (`s_k`): what the policy sees as
    /// `elapsed`, and where its next wait starts.
    pub(super) sent: f64,
    /// This job's next event: its check reaching the server (`a_k`), or a held
    /// check's release; once that event ran, when the client received the answer (`r_k`).
    pub(super) clock: f64,
    pub(super) client: u32,
    /// The next check's failure and estimate draws (drawn with its latency).
    pub(super) u_fail: f64,
    pub(super) u_noise: f64,
    /// The held check is released because the job ended.
    pub(super) done_at_release: bool,
    /// The job's timing: every check's send time comes from here.
    pub(super) poll: JobPoll,
    pub(super) jitter: JobRng,
    pub(super) server_rng: JobRng,
}

/// Events taken off the queue ahead of the one handled, their jobs' slots
/// prefetched: one event ahead, a slot fetched from memory had not arrived
/// when its event ran (the first reads of the slot were about a quarter of
/// BENCH-3's profile); a few events ahead, it has.
pub(super) const LOOK_AHEAD: usize = 4;

/// Asks the CPU to start loading `value` into cache. With tens of thousands of
/// jobs in flight each event touches a job the cache has long forgotten; the
/// hint overlaps that wait with the current event's work (BENCH-3 measures it).
#[inline(always)]
pub(super) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let start = (value as *const T).cast::<i8>();
        for offset in (0..std::mem::size_of::<T>()).step_by(64) {
            // The crate denies unsafe code; this is its one exception, because
            // the prefetch intrinsic is only exposed as an unsafe fn and BENCH-3
            // measures the hint paying off.
            // SAFETY: a prefetch is a hint with no architectural effect: it
            // never faults and reads or writes nothing; SSE is part of x86_64.
            #[allow(unsafe_code)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset))
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::Live;

    /// The slot is what BENCH-3 fetches per event: eight whole cache lines,
    /// never straddling a page (a field added to it shows here first).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_slot_is_eight_cache_lines() {
        assert_eq!(std::mem::size_of::<Live>(), 8 * 64);
        assert_eq!(std::mem::align_of::<Live>(), 64);
        assert_eq!(4096 % std::mem::size_of::<Live>(), 0);
    }
}
