//! The one definition of the fpevm core's host interface: register offsets, descriptor and
//! completion formats, status codes, ring and window rules.
//!
//! This file is plain, dependency-free Rust: the hardware description (`fpevm-hdl`) and the
//! host driver (`fpevm`, as `#[path = "../../../hdl/src/layout.rs"] mod layout;`) both
//! compile it, so the two sides cannot drift.
//!
//! # Registers
//! 32 bits wide, addressed by byte offset on the core's register port. 64-bit values are
//! split into `_LO` (bits 31:0) and `_HI` (bits 63:32); counters are read `HI, LO, HI` and
//! retried when the two `HI` reads differ.
//!
//! # Rings
//! The submission ring (SQ) and the completion ring (CQ) each hold `RING_SIZE` entries of
//! 64 bytes (a power of two, 1..=[`MAX_RING_SIZE`]). Ring indexes are free-running 32-bit
//! counters; the slot of index `i` is `i & (size - 1)`.
//! - The host writes descriptors at `SQ_HEAD`, then writes the new `SQ_HEAD` (the doorbell).
//! - The core reads descriptors in order and advances `SQ_TAIL`; slots before it may be
//!   reused.
//! - The core writes a completion at `CQ_TAIL` and advances it, never when
//!   `CQ_TAIL - CQ_HEAD == size`, so it never overwrites an entry the host has not consumed.
//!   Completions come in the order jobs finish, not the order they were submitted: the host
//!   matches them by tag.
//! - The host consumes completions and writes `CQ_HEAD`.
//! - Each completion carries a phase bit, 1 on the first pass over the ring, 0 on the second
//!   and so on ([`phase_of`]), so a zeroed ring holds no valid entry.
//!
//! # DMA window
//! Every address the core masters (ring slots, job inputs, results) must lie in
//! `[WIN_BASE, WIN_LIMIT)`. A descriptor whose input or result leaves the window completes
//! with [`STATUS_OUT_OF_WINDOW`] and the core touches neither. A ring slot outside the window
//! stops the core with [`STATUS_BIT_CONFIG_ERROR`] until a soft reset.
//!
//! # Alignment
//! Ring bases, `src` and the window bounds are 64-byte aligned, `dst` 32-byte aligned
//! (else [`STATUS_MISALIGNED`]). The core reads whole 64-byte beats (`ceil(src_len / 64)`
//! of them) and ignores the bytes past `src_len`.
//!
//! # DMA errors
//! A read beat or a write that comes back with an error (AXI `RRESP`/`BRESP` not OKAY) sets
//! the sticky [`STATUS_BIT_DMA_ERROR`]: from then on the core fetches no descriptor and writes
//! no completion, so no result computed from a failed read is ever reported as done. The host
//! soft-resets the core and redoes the jobs that had not completed.
//!
//! # The 256-bit ALU
//! Opcodes `OP_MUL` .. `OP_EXP` run one EVM arithmetic instruction with the EVM's exact
//! semantics (division by zero gives 0, `SDIV(-2^255, -1) = -2^255`, modulus 0 gives 0, ...).
//! The input is the operands as consecutive 32-byte big-endian words, in the order the EVM
//! pops them (`a`, `b`, then `n` for `ADDMOD`/`MULMOD`), so `src_len` is 64 or 96
//! ([`alu_operands`]); the result is one 32-byte big-endian word at `dst`.
//!
//! # Soft reset
//! Writing [`CONTROL_SOFT_RESET`] drops every job in flight, drains the DMA reads already
//! issued, and clears the ring indexes, the sticky errors and `CONTROL_ENABLE`; ring bases,
//! size and window are kept. `STATUS` shows [`STATUS_BIT_RESETTING`] until it is done.

/// Value of the [`REG_ID`] register.
pub const ID_VALUE: u32 = 0xFEE7_C0DE;
/// Value of the [`REG_VERSION`] register: major in bits 31:16, minor in bits 15:0.
pub const VERSION_VALUE: u32 = 0x0001_0000;

