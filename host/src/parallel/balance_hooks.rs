//! The lanes' instructions that use an ether balance, each noting the use in the lane
//! database's [`BalanceUses`](super::balance_uses::BalanceUses) before running revm's own
//! instruction unchanged. Every way an instruction can look at a balance or move ether is
//! here: BALANCE and SELFBALANCE read one, SELFDESTRUCT moves a whole one, CREATE and CREATE2
//! send an endowment, CALL and CALLCODE send a value (CALLCODE to the sender itself).
//! DELEGATECALL and STATICCALL move nothing.

use super::lane_db::LaneDb;
use revm::bytecode::opcode;
use revm::context::{ContextTr, JournalTr};
use revm::database_interface::DatabaseRef;
use revm::handler::MainnetContext;
use revm::interpreter::instructions::{contract, host};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::InputsTr;
use revm::interpreter::{Instruction, InstructionContext, InstructionExecResult, InstructionTable};
use revm::primitives::{Address, U256};

type LaneHost<'a, B> = MainnetContext<LaneDb<'a, B>>;
type Context<'c, 'a, B> = InstructionContext<'c, LaneHost<'a, B>, EthInterpreter>;

/// Replaces the balance-using instructions of a lane's `table`.
pub fn hook_balance_uses<B: DatabaseRef>(
    table: &mut InstructionTable<EthInterpreter, LaneHost<'_, B>>,
) {
    table[opcode::BALANCE as usize] = Instruction::new(balance::<B>);
    table[opcode::SELFBALANCE as usize] = Instruction::new(selfbalance::<B>);
    table[opcode::SELFDESTRUCT as usize] = Instruction::new(selfdestruct::<B>);
    table[opcode::CREATE as usize] = Instruction::new(create::<false, B>);
    table[opcode::CREATE2 as usize] = Instruction::new(create::<true, B>);
    table[opcode::CALL as usize] = Instruction::new(call::<{ opcode::CALL }, B>);
    table[opcode::CALLCODE as usize] = Instruction::new(call::<{ opcode::CALLCODE }, B>);
}

/// The address in stack word `n` from the top, if the stack is that deep (revm's instruction
/// then fails on its own).
fn address_at<B: DatabaseRef>(ctx: &Context<'_, '_, B>, n: usize) -> Option<Address> {
    let word = ctx.interpreter.stack.peek(n).ok()?;
    Some(Address::from_word(word.into()))
}

fn uses<'c, B: DatabaseRef>(
    ctx: &'c mut Context<'_, '_, B>,
) -> &'c mut super::balance_uses::BalanceUses {
    ctx.host.db_mut().balance_uses_mut()
}

fn balance<B: DatabaseRef>(mut ctx: Context<'_, '_, B>) -> InstructionExecResult {
    if let Some(address) = address_at(&ctx, 0) {
        uses(&mut ctx).read(address);
    }
    host::balance(ctx)
}

fn selfbalance<B: DatabaseRef>(mut ctx: Context<'_, '_, B>) -> InstructionExecResult {
    let current = ctx.interpreter.input.target_address();
    uses(&mut ctx).read(current);
    host::selfbalance(ctx)
}

fn selfdestruct<B: DatabaseRef>(mut ctx: Context<'_, '_, B>) -> InstructionExecResult {
    let current = ctx.interpreter.input.target_address();
    uses(&mut ctx).read(current);
    // The heir receives a whole balance, whatever it is: its own must be exact too.
    if let Some(heir) = address_at(&ctx, 0) {
        uses(&mut ctx).read(heir);
    }
    host::selfdestruct(ctx)
}

fn create<const IS_CREATE2: bool, B: DatabaseRef>(
    mut ctx: Context<'_, '_, B>,
) -> InstructionExecResult {
    let current = ctx.interpreter.input.target_address();
    uses(&mut ctx).read(current);
    contract::create::<IS_CREATE2, _, _>(ctx)
}

fn call<const KIND: u8, B: DatabaseRef>(mut ctx: Context<'_, '_, B>) -> InstructionExecResult {
    let value = ctx.interpreter.stack.peek(2).unwrap_or(U256::ZERO);
    if !value.is_zero() {
        let current = ctx.interpreter.input.target_address();
        // The executing account is loaded: its balance now is what revm's check will see.
        let now = ctx
            .host
            .journal_ref()
            .evm_state()
            .get(&current)
            .map(|account| account.info.balance);
        let recipient = address_at(&ctx, 1);
        let uses = uses(&mut ctx);
        match now {
            Some(now) => uses.outgoing(current, now, value),
            None => uses.read(current),
        }
        if let Some(to) = recipient.filter(|_| KIND == opcode::CALL) {
            uses.incoming(to, value);
        }
    }
    contract::call::<KIND, _, _>(ctx)
}
