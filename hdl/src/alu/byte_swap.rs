//! Reverses the 32 bytes of a 256-bit word (combinational): converts between a big-endian
//! EVM word as it lies in memory (byte `i` of memory in bits `8 i ..` of a DMA beat) and
//! its numeric value (bit 0 the least significant).

use rust_hdl::prelude::*;

/// The byte reversal; an involution, so the same block serves input and output.
#[derive(LogicBlock)]
pub struct ByteSwap {
    /// The word.
    pub word: Signal<In, Bits<256>>,
    /// `word` with byte `i` moved to byte `31 - i`.
    pub swapped: Signal<Out, Bits<256>>,
    rest: Signal<Local, Bits<256>>,
    built: Signal<Local, Bits<256>>,
    low_byte: Constant<Bits<256>>,
}

impl Default for ByteSwap {
    fn default() -> Self {
        Self {
            word: Default::default(),
            swapped: Default::default(),
            rest: Default::default(),
            built: Default::default(),
            low_byte: Constant::new(0xFFu64.into()),
        }
    }
}

impl Logic for ByteSwap {
    #[hdl_gen]
    fn update(&mut self) {
        // Take bytes off the bottom of `rest` and push them in at the bottom of `built`.
        self.rest.next = self.word.val();
        self.built.next = 0.into();
        for _i in 0..32 {
            self.built.next = (self.built.val() << 8) | (self.rest.val() & self.low_byte.val());
            self.rest.next = self.rest.val() >> 8;
        }
        self.swapped.next = self.built.val();
    }
}
