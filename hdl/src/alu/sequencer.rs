//! The 256-bit EVM ALU: takes one job (opcode, tag, destination), receives its operands as
//! one or two 64-byte beats, runs the opcode on the [`Multiplier`] and the [`Divider`], and
//! presents the 32-byte big-endian result until the writer acknowledges it. Its job
//! interface is that of a Keccak engine, so the core's fetcher and writer serve both alike.
//!
//! The opcodes (`layout::OP_*`, EVM semantics exactly):
//! - `MUL`: the low 256 bits of the product.
//! - `DIV`, `MOD`: the divider on the zero-extended `a` (0 for `b = 0`, from the divider).
//! - `SDIV`, `SMOD`: the divider on `|a|` and `|b|` (two's complement), then the quotient
//!   negated when the signs differ, the remainder when `a` is negative. `|-2^255|` is 2^255
//!   as an unsigned value, so `SDIV(-2^255, -1)` gives 2^255 = -2^255 as the EVM does.
//! - `ADDMOD`: the divider's remainder of the 257-bit sum `a + b` by `n`.
//! - `MULMOD`: the divider's remainder of the 512-bit product `a * b` by `n`.
//! - `EXP`: square-and-multiply from the exponent's low bit up (low 256 bits of each
//!   product). The first multiply into the accumulator (still 1) is a plain copy, and the
//!   loop ends once the remaining exponent is zero, so it takes `bits(b) - 1` squarings and
//!   `popcount(b) - 1` multiplies; `EXP(x, 0) = 1` with none.
//!
//! Cycles from the operand beat that completes the job to `done` (a multiply occupies
//! [`MUL_CYCLES`] + 2 = 18 cycles of the sequence, a division `D` + 1 with `D` from 0 to 512
//! as documented in [`super::divider`]); one more cycle (`Emit`) puts the result in memory
//! byte order:
//! - `MUL`: 20; `DIV`/`SDIV`/`MOD`/`SMOD`/`ADDMOD`: `D + 4` (276 for a 256-bit dividend with
//!   its top bit set); `MULMOD`: about `D + 21` (533 for a full 512-bit product).
//! - `EXP`: about `5 + 18 (bits(b) - 1) + 18 (popcount(b) - 1)`, so 9,185 at most
//!   (`b = 2^256 - 1`); 4 for `b = 0`, 5 for `b = 1`.
//!
//! The core adds about 7 cycles around that (descriptor fetch, operand read, result and
//! completion writes): `sim/tests/alu_raw.rs` measures 27 cycles doorbell to completion for
//! `MUL`, 283 for a 256-bit `DIV`, 541 for a 512-bit `MULMOD`, 9,192 for `EXP(2, 2^256 - 1)`.

use super::byte_swap::ByteSwap;
use super::divider::Divider;
use super::multiplier::Multiplier;
use crate::layout::{OP_ADDMOD, OP_DIV, OP_EXP, OP_MUL, OP_MULMOD, OP_SDIV, OP_SMOD};
use rust_hdl::prelude::*;

#[cfg(doc)]
use super::multiplier::MUL_CYCLES;

/// Where the ALU is in its job.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum AluState {
    /// Free for a new job.
    Idle,
    /// Receiving the operand beats.
    Load,
    /// Starting the opcode's first multiply or division.
    Issue,
    /// Waiting for the product of `MUL` or `MULMOD`.
    MulWait,
    /// Waiting for the quotient or remainder.
    DivWait,
    /// `EXP`: handling the exponent's lowest remaining bit.
    ExpStep,
    /// `EXP`: waiting for `acc * base`.
    ExpMulWait,
    /// `EXP`: waiting for `base * base`.
    ExpSquareWait,
    /// Turning the numeric result into memory byte order.
    Emit,
    /// The result (or an error status) waits for the writer.
    Done,
}

