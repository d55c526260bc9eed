//! The EVM instructions that can run on the device: KECCAK256 and the ALU opcodes (MUL, DIV,
//! SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP), as revm instruction-table entries.
//!
//! Each entry does exactly what revm's own instruction does — the same stack effect, the same
//! gas (static gas stays in revm's gas table; EXP's and KECCAK256's dynamic gas and memory
//! expansion are charged here in revm's order, before the operation) — and only the value is
//! computed elsewhere: on the device when the lane's offload policy sends it there, else on the
//! CPU with revm's arithmetic. The device contract gives the same value for every input
//! (`offload::alu` is its reference), so a routed table never changes a result.
//!
//! revm instructions are plain function pointers, so the lane's route to the device lives in
//! a thread-local set by [`enter_lane`] for the lane's lifetime; a thread without one computes
//! on the CPU.

use super::alu;
use super::keccak_memo::keccak256_remembered;
use super::layout::{self, WORD_BYTES};
use super::offloader::LaneRoute;
use revm::interpreter::interpreter::resize_memory;
use revm::interpreter::interpreter_types::{InterpreterTypes, MemoryTr, StackTr};
use revm::interpreter::{
    Gas, Host, Instruction, InstructionContext, InstructionExecResult, InstructionResult,
    InstructionTable,
};
use revm::primitives::{KECCAK_EMPTY, U256};
use std::cell::RefCell;

thread_local! {
    static LANE_ROUTE: RefCell<Option<LaneRoute>> = const { RefCell::new(None) };
}

/// While alive, the current thread's routed instructions follow `route`; dropping it restores
/// the CPU.
pub struct LaneGuard(());

impl Drop for LaneGuard {
    fn drop(&mut self) {
        LANE_ROUTE.with(|slot| slot.borrow_mut().take());
    }
}

/// Routes the current thread's offloadable instructions through `route` until the guard drops.
pub fn enter_lane(route: LaneRoute) -> LaneGuard {
    LANE_ROUTE.with(|slot| *slot.borrow_mut() = Some(route));
    LaneGuard(())
}

/// Sets up `table` for a block this thread starts: the routed instructions when `offloaded`,
/// else KECCAK256 remembering recent hashes (see [`super::keccak_memo`]), with the thread's
/// memo emptied.
pub fn block_table<W: InterpreterTypes, H: Host + ?Sized>(
    table: &mut InstructionTable<W, H>,
    offloaded: bool,
) {
    if offloaded {
        route_table(table);
    } else {
        table[0x20] = Instruction::new(keccak::<W, H>);
        super::keccak_memo::forget();
    }
}

/// Replaces the routed instructions of `table` (revm's gas table is left as it is).
fn route_table<W: InterpreterTypes, H: Host + ?Sized>(table: &mut InstructionTable<W, H>) {
    table[0x20] = Instruction::new(keccak::<W, H>);
    table[0x02] = Instruction::new(binary::<{ layout::OP_MUL }, W, H>);
    table[0x04] = Instruction::new(binary::<{ layout::OP_DIV }, W, H>);
    table[0x05] = Instruction::new(binary::<{ layout::OP_SDIV }, W, H>);
    table[0x06] = Instruction::new(binary::<{ layout::OP_MOD }, W, H>);
    table[0x07] = Instruction::new(binary::<{ layout::OP_SMOD }, W, H>);
    table[0x08] = Instruction::new(ternary::<{ layout::OP_ADDMOD }, W, H>);
    table[0x09] = Instruction::new(ternary::<{ layout::OP_MULMOD }, W, H>);
    table[0x0A] = Instruction::new(exp::<W, H>);
}

/// Records `cost` like revm's `gas!`.
fn charge(gas: &mut Gas, cost: u64) -> InstructionExecResult {
    if gas.record_regular_cost(cost) {
        Ok(())
    } else {
        Err(InstructionResult::OutOfGas)
    }
}

/// A stack word as a `usize`, failing like revm's `as_usize_or_fail!`.
fn as_usize(v: &U256) -> Result<usize, InstructionResult> {
    let limbs = v.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 {
        return Err(InstructionResult::InvalidOperandOOG);
    }
    usize::try_from(limbs[0]).map_err(|_| InstructionResult::InvalidOperandOOG)
}

/// ALU opcode `opcode` on `operands`, on the device when the lane's route says so.
fn alu_value(opcode: u8, operands: &[U256]) -> U256 {
    let routed = LANE_ROUTE.with(|slot| {
        let slot = slot.borrow();
        let route = slot.as_ref()?;
        route.wants(opcode, operands.len() * WORD_BYTES).then(|| {
            let input = alu::encode_operands(operands);
            route.run(opcode, input)
        })?
    });
    match routed {
        Some(word) => U256::from_be_bytes(word),
        // Only opcodes of the contract reach here, with their operand count.
        None => alu::evaluate(opcode, operands).unwrap_or_default(),
    }
}

/// Keccak-256 of `data`, on the device when the lane's route says so.
fn keccak_value(data: &[u8]) -> [u8; 32] {
    let routed = LANE_ROUTE.with(|slot| {
        let slot = slot.borrow();
        let route = slot.as_ref()?;
        route
            .wants(layout::OP_KECCAK256, data.len())
            .then(|| route.run(layout::OP_KECCAK256, data.to_vec()))?
    });
    routed.unwrap_or_else(|| keccak256_remembered(data))
}

fn binary<const OP: u8, W: InterpreterTypes, H: Host + ?Sized>(
    ctx: InstructionContext<'_, H, W>,
) -> InstructionExecResult {
    let Some(([a], b)) = ctx.interpreter.stack.popn_top::<1>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    *b = alu_value(OP, &[a, *b]);
    Ok(())
}

fn ternary<const OP: u8, W: InterpreterTypes, H: Host + ?Sized>(
    ctx: InstructionContext<'_, H, W>,
) -> InstructionExecResult {
    let Some(([a, b], n)) = ctx.interpreter.stack.popn_top::<2>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    *n = alu_value(OP, &[a, b, *n]);
    Ok(())
}

fn exp<W: InterpreterTypes, H: Host + ?Sized>(
    ctx: InstructionContext<'_, H, W>,
) -> InstructionExecResult {
    let interpreter = &mut *ctx.interpreter;
    let Some(([base], exponent)) = interpreter.stack.popn_top::<1>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    charge(
        &mut interpreter.gas,
        ctx.host.gas_params().exp_cost(*exponent),
    )?;
    *exponent = alu_value(layout::OP_EXP, &[base, *exponent]);
    Ok(())
}

fn keccak<W: InterpreterTypes, H: Host + ?Sized>(
    ctx: InstructionContext<'_, H, W>,
) -> InstructionExecResult {
    let interpreter = &mut *ctx.interpreter;
    let Some(([offset], top)) = interpreter.stack.popn_top::<1>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    let len = as_usize(top)?;
    charge(
        &mut interpreter.gas,
        ctx.host.gas_params().keccak256_cost(len),
    )?;
    let hash = if len == 0 {
        KECCAK_EMPTY.0
    } else {
        let from = as_usize(&offset)?;
        resize_memory(
            &mut interpreter.gas,
            &mut interpreter.memory,
            ctx.host.gas_params(),
            from,
            len,
        )?;
        keccak_value(interpreter.memory.slice_len(from, len).as_ref())
    };
    *top = U256::from_be_bytes(hash);
    Ok(())
}
