//! Host-side ring bookkeeping: the submission producer index, the completion consumer index,
//! and which completion entries are valid.
//!
//! Invariant (why neither ring can overrun): the host never has more than `size` jobs whose
//! completion it has not consumed ([`Rings::free`]). The core frees a submission slot (advances
//! `SQ_TAIL`) before it writes that job's completion, so a slot the host reuses was read
//! already; and the core never writes a completion while `size` are unconsumed.

use super::layout;

/// Indexes of one submission/completion ring pair, both free-running `u32` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rings {
    size: u32,
    sq_head: u32,
    cq_head: u32,
}

impl Rings {
    /// Empty rings of `size` entries; `None` unless `size` is a power of two in
    /// `1..=MAX_RING_SIZE`.
    pub fn new(size: u32) -> Option<Self> {
        Self::starting_at(size, 0)
    }

    /// Empty rings whose indexes start at `index` (the core starts at 0 after a reset; other
    /// starts exercise the `u32` wrap in tests).
    pub fn starting_at(size: u32, index: u32) -> Option<Self> {
        (size.is_power_of_two() && size <= layout::MAX_RING_SIZE).then_some(Self {
            size,
            sq_head: index,
            cq_head: index,
        })
    }

    /// Entries per ring.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Submission producer index: where the next descriptor goes; the doorbell value.
    pub fn sq_head(&self) -> u32 {
        self.sq_head
    }

    /// Completion consumer index: the next completion expected; the `CQ_HEAD` value.
    pub fn cq_head(&self) -> u32 {
        self.cq_head
    }

    /// Jobs submitted whose completion was not consumed yet.
    pub fn outstanding(&self) -> u32 {
        self.sq_head.wrapping_sub(self.cq_head)
    }

    /// Descriptors that may be submitted now.
    pub fn free(&self) -> u32 {
        self.size.saturating_sub(self.outstanding())
    }

    /// Takes the next submission index; `None` when [`Rings::free`] is 0.
    pub fn push(&mut self) -> Option<u32> {
        if self.free() == 0 {
            return None;
        }
        let index = self.sq_head;
        self.sq_head = index.wrapping_add(1);
        Some(index)
    }

    /// The phase bit a valid entry at the completion consumer index carries.
    pub fn expected_phase(&self) -> bool {
        layout::phase_of(self.cq_head, self.size)
    }

    /// Whether a completion read at the consumer index with phase bit `phase` is valid: a job
    /// is outstanding and the bit is the current pass's. An entry left from the previous pass
    /// carries the other bit.
    pub fn is_valid(&self, phase: bool) -> bool {
        self.outstanding() > 0 && phase == self.expected_phase()
    }

    /// Consumes the completion at the consumer index.
    pub fn pop(&mut self) {
        if self.outstanding() > 0 {
            self.cq_head = self.cq_head.wrapping_add(1);
        }
    }

    /// Byte offset, from its ring's base, of the slot of free-running index `index`.
    pub fn slot_offset(&self, index: u32) -> usize {
        (index & (self.size - 1)) as usize * layout::ENTRY_BYTES
    }

    /// Back to empty rings at index 0, as after a soft reset.
    pub fn reset(&mut self) {
        self.sq_head = 0;
        self.cq_head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert!(Rings::new(0).is_none());
        assert!(Rings::new(6).is_none());
        assert!(Rings::new(layout::MAX_RING_SIZE * 2).is_none());
        assert!(Rings::new(1).is_some());
        assert!(Rings::new(layout::MAX_RING_SIZE).is_some());
    }

    #[test]
    fn never_more_than_size_outstanding() {
        let mut r = Rings::new(4).expect("ring");
        for i in 0..4 {
            assert_eq!(r.push(), Some(i));
        }
        assert_eq!(r.push(), None);
        r.pop();
        assert_eq!(r.free(), 1);
        assert_eq!(r.push(), Some(4));
        assert_eq!(r.slot_offset(4), 0);
        assert_eq!(r.slot_offset(7), 3 * 64);
    }

    #[test]
    fn phase_flips_on_each_pass_and_across_the_u32_wrap() {
        let size = 8;
        let mut r = Rings::starting_at(size, u32::MAX - 20).expect("ring");
        for _ in 0..100 {
            let index = r.push().expect("free slot");
            // The core writes the completion of this index with this phase.
            let written = layout::phase_of(index, size);
            assert_eq!(r.cq_head(), index);
            assert!(r.is_valid(written));
            assert!(!r.is_valid(!written), "a stale entry is never valid");
            r.pop();
            assert!(
                !r.is_valid(written) && !r.is_valid(!written),
                "nothing outstanding"
            );
        }
        assert!(r.sq_head() < 100, "indexes wrapped past u32::MAX");
    }

    #[test]
    fn pop_without_outstanding_is_ignored() {
        let mut r = Rings::new(2).expect("ring");
        r.pop();
        assert_eq!((r.sq_head(), r.cq_head(), r.free()), (0, 0, 2));
    }
}
