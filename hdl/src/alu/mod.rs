//! The 256-bit EVM ALU of the core: a multi-cycle multiplier, a bit-serial divider, and the
//! sequencer that runs the eight ALU opcodes on them (`MUL` .. `EXP`, see `layout`).
//!
//! rust-hdl has no `*`, `/` or `%` on `Bits`, so the arithmetic is built from shifts, adds
//! and compares: [`multiplier::Multiplier`] (256 x 16 bits per clock, 16 cycles per full
//! 512-bit product), [`divider::Divider`] (one quotient bit per clock, leading zeros
//! skipped), [`byte_swap::ByteSwap`] (big-endian memory words to numbers and back) and
//! [`sequencer::Alu`] (operand loading, signs, `ADDMOD`/`MULMOD`, `EXP`), whose job
//! interface matches a Keccak engine's.

pub mod byte_swap;
pub mod divider;
pub mod multiplier;
pub mod sequencer;
