//! A 256 x 256 -> 512-bit unsigned multiplier, 16 bits of the multiplier per clock.
//!
//! Interface (all synchronous to `clock`):
//! - `start` loads `a` and `b` and begins; `busy` is high for the next [`MUL_CYCLES`] cycles
//!   and `product` holds `a * b` (all 512 bits) from the cycle `busy` falls until the next
//!   `start`. A `start` while `busy` restarts the multiplication with the new operands.
//!
//! Each cycle multiplies `a` by the lowest 16-bit digit of the remaining multiplier with 16
//! shifted, conditional adds, adds that partial product to the upper half of the
//! accumulator, and shifts the accumulator right by 16 (a radix-2^16 shift-and-add).
//! Invariant: after `k` cycles the accumulator is `a * (b mod 2^(16 k)) * 2^(256 - 16 k)`,
//! so it stays below 2^512 and equals `a * b` after 16 cycles.

use rust_hdl::prelude::*;

/// Bits of the multiplier consumed per clock.
pub const DIGIT_BITS: usize = 16;
/// Cycles from `start` to the product: `256 / DIGIT_BITS`.
pub const MUL_CYCLES: usize = 256 / DIGIT_BITS;

/// The multi-cycle multiplier.
#[derive(LogicBlock, Default)]
pub struct Multiplier {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Load `a` and `b` and begin.
    pub start: Signal<In, Bit>,
    /// Multiplicand.
    pub a: Signal<In, Bits<256>>,
    /// Multiplier.
    pub b: Signal<In, Bits<256>>,
    /// A multiplication is running.
    pub busy: Signal<Out, Bit>,
    /// `a * b` once `busy` is low after a `start`.
    pub product: Signal<Out, Bits<512>>,
    acc: DFF<Bits<512>>,
    mcand: DFF<Bits<256>>,
    mplier: DFF<Bits<256>>,
    steps: DFF<Bits<5>>,
    // Datapath of one cycle: `mcand * digit` by shifted adds, then the accumulator update.
    addend: Signal<Local, Bits<272>>,
    digit: Signal<Local, Bits<16>>,
    partial: Signal<Local, Bits<272>>,
    upper: Signal<Local, Bits<273>>,
}

impl Logic for Multiplier {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, acc, mcand, mplier, steps);
        self.busy.next = self.steps.q.val().any();
        self.product.next = self.acc.q.val();

        self.addend.next = 0.into();
        self.digit.next = 0.into();
        self.partial.next = 0.into();
        self.upper.next = 0.into();
        // The datapath sits under `busy`, so the simulated model skips it when idle.
        if self.busy.val() {
            self.addend.next = bit_cast::<272, 256>(self.mcand.q.val());
            self.digit.next = self.mplier.q.val().get_bits::<16>(0);
            for _j in 0..16 {
                if self.digit.val().get_bit(0) {
                    self.partial.next = self.partial.val() + self.addend.val();
                }
                self.addend.next = self.addend.val() << 1;
                self.digit.next = self.digit.val() >> 1;
            }
            self.upper.next = bit_cast::<273, 256>(self.acc.q.val().get_bits::<256>(256))
                + bit_cast::<273, 272>(self.partial.val());
            self.acc.d.next = (bit_cast::<512, 273>(self.upper.val()) << 240)
                | bit_cast::<512, 240>(self.acc.q.val().get_bits::<240>(16));
            self.mplier.d.next = self.mplier.q.val() >> 16;
            self.steps.d.next = self.steps.q.val() - 1;
        }
        if self.start.val() {
            self.acc.d.next = 0.into();
            self.mcand.d.next = self.a.val();
            self.mplier.d.next = self.b.val();
            self.steps.d.next = 16.into();
        }
    }
}
