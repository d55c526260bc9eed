//! A 512 / 256-bit unsigned restoring divider: quotient (low 256 bits) and remainder, one
//! dividend bit per clock, leading zero bits skipped 16 at a time.
//!
//! Interface (all synchronous to `clock`):
//! - `start` loads `dividend` and `divisor` and begins; `busy` is high until the result is
//!   ready, and `quotient` / `remainder` hold it from the cycle `busy` falls until the next
//!   `start`. A `start` while `busy` restarts with the new operands.
//! - A zero `divisor` gives quotient 0 and remainder 0 (the EVM's rule for `DIV`, `MOD`,
//!   `ADDMOD` and `MULMOD`) and is not busy at all after its `start` cycle.
//!
//! Each cycle moves the top bit of the dividend left into the partial remainder and
//! subtracts the divisor when it fits, which gives one quotient bit. While the partial
//! remainder is zero and the next 16 dividend bits are zero, those 16 quotient bits are zero
//! too and the cycle shifts all 16 at once. Invariant: the partial remainder is below the
//! divisor, so it fits in 256 bits and the trial value in 257.
//!
//! Cycles `busy` stays high after `start` (`D`): 512 minus 15 for each 16-bit group skipped,
//! so at most 512, and at most `512 - 15 floor((512 - k) / 16)` for a dividend below 2^k:
//! 272 for a 256-bit one (`DIV`, `MOD`), fewer for short ones; 0 for a zero divisor.

use rust_hdl::prelude::*;

/// Dividend bits skipped per cycle while the partial remainder is zero.
pub const SKIP_BITS: usize = 16;

/// The bit-serial divider.
#[derive(LogicBlock, Default)]
pub struct Divider {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Load `dividend` and `divisor` and begin.
    pub start: Signal<In, Bit>,
    /// Dividend.
    pub dividend: Signal<In, Bits<512>>,
    /// Divisor (0 gives quotient and remainder 0).
    pub divisor: Signal<In, Bits<256>>,
    /// A division is running.
    pub busy: Signal<Out, Bit>,
    /// The low 256 bits of `dividend / divisor` once `busy` is low after a `start`.
    pub quotient: Signal<Out, Bits<256>>,
    /// `dividend % divisor` once `busy` is low after a `start`.
    pub remainder: Signal<Out, Bits<256>>,
    num: DFF<Bits<512>>,
    den: DFF<Bits<256>>,
    rem: DFF<Bits<256>>,
    quo: DFF<Bits<256>>,
    left: DFF<Bits<10>>,
    trial: Signal<Local, Bits<257>>,
    fits: Signal<Local, Bit>,
    skip: Signal<Local, Bit>,
}

impl Logic for Divider {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, num, den, rem, quo, left);
        self.busy.next = self.left.q.val().any();
        self.quotient.next = self.quo.q.val();
        self.remainder.next = self.rem.q.val();

        self.trial.next = 0.into();
        self.fits.next = false;
        self.skip.next = false;
        // The datapath sits under `busy`, so the simulated model skips it when idle.
        if self.busy.val() {
            self.trial.next = (bit_cast::<257, 256>(self.rem.q.val()) << 1)
                | bit_cast::<257, 1>(self.num.q.val().get_bit(511).into());
            self.fits.next = self.trial.val() >= bit_cast::<257, 256>(self.den.q.val());
            self.skip.next = !self.rem.q.val().any()
                && !self.num.q.val().get_bits::<16>(496).any()
                && (self.left.q.val() >= 16);
            if self.skip.val() {
                self.num.d.next = self.num.q.val() << 16;
                self.quo.d.next = self.quo.q.val() << 16;
                self.left.d.next = self.left.q.val() - 16;
            } else {
                self.num.d.next = self.num.q.val() << 1;
                self.left.d.next = self.left.q.val() - 1;
                if self.fits.val() {
                    self.rem.d.next = bit_cast::<256, 257>(
                        self.trial.val() - bit_cast::<257, 256>(self.den.q.val()),
                    );
                    self.quo.d.next = (self.quo.q.val() << 1) | 1;
                } else {
                    self.rem.d.next = bit_cast::<256, 257>(self.trial.val());
                    self.quo.d.next = self.quo.q.val() << 1;
                }
            }
        }
        if self.start.val() {
            self.num.d.next = self.dividend.val();
            self.den.d.next = self.divisor.val();
            self.rem.d.next = 0.into();
            self.quo.d.next = 0.into();
            self.left.d.next = 512.into();
            if !self.divisor.val().any() {
                self.left.d.next = 0.into();
            }
        }
    }
}