/// The ALU sequencer with its multiplier and divider.
#[derive(LogicBlock)]
pub struct Alu {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous clear (soft reset): back to idle, the job is dropped.
    pub clear: Signal<In, Bit>,
    /// Take the job on the `job_*` inputs; honoured only when idle.
    pub start: Signal<In, Bit>,
    /// The job's opcode (`OP_MUL` .. `OP_EXP`).
    pub job_op: Signal<In, Bits<8>>,
    /// The descriptor's tag.
    pub job_tag: Signal<In, Bits<64>>,
    /// Where the result goes.
    pub job_dst: Signal<In, Bits<64>>,
    /// Non-zero: the job was rejected; complete it with this status and no result.
    pub job_status: Signal<In, Bits<8>>,
    /// An operand beat is offered.
    pub beat_valid: Signal<In, Bit>,
    /// The offered beat: memory byte `i` in bits `8 i ..`.
    pub beat_data: Signal<In, Bits<512>>,
    /// The ALU takes the offered beat this cycle.
    pub beat_ready: Signal<Out, Bit>,
    /// Free for a new job.
    pub idle: Signal<Out, Bit>,
    /// The job is finished; `result`, `tag`, `dst` and `status` are valid.
    pub done: Signal<Out, Bit>,
    /// The writer has consumed the finished job.
    pub ack: Signal<In, Bit>,
    /// The result as it goes to memory (big-endian): byte `i` in bits `8 i ..`.
    pub result: Signal<Out, Bits<256>>,
    /// The job's tag.
    pub tag: Signal<Out, Bits<64>>,
    /// The job's destination.
    pub dst: Signal<Out, Bits<64>>,
    /// The job's status.
    pub status: Signal<Out, Bits<8>>,
    mul: Multiplier,
    div: Divider,
    low_word: ByteSwap,
    high_word: ByteSwap,
    out_word: ByteSwap,
    state: DFF<AluState>,
    op: DFF<Bits<8>>,
    tag_r: DFF<Bits<64>>,
    dst_r: DFF<Bits<64>>,
    status_r: DFF<Bits<8>>,
    got_first: DFF<Bit>,
    // Operands `a`, `b`, `n`; for EXP the base and the remaining exponent.
    x: DFF<Bits<256>>,
    y: DFF<Bits<256>>,
    m: DFF<Bits<256>>,
    acc: DFF<Bits<256>>,
    acc_is_one: DFF<Bit>,
    negate: DFF<Bit>,
    value: DFF<Bits<256>>,
    abs_x: Signal<Local, Bits<256>>,
    abs_y: Signal<Local, Bits<256>>,
    picked: Signal<Local, Bits<256>>,
    three_operands: Signal<Local, Bit>,
    k_mul: Constant<Bits<8>>,
    k_div: Constant<Bits<8>>,
    k_sdiv: Constant<Bits<8>>,
    k_smod: Constant<Bits<8>>,
    k_addmod: Constant<Bits<8>>,
    k_mulmod: Constant<Bits<8>>,
    k_exp: Constant<Bits<8>>,
    k_one: Constant<Bits<256>>,
}

impl Default for Alu {
    fn default() -> Self {
        Self::new()
    }
}

impl Alu {
    /// An idle ALU.
    pub fn new() -> Self {
        let op = |v: u8| Constant::new(u64::from(v).into());
        Self {
            clock: Default::default(),
            clear: Default::default(),
            start: Default::default(),
            job_op: Default::default(),
            job_tag: Default::default(),
            job_dst: Default::default(),
            job_status: Default::default(),
            beat_valid: Default::default(),
            beat_data: Default::default(),
            beat_ready: Default::default(),
            idle: Default::default(),
            done: Default::default(),
            ack: Default::default(),
            result: Default::default(),
            tag: Default::default(),
            dst: Default::default(),
            status: Default::default(),
            mul: Default::default(),
            div: Default::default(),
            low_word: Default::default(),
            high_word: Default::default(),
            out_word: Default::default(),
            state: Default::default(),
            op: Default::default(),
            tag_r: Default::default(),
            dst_r: Default::default(),
            status_r: Default::default(),
            got_first: Default::default(),
            x: Default::default(),
            y: Default::default(),
            m: Default::default(),
            acc: Default::default(),
            acc_is_one: Default::default(),
            negate: Default::default(),
            value: Default::default(),
            abs_x: Default::default(),
            abs_y: Default::default(),
            picked: Default::default(),
            three_operands: Default::default(),
            k_mul: op(OP_MUL),
            k_div: op(OP_DIV),
            k_sdiv: op(OP_SDIV),
            k_smod: op(OP_SMOD),
            k_addmod: op(OP_ADDMOD),
            k_mulmod: op(OP_MULMOD),
            k_exp: op(OP_EXP),
            k_one: Constant::new(1u64.into()),
        }
    }
}

