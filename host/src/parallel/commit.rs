//! Committing the lanes' final executions in block order into the block's state.
//!
//! Each transaction's state is completed exactly as sequential revm would have left it: the
//! lazily credited recipient gets its real balance, the beneficiary its fee (revm's reward step,
//! same touch and normalization rules). The completed state then goes through the same
//! `BlockState::commit` and `BlockAccumulator` as the sequential path, which is why the outputs
//! are equal.

use super::fee::credit_account;
use super::lane::{TxExecution, TxFailure};
use crate::error::ExecError;
use crate::exec::BlockAccumulator;
use crate::options::ExecMode;
use crate::output::InvalidTxReason;
use crate::state::BlockState;
use revm::context::{BlockEnv, TxEnv};
use revm::database_interface::{DatabaseCommit, DatabaseRef};
use revm::primitives::hardfork::SpecId;
use revm::state::{Account, AccountInfo, TransactionId};

/// Why a transaction could not be committed from its parallel execution.
pub enum CommitError {
    /// The block is invalid (validate mode) or the base state failed.
    Block(ExecError),
    /// The parallel result cannot be used as is; the block runs sequentially from here.
    Fallback(String),
}

impl From<ExecError> for CommitError {
    fn from(e: ExecError) -> Self {
        Self::Block(e)
    }
}

/// Context shared by every commit of one block.
pub struct CommitCtx<'a> {
    pub block_env: &'a BlockEnv,
    pub spec: SpecId,
    pub mode: ExecMode,
}

/// Commits transaction `index` from its final parallel execution.
pub fn commit_tx<DB: DatabaseRef>(
    state: &mut BlockState<'_, DB>,
    acc: &mut BlockAccumulator,
    ctx: &CommitCtx<'_>,
    index: usize,
    tx: &TxEnv,
    execution: TxExecution,
) -> Result<(), CommitError> {
    if let Err(reason) = acc.check_budget(tx, ctx.block_env, ctx.spec) {
        if ctx.mode == ExecMode::Build {
            return Err(CommitError::Fallback(format!(
                "transaction {index} is over the block's budget"
            )));
        }
        acc.push_invalid(index, reason, ctx.mode)?;
    }
    let result = match execution.result {
        Ok(result) => result,
        Err(TxFailure::Invalid(reason)) => {
            return Ok(acc.push_invalid(index, InvalidTxReason::Evm(reason), ctx.mode)?)
        }
        Err(TxFailure::Fatal(reason)) => {
            return Err(CommitError::Fallback(format!(
                "transaction {index}: {reason}"
            )))
        }
    };
    let mut tx_state = execution.state;
    let db_err = |e: crate::state::DbError| CommitError::Block(ExecError::Database(e.to_string()));
    if let Some(to) = execution.lazy_recipient {
        let real = state.account(to).map_err(db_err)?;
        if let Some(account) = tx_state.get_mut(&to) {
            let credited = account.info.balance;
            let real = real.unwrap_or_default();
            let Some(balance) = real.balance.checked_add(credited) else {
                return Err(CommitError::Fallback(format!(
                    "transaction {index}: recipient balance overflows"
                )));
            };
            account.info.balance = balance;
            account.info.nonce = real.nonce;
        }
    }
    if let Some(fee) = execution.deferred_fee {
        let beneficiary = ctx.block_env.beneficiary;
        let mut account = match state.account(beneficiary).map_err(db_err)? {
            Some(s) => Account::from(AccountInfo {
                balance: s.balance,
                nonce: s.nonce,
                code_hash: s.code_hash,
                code: None,
                ..AccountInfo::default()
            }),
            None => Account::new_not_existing(TransactionId::ZERO),
        };
        credit_account(&mut account, fee, ctx.spec);
        tx_state.insert(beneficiary, account);
    }
    state.commit(tx_state);
    acc.push_executed(index, tx, result);
    Ok(())
}
