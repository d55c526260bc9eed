//! The yardstick of every speedup fpevm reports: plain revm, one transaction after another,
//! committing into revm's own `CacheDB` over the same pre-state.

use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::database::CacheDB;
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteCommitEvm, MainBuilder, MainContext};
use revm::primitives::hardfork::SpecId;

/// Runs `txs` with plain revm; the error names the first transaction revm rejected.
pub fn revm_sequential<DB: DatabaseRef>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    chain_id: u64,
) -> Result<Vec<ExecutionResult>, String> {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = chain_id;
    let mut evm = Context::mainnet()
        .with_db(CacheDB::new(db))
        .with_block(block_env.clone())
        .with_cfg(cfg)
        .build_mainnet();
    txs.iter()
        .enumerate()
        .map(|(i, tx)| evm.transact_commit(tx.clone()).map_err(|e| format!("transaction {i}: {e}")))
        .collect()
}
