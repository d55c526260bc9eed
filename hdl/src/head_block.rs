//! The block at the head of an engine's staging buffer, as the permutation takes it: whether
//! it is complete, whether it is the job's last, and its lanes with Keccak-256 padding
//! (0x01 after the input, 0x80 in the block's last byte) applied when it is the last.
//!
//! Inputs are the engine's registers only, so this logic (and the permutation's datapath it
//! feeds) settles once per clock edge and never waits for a late handshake; see `engine`.
//! Relies on the engine's invariant that bytes past the job's length are zero in the buffer,
//! so padding is a plain XOR.

use crate::engine::RATE_LANES;
use crate::signals;
use rust_hdl::prelude::*;

/// Completeness, finality and padded lanes of the block at the head of the buffer.
#[derive(LogicBlock)]
pub struct HeadBlock {
    /// Buffer lanes `0..RATE_LANES`.
    pub lanes: Vec<Signal<In, Bits<64>>>,
    /// The input side holds a job.
    pub active: Signal<In, Bit>,
    /// The job's status (zero: accepted).
    pub status: Signal<In, Bits<8>>,
    /// Buffer lanes filled.
    pub fill: Signal<In, Bits<8>>,
    /// Input bytes not yet received.
    pub bytes_left: Signal<In, Bits<32>>,
    /// The job's length in bytes.
    pub len: Signal<In, Bits<32>>,
    /// Offset in the input of the block's first byte.
    pub block_start: Signal<In, Bits<32>>,
    /// The block is the job's first (the state starts from zero).
    pub first: Signal<In, Bit>,
    /// The block can go into the permutation: all its lanes have arrived (or the input has
    /// ended).
    pub ready: Signal<Out, Bit>,
    /// The input ends inside this block: it is the job's last.
    pub last: Signal<Out, Bit>,
    /// XOR the block into the state (it is not the job's first).
    pub keep: Signal<Out, Bit>,
    /// The lanes to absorb (padded when `last`).
    pub absorb: Vec<Signal<Out, Bits<64>>>,
    pad_pos: Signal<Local, Bits<32>>,
    pad_lane: Signal<Local, Bits<8>>,
    pad_one: Signal<Local, Bits<64>>,
    n: Vec<Constant<Bits<8>>>,
    one: Constant<Bits<64>>,
    pad_end: Constant<Bits<64>>,
    rate_bytes: Constant<Bits<32>>,
    zero32: Constant<Bits<32>>,
    zero8: Constant<Bits<8>>,
}

impl Default for HeadBlock {
    fn default() -> Self {
        Self {
            lanes: signals(RATE_LANES),
            active: Default::default(),
            status: Default::default(),
            fill: Default::default(),
            bytes_left: Default::default(),
            len: Default::default(),
            block_start: Default::default(),
            first: Default::default(),
            ready: Default::default(),
            last: Default::default(),
            keep: Default::default(),
            absorb: signals(RATE_LANES),
            pad_pos: Default::default(),
            pad_lane: Default::default(),
            pad_one: Default::default(),
            n: (0..=RATE_LANES as u64)
                .map(|v| Constant::new(v.into()))
                .collect(),
            one: Constant::new(1u64.into()),
            pad_end: Constant::new((0x80u64 << 56).into()),
            rate_bytes: Constant::new((8 * RATE_LANES as u64).into()),
            zero32: Constant::new(0u64.into()),
            zero8: Constant::new(0u64.into()),
        }
    }
}

impl Logic for HeadBlock {
    #[hdl_gen]
    fn update(&mut self) {
        self.ready.next = self.active.val()
            && (self.status.val() == self.zero8.val())
            && ((self.fill.val() >= self.n[17].val())
                | (self.bytes_left.val() == self.zero32.val()));
        self.keep.next = !self.first.val();
        self.pad_pos.next = self.len.val() - self.block_start.val();
        self.last.next = self.pad_pos.val() < self.rate_bytes.val();
        self.pad_lane.next = bit_cast::<8, 32>(self.pad_pos.val() >> 3);
        self.pad_one.next = self.one.val() << ((self.pad_pos.val() & 7) << 3);
        for i in 0..17 {
            self.absorb[i].next = self.lanes[i].val();
            if self.last.val() && (self.pad_lane.val() == self.n[i].val()) {
                self.absorb[i].next = self.lanes[i].val() ^ self.pad_one.val();
            }
        }
        if self.last.val() {
            if self.pad_lane.val() == self.n[16].val() {
                self.absorb[16].next =
                    self.lanes[16].val() ^ self.pad_one.val() ^ self.pad_end.val();
            } else {
                self.absorb[16].next = self.lanes[16].val() ^ self.pad_end.val();
            }
        }
    }
}
