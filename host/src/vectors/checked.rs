//! Executing a test block as configured and, when that took the parallel path, sequentially as
//! well: the two must agree exactly, so every vector also tests parallel == sequential.

use crate::error::ExecError;
use crate::exec::Strategy;
use crate::execute_block;
use crate::options::ExecOptions;
use crate::output::BlockOutput;
use revm::context::{BlockEnv, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::primitives::hardfork::SpecId;

/// The block's result, or (outer `Err`) how the parallel and sequential results differ.
pub fn execute_checked<DB: DatabaseRef + Send + Sync>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
) -> Result<Result<BlockOutput, ExecError>, String> {
    let result = execute_block(spec, block_env, txs, db, options);
    let parallel = match &result {
        Ok(output) => output.report.strategy == Strategy::Parallel,
        Err(_) => options.threads > 1 || options.min_parallel_txs == 0,
    };
    if !parallel {
        return Ok(result);
    }
    let sequential = execute_block(
        spec,
        block_env,
        txs,
        db,
        &ExecOptions {
            threads: 1,
            min_parallel_txs: usize::MAX,
            ..options.clone()
        },
    );
    match (&result, &sequential) {
        (Ok(p), Ok(s)) => match p.first_difference(s) {
            None => Ok(result),
            Some(diff) => Err(format!("parallel differs from sequential: {diff}")),
        },
        (Err(p), Err(s)) if p == s => Ok(result),
        (p, s) => Err(format!(
            "parallel gave {:?} but sequential {:?}",
            p.as_ref().err(),
            s.as_ref().err()
        )),
    }
}
