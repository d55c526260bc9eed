//! The sequential path: one transaction after another over the block's overlay state. It is the
//! reference every other strategy must equal.

use super::block_rules::max_blob_gas_per_block;
use super::system::{apply_beacon_root, apply_post_block};
use crate::error::ExecError;
use crate::options::{ExecMode, ExecOptions};
use crate::output::{BlockOutput, InvalidTxReason, SkippedTx};
use crate::receipt::Receipt;
use crate::state::{BlockState, DbError};
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteCommitEvm, MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::primitives::eip4844::GAS_PER_BLOB;
use revm::primitives::hardfork::SpecId;
use alloy_primitives::Bloom;

/// The revm instance a lane runs: mainnet instructions over the block's overlay state.
pub type LaneEvm<'s, 'db, DB> = MainnetEvm<MainnetContext<&'s mut BlockState<'db, DB>>>;

/// The configuration every strategy gives revm for a block.
pub fn cfg_env(spec: SpecId, options: &ExecOptions) -> CfgEnv {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = options.chain_id;
    cfg
}

/// Builds the EVM for one lane.
pub fn lane_evm<'s, 'db, DB: DatabaseRef>(
    state: &'s mut BlockState<'db, DB>,
    spec: SpecId,
    block_env: &BlockEnv,
    options: &ExecOptions,
) -> LaneEvm<'s, 'db, DB> {
    Context::mainnet()
        .with_db(state)
        .with_block(block_env.clone())
        .with_cfg(cfg_env(spec, options))
        .build_mainnet()
}

/// Checks the block-level budget a transaction needs before it runs.
pub fn check_block_budget(
    tx: &TxEnv,
    gas_used: u64,
    blob_gas_used: u64,
    block_env: &BlockEnv,
    spec: SpecId,
) -> Result<(), InvalidTxReason> {
    let available = block_env.gas_limit.saturating_sub(gas_used);
    if tx.gas_limit > available {
        return Err(InvalidTxReason::BlockGasExceeded { gas_limit: tx.gas_limit, available });
    }
    let blob_gas = GAS_PER_BLOB.saturating_mul(tx.blob_hashes.len() as u64);
    let available = max_blob_gas_per_block(spec).saturating_sub(blob_gas_used);
    if blob_gas > available {
        return Err(InvalidTxReason::BlobGasExceeded { blob_gas, available });
    }
    Ok(())
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

/// Runs the block sequentially.
pub fn execute<DB: DatabaseRef>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
) -> Result<BlockOutput, ExecError> {
    let mut state = BlockState::new(db);
    let mut results: Vec<ExecutionResult> = Vec::with_capacity(txs.len());
    let mut receipts = Vec::with_capacity(txs.len());
    let mut tx_indexes = Vec::with_capacity(txs.len());
    let mut skipped = Vec::new();
    let (mut gas_used, mut blob_gas_used) = (0u64, 0u64);
    {
        let mut evm = lane_evm(&mut state, spec, block_env, options);
        apply_beacon_root(&mut evm, spec, &options.extras)?;
        for (index, tx) in txs.iter().enumerate() {
            let outcome = match check_block_budget(tx, gas_used, blob_gas_used, block_env, spec) {
                Err(reason) => Err(reason),
                Ok(()) => match evm.transact_commit(tx.clone()) {
                    Ok(result) => Ok(result),
                    Err(error) => Err(classify_error(index, error)?),
                },
            };
            match outcome {
                Ok(result) => {
                    gas_used += result.tx_gas_used();
                    blob_gas_used += GAS_PER_BLOB * tx.blob_hashes.len() as u64;
                    let receipt =
                        Receipt::new(tx.tx_type, result.is_success(), gas_used, result.logs().to_vec());
                    receipts.push(receipt);
                    results.push(result);
                    tx_indexes.push(index);
                }
                Err(reason) => match options.mode {
                    ExecMode::Validate => return Err(ExecError::InvalidTransaction { index, reason }),
                    ExecMode::Build => skipped.push(SkippedTx { index, reason }),
                },
            }
        }
    }
    apply_post_block(&mut state, spec, block_env, &options.extras)?;
    let mut logs_bloom = Bloom::ZERO;
    for receipt in &receipts {
        logs_bloom.accrue_bloom(&receipt.bloom);
    }
    Ok(BlockOutput {
        results,
        receipts,
        tx_indexes,
        skipped,
        state: state.into_changes(),
        gas_used,
        blob_gas_used,
        logs_bloom,
        report: Default::default(),
    })
}
