//! Reverses the 32 bytes of a 256-bit word (combinational): converts between a big-endian
//! EVM word as it lies in memory (byte `i` of memory in bits `8 i ..` of a DMA beat) and
//! its numeric value (bit 0 the least significant).
//!
//! Built from 64-bit lanes (each byte-reversed with narrow shifts, then placed in reverse
//! lane order), and the output is zero unless `enable` is high, with the logic under that
//! condition: wide shifts are costly in the Verilated model, and this way it skips them in
//! the cycles the swap is not needed.

use rust_hdl::prelude::*;

/// The byte reversal; an involution, so the same block serves input and output.
#[derive(LogicBlock)]
pub struct ByteSwap {
    /// Compute the swap (else `swapped` is zero).
    pub enable: Signal<In, Bit>,
    /// The word.
    pub word: Signal<In, Bits<256>>,
    /// `word` with byte `i` moved to byte `31 - i`.
    pub swapped: Signal<Out, Bits<256>>,
    rest: Vec<Signal<Local, Bits<64>>>,
    built: Vec<Signal<Local, Bits<64>>>,
    low_byte: Constant<Bits<64>>,
}

impl Default for ByteSwap {
    fn default() -> Self {
        Self {
            enable: Default::default(),
            word: Default::default(),
            swapped: Default::default(),
            rest: crate::signals(4),
            built: crate::signals(4),
            low_byte: Constant::new(0xFFu64.into()),
        }
    }
}

impl Logic for ByteSwap {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..4 {
            self.rest[i].next = 0.into();
            self.built[i].next = 0.into();
        }
        self.swapped.next = 0.into();
        if self.enable.val() {
            // Each lane: take bytes off the bottom of `rest`, push them in at the bottom of
            // `built`.
            for i in 0..4 {
                self.rest[i].next = self.word.val().get_bits::<64>(64 * i);
                for _k in 0..8 {
                    self.built[i].next =
                        (self.built[i].val() << 8) | (self.rest[i].val() & self.low_byte.val());
                    self.rest[i].next = self.rest[i].val() >> 8;
                }
            }
            // Lane `i` of the result is the reversed lane `3 - i` of the word.
            self.swapped.next = bit_cast::<256, 64>(self.built[3].val())
                | (bit_cast::<256, 64>(self.built[2].val()) << 64)
                | (bit_cast::<256, 64>(self.built[1].val()) << 128)
                | (bit_cast::<256, 64>(self.built[0].val()) << 192);
        }
    }
}