/// Bytes in one descriptor, one completion and one DMA data beat.
pub const ENTRY_BYTES: usize = 64;
/// Bytes of the result a job writes at `dst`.
pub const RESULT_BYTES: usize = 32;
/// Keccak-256 rate in bytes.
pub const RATE_BYTES: usize = 136;
/// Largest ring size in entries.
pub const MAX_RING_SIZE: u32 = 1 << 16;
/// Exclusive upper bound on a descriptor's `src_len` (1 GiB).
pub const MAX_SRC_LEN: u32 = 1 << 30;

/// RO: [`ID_VALUE`].
pub const REG_ID: u32 = 0x00;
/// RO: [`VERSION_VALUE`].
pub const REG_VERSION: u32 = 0x04;
/// RO: `STATUS_BIT_*`.
pub const REG_STATUS: u32 = 0x08;
/// RW: `CONTROL_*`.
pub const REG_CONTROL: u32 = 0x0C;
/// RW: submission ring base, bits 31:0.
pub const REG_SQ_BASE_LO: u32 = 0x10;
/// RW: submission ring base, bits 63:32.
pub const REG_SQ_BASE_HI: u32 = 0x14;
/// RW: entries in each ring, a power of two.
pub const REG_RING_SIZE: u32 = 0x18;
/// RW (host): submission producer index, the doorbell.
pub const REG_SQ_HEAD: u32 = 0x1C;
/// RO: submission consumer index.
pub const REG_SQ_TAIL: u32 = 0x20;
/// RW: completion ring base, bits 31:0.
pub const REG_CQ_BASE_LO: u32 = 0x24;
/// RW: completion ring base, bits 63:32.
pub const REG_CQ_BASE_HI: u32 = 0x28;
/// RW (host): completion consumer index.
pub const REG_CQ_HEAD: u32 = 0x2C;
/// RO: completion producer index.
pub const REG_CQ_TAIL: u32 = 0x30;
/// RW: DMA window base, bits 31:0.
pub const REG_WIN_BASE_LO: u32 = 0x34;
/// RW: DMA window base, bits 63:32.
pub const REG_WIN_BASE_HI: u32 = 0x38;
/// RW: DMA window limit (exclusive), bits 31:0.
pub const REG_WIN_LIMIT_LO: u32 = 0x3C;
/// RW: DMA window limit (exclusive), bits 63:32.
pub const REG_WIN_LIMIT_HI: u32 = 0x40;
/// RO counter: clock cycles since power-on, bits 31:0.
pub const REG_CYCLES_LO: u32 = 0x44;
/// RO counter: clock cycles, bits 63:32.
pub const REG_CYCLES_HI: u32 = 0x48;
/// RO counter: cycles with work in flight ([`STATUS_BIT_BUSY`]), bits 31:0.
pub const REG_BUSY_LO: u32 = 0x4C;
/// RO counter: busy cycles, bits 63:32.
pub const REG_BUSY_HI: u32 = 0x50;
/// RO counter: completions written, bits 31:0.
pub const REG_JOBS_LO: u32 = 0x54;
/// RO counter: completions written, bits 63:32.
pub const REG_JOBS_HI: u32 = 0x58;
/// RO: number of Keccak engines.
pub const REG_ENGINES: u32 = 0x5C;
/// RO: Keccak rounds per clock of each engine.
pub const REG_ROUNDS: u32 = 0x60;
/// RO: number of 256-bit ALUs (0 when the core has none and ALU opcodes are refused).
pub const REG_ALUS: u32 = 0x64;
/// RO counter: engine-cycles with a permutation running (one per engine per cycle),
/// bits 31:0. Over `E * REG_BUSY` it is the engines' utilization.
pub const REG_ACTIVE_LO: u32 = 0x68;
/// RO counter: engine-cycles with a permutation running, bits 63:32.
pub const REG_ACTIVE_HI: u32 = 0x6C;
/// RO counter: engine-cycles an engine's permutation stood still although the engine had a
/// job on its input side or descriptors were pending (and the core was enabled, without a
/// sticky error), bits 31:0.
pub const REG_STARVED_LO: u32 = 0x70;
/// RO counter: starved engine-cycles, bits 63:32.
pub const REG_STARVED_HI: u32 = 0x74;
/// RW: the longest run of starved cycles of one engine between two of its permutations
/// (between jobs, or between the blocks of one job); a run that ends because work ran out
/// does not count. Writing any value clears it.
pub const REG_IDLE_GAP_MAX: u32 = 0x78;

