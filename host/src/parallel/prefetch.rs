//! Asking for memory before it is needed.
//!
//! A lane touches each transaction's record, outcome slot, lowest-writer bucket and shard lock
//! once or twice, a block apart, so they are rarely still cached; each miss stalls the lane.
//! Asked for early (when the execution starts, or for all of an execution's writes at once),
//! the misses overlap with work or with each other. In perf of one forced lane on ERC-20
//! blocks, the multi-version memory's `record` fell from 6.1-7.5% to 4.4-5.4% of samples.

/// Starts bringing the cache lines of `value` in. A hint only: it changes no memory, never
/// faults, and does nothing on other architectures.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = (value as *const T).cast::<i8>();
        for offset in (0..std::mem::size_of::<T>().max(1)).step_by(64) {
            // SAFETY: `_mm_prefetch` reads and writes nothing; the address lies within `value`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
