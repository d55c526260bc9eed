//! The sequential path: one transaction after another over the block's overlay state. It is the
//! reference every other strategy must equal.

use super::accumulator::BlockAccumulator;
use super::system::{apply_beacon_root, apply_post_block, beacon_root_to_store};
use super::transfer::TransferRules;
use crate::error::ExecError;
use crate::offload::evm_ops::{block_table, enter_lane};
use crate::options::ExecOptions;
use crate::output::{BlockOutput, InvalidTxReason};
use crate::state::{BlockState, DbError};
use revm::context::result::{EVMError, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, Context, ContextTr, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteCommitEvm, MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;

/// The revm instance the sequential path runs: mainnet instructions over the block's overlay.
pub type LaneEvm<'s, 'db, DB> = MainnetEvm<MainnetContext<&'s mut BlockState<'db, DB>>>;

/// The configuration every strategy gives revm for a block.
pub fn cfg_env(spec: SpecId, options: &ExecOptions) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = options.chain_id;
    cfg
}

/// Builds the EVM over the block's overlay.
pub fn lane_evm<'s, 'db, DB: DatabaseRef>(
    state: &'s mut BlockState<'db, DB>,
    spec: SpecId,
    block_env: &BlockEnv,
    options: &ExecOptions,
) -> LaneEvm<'s, 'db, DB> {
    let mut evm = Context::mainnet()
        .with_db(state)
        .with_block(block_env.clone())
        .with_cfg(cfg_env(spec, options))
        .build_mainnet();
    block_table(
        evm.instruction.instruction_table_mut(),
        options.offloader.is_some(),
    );
    evm
}

/// Maps revm's error for transaction `index` to the block's error, or to a skip reason when the
/// transaction itself is invalid.
pub fn classify_error(
    index: usize,
    error: EVMError<DbError, InvalidTransaction>,
) -> Result<InvalidTxReason, ExecError> {
    match error {
        EVMError::Transaction(reason) => Ok(InvalidTxReason::Evm(reason)),
        EVMError::Header(h) => Err(ExecError::InvalidHeader(h)),
        EVMError::Database(e) => Err(ExecError::Database(format!("transaction {index}: {e}"))),
        EVMError::Custom(e) => Err(ExecError::Evm(format!("transaction {index}: {e}"))),
        EVMError::CustomAny(e) => Err(ExecError::Evm(format!("transaction {index}: {e}"))),
    }
}

/// Runs transactions `start..` of the block in order on `state`, committing into `acc`.
pub fn run_txs<DB: DatabaseRef>(
    state: &mut BlockState<'_, DB>,
    start: usize,
    acc: &mut BlockAccumulator,
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    options: &ExecOptions,
) -> Result<(), ExecError> {
    let mut evm = lane_evm(state, spec, block_env, options);
    let _lane = options
        .offloader
        .as_ref()
        .map(|o| enter_lane(o.lane_route()));
    let transfers = TransferRules::for_block(spec, block_env, options);
    for (index, tx) in txs.iter().enumerate().skip(start) {
        if let Err(reason) = acc.check_budget(tx, block_env, spec) {
            acc.push_invalid(index, reason, options.mode)?;
            continue;
        }
        if let Some((rules, transfer)) = transfers
            .as_ref()
            .and_then(|rules| Some((rules, rules.candidate(tx)?)))
        {
            let state = evm.ctx.db_mut();
            if state
                .plain_transfer(&transfer, Some(rules.beneficiary()))
                .map_err(|e| ExecError::Database(format!("transaction {index}: {e}")))?
            {
                acc.push_executed(index, tx, transfer.result());
                continue;
            }
        }
        match evm.transact_commit(tx.clone()) {
            Ok(result) => acc.push_executed(index, tx, result),
            Err(error) => acc.push_invalid(index, classify_error(index, error)?, options.mode)?,
        }
    }
    Ok(())
}

/// Applies the EIP-4788 beacon-root system call to `state` (before the first transaction).
pub fn apply_beacon_root_on<DB: DatabaseRef>(
    state: &mut BlockState<'_, DB>,
    spec: SpecId,
    block_env: &BlockEnv,
    options: &ExecOptions,
) -> Result<(), ExecError> {
    // An EVM costs about 20 us to build back to back and 100-300 us after the machine idled:
    // built only when there is a root to store.
    if beacon_root_to_store(spec, &options.extras).is_none() {
        return Ok(());
    }
    apply_beacon_root(
        &mut lane_evm(state, spec, block_env, options),
        spec,
        &options.extras,
    )
}

/// Runs the block sequentially.
pub fn execute<DB: DatabaseRef>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
) -> Result<BlockOutput, ExecError> {
    // A transaction touches about three accounts (sender, recipient, beneficiary).
    let mut state = BlockState::with_capacity(db, 3 * txs.len() + 16);
    let mut acc = BlockAccumulator::with_capacity(txs.len());
    apply_beacon_root_on(&mut state, spec, block_env, options)?;
    run_txs(&mut state, 0, &mut acc, spec, block_env, txs, options)?;
    apply_post_block(&mut state, spec, block_env, &options.extras)?;
    let changes = state
        .into_canonical()
        .map_err(|e| ExecError::Database(e.to_string()))?;
    Ok(acc.finish(changes))
}
