//! The yardstick of every speedup fpevm reports: plain revm, one transaction after another,
//! committing into revm's own `CacheDB` over the same pre-state, and building the receipts
//! (status, cumulative gas, logs, bloom) every client builds from revm's results.

use crate::receipt::Receipt;
use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::database::CacheDB;
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteCommitEvm, MainBuilder, MainContext};
use revm::primitives::hardfork::SpecId;

/// Runs `txs` with plain revm; the error names the first transaction revm rejected. With
/// `receipts`, also builds each transaction's receipt.
pub fn revm_sequential<DB: DatabaseRef>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    chain_id: u64,
    receipts: bool,
) -> Result<(Vec<ExecutionResult>, Vec<Receipt>), String> {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = chain_id;
    let mut evm = Context::mainnet()
        .with_db(CacheDB::new(db))
        .with_block(block_env.clone())
        .with_cfg(cfg)
        .build_mainnet();
    let mut results = Vec::with_capacity(txs.len());
    let mut built = Vec::with_capacity(if receipts { txs.len() } else { 0 });
    let mut gas_used = 0;
    for (i, tx) in txs.iter().enumerate() {
        let result = evm
            .transact_commit(tx.clone())
            .map_err(|e| format!("transaction {i}: {e}"))?;
        if receipts {
            gas_used += result.tx_gas_used();
            built.push(Receipt::new(
                tx.tx_type,
                result.is_success(),
                gas_used,
                result.logs().to_vec(),
            ));
        }
        results.push(result);
    }
    Ok((results, built))
}
