//! The instruction table of a tracked incarnation: every entry shows the instruction to the
//! lane database's [`SlotTaint`](super::slot_taint::SlotTaint) before and after running the
//! lane's own instruction (kept in the database) unchanged. Until the first SLOAD of a hot slot
//! ([`super::hot_slots`]), and again once every source escaped, only SSTOREs and those SLOADs
//! are looked at.

use super::lane_db::LaneDb;
use revm::bytecode::opcode;
use revm::context::{ContextTr, JournalTr};
use revm::database_interface::DatabaseRef;
use revm::handler::MainnetContext;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::InputsTr;
use revm::interpreter::{Instruction, InstructionContext, InstructionExecResult, InstructionTable};

type LaneHost<'a, B> = MainnetContext<LaneDb<'a, B>>;
type Context<'c, 'a, B> = InstructionContext<'c, LaneHost<'a, B>, EthInterpreter>;

/// A lane's instruction.
pub type LaneInstruction<'a, B> = Instruction<EthInterpreter, LaneHost<'a, B>>;
/// A lane's instruction table.
pub type LaneTable<'a, B> = InstructionTable<EthInterpreter, LaneHost<'a, B>>;

/// One row of the tracking table: opcodes `16 * row` to `16 * row + 15`.
macro_rules! row {
    ($row:literal, $b:ty) => {
        row!(@ $row, $b; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
    };
    (@ $row:literal, $b:ty; $($column:literal)*) => {
        [$(Instruction::new(tracked::<{ $row * 16 + $column }, $b>)),*]
    };
}

/// The table a tracked incarnation runs with.
pub fn tracking_table<'a, B: DatabaseRef>() -> LaneTable<'a, B> {
    #[rustfmt::skip]
    let rows: [[LaneInstruction<'a, B>; 16]; 16] = [
        row!(0, B), row!(1, B), row!(2, B), row!(3, B), row!(4, B), row!(5, B), row!(6, B),
        row!(7, B), row!(8, B), row!(9, B), row!(10, B), row!(11, B), row!(12, B), row!(13, B),
        row!(14, B), row!(15, B),
    ];
    std::array::from_fn(|op| rows[op / 16][op % 16])
}

/// Opcode `OP` of a tracked incarnation (a constant, so the common case is one test and the
/// lane's own instruction).
fn tracked<const OP: u8, B: DatabaseRef>(ctx: Context<'_, '_, B>) -> InstructionExecResult {
    let InstructionContext { interpreter, host } = ctx;
    let op = OP;
    let own = host.db().untracked(op);
    if op != opcode::SLOAD && op != opcode::SSTORE && !host.db().slot_taint().active() {
        return own.execute(InstructionContext { interpreter, host });
    }
    let address = interpreter.input.target_address();
    let (mut present, mut hot) = (None, false);
    match (op, interpreter.stack.peek(0)) {
        (opcode::SSTORE, Ok(key)) => {
            let account = host.journal_ref().evm_state().get(&address);
            present = account
                .and_then(|account| account.storage.get(&key))
                .map(|slot| slot.present_value);
        }
        (opcode::SLOAD, Ok(key)) => hot = host.db().is_hot_slot(address, key),
        _ => {}
    }
    let watched = op == opcode::SSTORE || hot;
    if !watched && !host.db().slot_taint().active() {
        return own.execute(InstructionContext { interpreter, host });
    }
    let depth = host.journal_ref().depth();
    let stack = interpreter.stack.data();
    let step = (host.db_mut().slot_taint_mut()).before(depth, op, stack, (address, present, hot));
    let result = own.execute(InstructionContext {
        interpreter: &mut *interpreter,
        host: &mut *host,
    });
    let stack = interpreter.stack.data();
    host.db_mut().slot_taint_mut().after(depth, step, stack);
    result
}