impl Logic for Alu {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, state, op, tag_r, dst_r, status_r, got_first, x, y, m, acc, acc_is_one,
            negate, value
        );
        self.mul.clock.next = self.clock.val();
        self.div.clock.next = self.clock.val();
        self.mul.start.next = false;
        self.mul.a.next = self.x.q.val();
        self.mul.b.next = self.y.q.val();
        self.div.start.next = false;
        self.div.dividend.next = bit_cast::<512, 256>(self.x.q.val());
        self.div.divisor.next = self.y.q.val();
        self.low_word.word.next = self.beat_data.val().get_bits::<256>(0);
        self.high_word.word.next = self.beat_data.val().get_bits::<256>(256);
        self.out_word.word.next = self.value.q.val();
        self.low_word.enable.next = self.state.q.val() == AluState::Load;
        self.high_word.enable.next = self.state.q.val() == AluState::Load;
        self.out_word.enable.next = self.state.q.val() == AluState::Emit;

        self.idle.next = self.state.q.val() == AluState::Idle;
        self.done.next = self.state.q.val() == AluState::Done;
        self.beat_ready.next = self.state.q.val() == AluState::Load;
        self.result.next = self.value.q.val();
        self.tag.next = self.tag_r.q.val();
        self.dst.next = self.dst_r.q.val();
        self.status.next = self.status_r.q.val();

        self.three_operands.next =
            (self.op.q.val() == self.k_addmod.val()) | (self.op.q.val() == self.k_mulmod.val());
        self.abs_x.next = self.x.q.val();
        if self.x.q.val().get_bit(255) {
            self.abs_x.next = !self.x.q.val() + 1;
        }
        self.abs_y.next = self.y.q.val();
        if self.y.q.val().get_bit(255) {
            self.abs_y.next = !self.y.q.val() + 1;
        }
        self.picked.next = self.div.remainder.val();
        if (self.op.q.val() == self.k_div.val()) | (self.op.q.val() == self.k_sdiv.val()) {
            self.picked.next = self.div.quotient.val();
        }

        match self.state.q.val() {
            AluState::Idle => {
                if self.start.val() {
                    self.op.d.next = self.job_op.val();
                    self.tag_r.d.next = self.job_tag.val();
                    self.dst_r.d.next = self.job_dst.val();
                    self.status_r.d.next = self.job_status.val();
                    self.got_first.d.next = false;
                    if self.job_status.val().any() {
                        self.state.d.next = AluState::Done;
                    } else {
                        self.state.d.next = AluState::Load;
                    }
                }
            }
            AluState::Load => {
                if self.beat_valid.val() {
                    if self.got_first.q.val() {
                        self.m.d.next = self.low_word.swapped.val();
                        self.state.d.next = AluState::Issue;
                    } else {
                        self.x.d.next = self.low_word.swapped.val();
                        self.y.d.next = self.high_word.swapped.val();
                        self.got_first.d.next = true;
                        if !self.three_operands.val() {
                            self.state.d.next = AluState::Issue;
                        }
                    }
                }
            }
            AluState::Issue => {
                self.negate.d.next = false;
                self.acc.d.next = self.k_one.val();
                self.acc_is_one.d.next = true;
                if (self.op.q.val() == self.k_mul.val()) | (self.op.q.val() == self.k_mulmod.val())
                {
                    self.mul.start.next = true;
                    self.state.d.next = AluState::MulWait;
                } else if self.op.q.val() == self.k_exp.val() {
                    self.state.d.next = AluState::ExpStep;
                } else {
                    self.div.start.next = true;
                    self.state.d.next = AluState::DivWait;
                    if self.op.q.val() == self.k_sdiv.val() {
                        self.div.dividend.next = bit_cast::<512, 256>(self.abs_x.val());
                        self.div.divisor.next = self.abs_y.val();
                        self.negate.d.next =
                            self.x.q.val().get_bit(255) ^ self.y.q.val().get_bit(255);
                    }
                    if self.op.q.val() == self.k_smod.val() {
                        self.div.dividend.next = bit_cast::<512, 256>(self.abs_x.val());
                        self.div.divisor.next = self.abs_y.val();
                        self.negate.d.next = self.x.q.val().get_bit(255);
                    }
                    if self.op.q.val() == self.k_addmod.val() {
                        self.div.dividend.next = bit_cast::<512, 256>(self.x.q.val())
                            + bit_cast::<512, 256>(self.y.q.val());
                        self.div.divisor.next = self.m.q.val();
                    }
                }
            }
            AluState::MulWait => {
                if !self.mul.busy.val() {
                    if self.op.q.val() == self.k_mulmod.val() {
                        self.div.start.next = true;
                        self.div.dividend.next = self.mul.product.val();
                        self.div.divisor.next = self.m.q.val();
                        self.state.d.next = AluState::DivWait;
                    } else {
                        self.value.d.next = self.mul.product.val().get_bits::<256>(0);
                        self.state.d.next = AluState::Emit;
                    }
                }
            }
            AluState::DivWait => {
                if !self.div.busy.val() {
                    self.value.d.next = self.picked.val();
                    if self.negate.q.val() {
                        self.value.d.next = !self.picked.val() + 1;
                    }
                    self.state.d.next = AluState::Emit;
                }
            }
            AluState::ExpStep => {
                // `x` is the base raised to the power of the bits already consumed, `y` the
                // exponent bits left (bit 0 cleared once its multiply is done).
                if !self.y.q.val().any() {
                    self.value.d.next = self.acc.q.val();
                    self.state.d.next = AluState::Emit;
                } else if self.y.q.val().get_bit(0) {
                    self.y.d.next = (self.y.q.val() >> 1) << 1;
                    if self.acc_is_one.q.val() {
                        self.acc.d.next = self.x.q.val();
                        self.acc_is_one.d.next = false;
                    } else {
                        self.mul.start.next = true;
                        self.mul.a.next = self.acc.q.val();
                        self.mul.b.next = self.x.q.val();
                        self.state.d.next = AluState::ExpMulWait;
                    }
                } else {
                    self.y.d.next = self.y.q.val() >> 1;
                    self.mul.start.next = true;
                    self.mul.b.next = self.x.q.val();
                    self.state.d.next = AluState::ExpSquareWait;
                }
            }
            AluState::ExpMulWait => {
                if !self.mul.busy.val() {
                    self.acc.d.next = self.mul.product.val().get_bits::<256>(0);
                    self.state.d.next = AluState::ExpStep;
                }
            }
            AluState::ExpSquareWait => {
                if !self.mul.busy.val() {
                    self.x.d.next = self.mul.product.val().get_bits::<256>(0);
                    self.state.d.next = AluState::ExpStep;
                }
            }
            AluState::Emit => {
                self.value.d.next = self.out_word.swapped.val();
                self.state.d.next = AluState::Done;
            }
            AluState::Done => {
                if self.ack.val() {
                    self.state.d.next = AluState::Idle;
                }
            }
            _ => {
                self.state.d.next = AluState::Idle;
            }
        }
        if self.clear.val() {
            self.state.d.next = AluState::Idle;
        }
    }
}