/// CONTROL bit 0: fetch and run descriptors. Clearing it pauses fetching; jobs already
/// fetched still complete.
pub const CONTROL_ENABLE: u32 = 1 << 0;
/// CONTROL bit 1: write 1 to soft-reset (see the module docs).
pub const CONTROL_SOFT_RESET: u32 = 1 << 1;

/// STATUS bit 0: work in flight (descriptors pending, engines or writer active).
pub const STATUS_BIT_BUSY: u32 = 1 << 0;
/// STATUS bit 1: a soft reset is in progress.
pub const STATUS_BIT_RESETTING: u32 = 1 << 1;
/// STATUS bit 2 (sticky until soft reset): a ring slot lies outside the DMA window.
pub const STATUS_BIT_CONFIG_ERROR: u32 = 1 << 2;

/// STATUS bit 3 (sticky until soft reset): a DMA read or write failed (see the module docs).
pub const STATUS_BIT_DMA_ERROR: u32 = 1 << 3;

/// Descriptor opcode: Keccak-256 (Ethereum padding) of `src_len` bytes at `src`, the
/// 32-byte digest at `dst`.
pub const OP_KECCAK256: u8 = 1;
/// Descriptor opcode: EVM `MUL` (`a * b mod 2^256`). ALU opcodes are `0x40 +` the EVM opcode.
pub const OP_MUL: u8 = 0x42;
/// Descriptor opcode: EVM `DIV` (`a / b`, 0 when `b = 0`).
pub const OP_DIV: u8 = 0x44;
/// Descriptor opcode: EVM `SDIV` (signed, truncating; 0 when `b = 0`).
pub const OP_SDIV: u8 = 0x45;
/// Descriptor opcode: EVM `MOD` (`a % b`, 0 when `b = 0`).
pub const OP_MOD: u8 = 0x46;
/// Descriptor opcode: EVM `SMOD` (signed, sign of `a`; 0 when `b = 0`).
pub const OP_SMOD: u8 = 0x47;
/// Descriptor opcode: EVM `ADDMOD` (`(a + b) % n` without overflow, 0 when `n = 0`).
pub const OP_ADDMOD: u8 = 0x48;
/// Descriptor opcode: EVM `MULMOD` (`(a * b) % n` without overflow, 0 when `n = 0`).
pub const OP_MULMOD: u8 = 0x49;
/// Descriptor opcode: EVM `EXP` (`a ^ b mod 2^256`).
pub const OP_EXP: u8 = 0x4A;
/// Every ALU opcode, in EVM opcode order.
pub const ALU_OPS: [u8; 8] = [
    OP_MUL, OP_DIV, OP_SDIV, OP_MOD, OP_SMOD, OP_ADDMOD, OP_MULMOD, OP_EXP,
];
/// Bytes of one ALU operand or result word.
pub const WORD_BYTES: usize = 32;

/// The number of 32-byte operands of ALU opcode `opcode`, or `None` for other opcodes.
pub fn alu_operands(opcode: u8) -> Option<u32> {
    match opcode {
        OP_MUL | OP_DIV | OP_SDIV | OP_MOD | OP_SMOD | OP_EXP => Some(2),
        OP_ADDMOD | OP_MULMOD => Some(3),
        _ => None,
    }
}

/// Completion status: done, the result is at `dst`.
pub const STATUS_OK: u8 = 0;
/// Completion status: `src..src + ceil(src_len / 64) * 64` or `dst..dst + 32` leaves the
/// DMA window, or `src_len >= MAX_SRC_LEN`; nothing was read or written.
pub const STATUS_OUT_OF_WINDOW: u8 = 1;
/// Completion status: `src` not 64-byte or `dst` not 32-byte aligned.
pub const STATUS_MISALIGNED: u8 = 2;
/// Completion status: unknown opcode.
pub const STATUS_BAD_OPCODE: u8 = 3;
/// Completion status: an ALU job whose `src_len` is not 32 times its operand count.
pub const STATUS_BAD_LENGTH: u8 = 4;

/// Byte offsets of the descriptor's fields (all little-endian; other bytes are ignored).
pub mod desc {
    /// u64: the host's tag, echoed in the completion.
    pub const TAG: usize = 0;
    /// u64: bus address of the input.
    pub const SRC: usize = 8;
    /// u64: bus address of the 32-byte result.
    pub const DST: usize = 16;
    /// u32: input length in bytes.
    pub const SRC_LEN: usize = 24;
    /// u8: `OP_*`.
    pub const OPCODE: usize = 28;
}

/// Byte offsets of the completion's fields (all little-endian; other bytes are zero).
pub mod compl {
    /// u64: the descriptor's tag.
    pub const TAG: usize = 0;
    /// u8: `STATUS_*` code.
    pub const STATUS: usize = 8;
    /// u8: bit 0 is the phase bit.
    pub const PHASE: usize = 9;
}

/// A job as the host writes it into the submission ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// Echoed in the completion.
    pub tag: u64,
    /// Bus address of the input (64-byte aligned).
    pub src: u64,
    /// Bus address of the 32-byte result (32-byte aligned).
    pub dst: u64,
    /// Input length in bytes.
    pub src_len: u32,
    /// `OP_*`.
    pub opcode: u8,
}

/// A completion as the core writes it into the completion ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The descriptor's tag.
    pub tag: u64,
    /// `STATUS_*` code.
    pub status: u8,
    /// Phase bit of the pass over the ring this entry was written in.
    pub phase: bool,
}

impl Descriptor {
    /// The 64 bytes the core reads.
    pub fn encode(&self) -> [u8; ENTRY_BYTES] {
        let mut b = [0u8; ENTRY_BYTES];
        b[desc::TAG..desc::TAG + 8].copy_from_slice(&self.tag.to_le_bytes());
        b[desc::SRC..desc::SRC + 8].copy_from_slice(&self.src.to_le_bytes());
        b[desc::DST..desc::DST + 8].copy_from_slice(&self.dst.to_le_bytes());
        b[desc::SRC_LEN..desc::SRC_LEN + 4].copy_from_slice(&self.src_len.to_le_bytes());
        b[desc::OPCODE] = self.opcode;
        b
    }

    /// Reads the fields back from 64 bytes.
    pub fn decode(b: &[u8; ENTRY_BYTES]) -> Self {
        Self {
            tag: u64_at(b, desc::TAG),
            src: u64_at(b, desc::SRC),
            dst: u64_at(b, desc::DST),
            src_len: u32::from_le_bytes([
                b[desc::SRC_LEN],
                b[desc::SRC_LEN + 1],
                b[desc::SRC_LEN + 2],
                b[desc::SRC_LEN + 3],
            ]),
            opcode: b[desc::OPCODE],
        }
    }
}

impl Completion {
    /// The 64 bytes the core writes.
    pub fn encode(&self) -> [u8; ENTRY_BYTES] {
        let mut b = [0u8; ENTRY_BYTES];
        b[compl::TAG..compl::TAG + 8].copy_from_slice(&self.tag.to_le_bytes());
        b[compl::STATUS] = self.status;
        b[compl::PHASE] = u8::from(self.phase);
        b
    }

    /// Reads the fields back from 64 bytes.
    pub fn decode(b: &[u8; ENTRY_BYTES]) -> Self {
        Self {
            tag: u64_at(b, compl::TAG),
            status: b[compl::STATUS],
            phase: b[compl::PHASE] & 1 == 1,
        }
    }
}

fn u64_at(b: &[u8; ENTRY_BYTES], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The phase bit of free-running ring index `index` in a ring of `size` entries.
pub fn phase_of(index: u32, size: u32) -> bool {
    index & size == 0
}

/// Bus address of free-running ring index `index` in a ring at `base` of `size` entries.
pub fn slot_addr(base: u64, index: u32, size: u32) -> u64 {
    base + u64::from(index & size.wrapping_sub(1)) * ENTRY_BYTES as u64
}

/// The status the core gives a descriptor, before any input is read: the one rule both
/// the core and the software reference apply. `alus` is the core's number of ALUs: ALU
/// opcodes are refused by a core without one.
pub fn check_descriptor(d: &Descriptor, win_base: u64, win_limit: u64, alus: u32) -> u8 {
    let operands = alu_operands(d.opcode);
    if d.opcode != OP_KECCAK256 && (operands.is_none() || alus == 0) {
        return STATUS_BAD_OPCODE;
    }
    if operands.is_some_and(|n| d.src_len != n * WORD_BYTES as u32) {
        return STATUS_BAD_LENGTH;
    }
    if !d.src.is_multiple_of(ENTRY_BYTES as u64) || !d.dst.is_multiple_of(RESULT_BYTES as u64) {
        return STATUS_MISALIGNED;
    }
    let read_bytes = u64::from(d.src_len).div_ceil(ENTRY_BYTES as u64) * ENTRY_BYTES as u64;
    let inside =
        |addr: u64, len: u64| addr >= win_base && addr <= win_limit && len <= win_limit - addr;
    if d.src_len >= MAX_SRC_LEN || !inside(d.src, read_bytes) || !inside(d.dst, RESULT_BYTES as u64)
    {
        return STATUS_OUT_OF_WINDOW;
    }
    STATUS_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_and_completion_round_trip() {
        let d = Descriptor {
            tag: 0xDEAD_BEEF_0102_0304,
            src: 0x1122_3344_5566_7788,
            dst: 0x8877_6655_4433_2211,
            src_len: 0x0102_0304,
            opcode: OP_KECCAK256,
        };
        assert_eq!(Descriptor::decode(&d.encode()), d);
        for phase in [false, true] {
            let c = Completion {
                tag: 7,
                status: STATUS_MISALIGNED,
                phase,
            };
            assert_eq!(Completion::decode(&c.encode()), c);
        }
    }

    #[test]
    fn phase_flips_on_each_pass() {
        assert!(phase_of(0, 4) && phase_of(3, 4));
        assert!(!phase_of(4, 4) && !phase_of(7, 4));
        assert!(phase_of(8, 4));
        assert_eq!(slot_addr(0x1000, 5, 4), 0x1000 + 64);
    }

    #[test]
    fn descriptor_checks() {
        let ok = Descriptor {
            tag: 0,
            src: 0x1000,
            dst: 0x2000,
            src_len: 64,
            opcode: OP_KECCAK256,
        };
        assert_eq!(check_descriptor(&ok, 0x1000, 0x3000, 1), STATUS_OK);
        assert_eq!(
            check_descriptor(&Descriptor { src_len: 65, ..ok }, 0x1000, 0x1080, 1),
            STATUS_OUT_OF_WINDOW
        );
        assert_eq!(
            check_descriptor(&Descriptor { dst: 0x2ff0, ..ok }, 0x1000, 0x3000, 1),
            STATUS_MISALIGNED
        );
        assert_eq!(
            check_descriptor(&Descriptor { dst: 0x2fe0, ..ok }, 0x1000, 0x3000, 1),
            STATUS_OK
        );
        assert_eq!(
            check_descriptor(&Descriptor { dst: 0x3000, ..ok }, 0x1000, 0x3000, 1),
            STATUS_OUT_OF_WINDOW
        );
        assert_eq!(
            check_descriptor(&Descriptor { src: 0xfc0, ..ok }, 0x1000, 0x3000, 1),
            STATUS_OUT_OF_WINDOW
        );
        assert_eq!(
            check_descriptor(&Descriptor { opcode: 9, ..ok }, 0x1000, 0x3000, 1),
            STATUS_BAD_OPCODE
        );
        let mul = Descriptor {
            opcode: OP_MUL,
            ..ok
        };
        assert_eq!(check_descriptor(&mul, 0x1000, 0x3000, 1), STATUS_OK);
        assert_eq!(check_descriptor(&mul, 0x1000, 0x3000, 0), STATUS_BAD_OPCODE);
        let short = Descriptor { src_len: 63, ..mul };
        assert_eq!(
            check_descriptor(&short, 0x1000, 0x3000, 1),
            STATUS_BAD_LENGTH
        );
        let mulmod = Descriptor {
            opcode: OP_MULMOD,
            src_len: 96,
            ..ok
        };
        assert_eq!(check_descriptor(&mulmod, 0x1000, 0x3000, 1), STATUS_OK);
        let huge = Descriptor {
            src: u64::MAX - 63,
            ..ok
        };
        assert_eq!(
            check_descriptor(&huge, 0, u64::MAX, 1),
            STATUS_OUT_OF_WINDOW
        );
    }
}
