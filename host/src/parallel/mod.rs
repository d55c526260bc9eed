//! Parallel execution in the Block-STM family: lanes execute transactions optimistically over a
//! multi-version memory, validate what they read, re-execute on conflict, and the results are
//! committed in block order.
//!
//! Why parallel equals sequential: when the scheduler is done, each transaction's last
//! incarnation read, for every location, the value sequential execution would have given it
//! (validation re-resolved every read against the final writes of all lower transactions).
//! revm is deterministic, so that incarnation's result and state are the sequential ones, except
//! for two deliberate differences that `commit` undoes with revm's own rules: the beneficiary's
//! fee is deferred, and a plain transfer's recipient is credited without reading its balance.
//! Anything the parallel path cannot reproduce exactly (a fatal error, a budget skip in build
//! mode) makes the block run sequentially from the first affected transaction.

mod commit;
mod credit;
mod fee;
mod handler;
mod lane;
mod lane_db;
mod location;
mod mv_memory;
mod scheduler;

use crate::error::ExecError;
use crate::exec::sequential::{apply_beacon_root_on, cfg_env, run_txs};
use crate::exec::system::apply_post_block;
use crate::exec::{BlockAccumulator, ExecReport, Strategy};
use crate::options::ExecOptions;
use crate::output::BlockOutput;
use crate::state::BlockState;
use commit::{commit_tx, CommitCtx, CommitError};
use lane::{run_lane, Shared};
use mv_memory::MvMemory;
use revm::context::{BlockEnv, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::primitives::hardfork::SpecId;
use scheduler::Scheduler;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Executes the block in `lanes` parallel lanes.
pub fn execute<DB: DatabaseRef + Sync>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
    lanes: usize,
) -> Result<(BlockOutput, ExecReport), ExecError> {
    let mut state = BlockState::new(db);
    apply_beacon_root_on(&mut state, spec, block_env, options)?;
    let cfg = cfg_env(spec, options);
    let mv = MvMemory::new(txs.len(), spec);
    let scheduler = Scheduler::new(txs.len());
    let outcomes: Vec<Mutex<Option<lane::TxExecution>>> =
        (0..txs.len()).map(|_| Mutex::new(None)).collect();
    let shared = Shared {
        mv: &mv,
        scheduler: &scheduler,
        base: &state,
        txs,
        block_env,
        cfg: &cfg,
        spec,
        outcomes: &outcomes,
        executions: AtomicUsize::new(0),
        aborts: AtomicUsize::new(0),
        halted_for_dependencies: AtomicBool::new(false),
    };
    std::thread::scope(|scope| {
        for _ in 0..lanes {
            scope.spawn(|| run_lane(&shared));
        }
    });
    let halted = shared.halted_for_dependencies.load(Ordering::Relaxed);
    let (executions, aborts) = (shared.executions.into_inner(), shared.aborts.into_inner());
    let final_prefix = if halted {
        validated_prefix(&mv, &scheduler, &state, txs.len())
    } else {
        txs.len()
    };
    drop(mv);

    let mut acc = BlockAccumulator::with_capacity(txs.len());
    let ctx = CommitCtx {
        block_env,
        spec,
        mode: options.mode,
    };
    let mut sequential_from = None;
    for (index, (tx, outcome)) in txs.iter().zip(outcomes).enumerate().take(final_prefix) {
        let execution = outcome.into_inner().unwrap_or_else(|e| e.into_inner());
        let Some(execution) = execution else {
            sequential_from = Some((index, "an execution is missing".to_string()));
            break;
        };
        match commit_tx(&mut state, &mut acc, &ctx, index, tx, execution) {
            Ok(()) => {}
            Err(CommitError::Block(e)) => return Err(e),
            Err(CommitError::Fallback(reason)) => {
                sequential_from = Some((index, reason));
                break;
            }
        }
    }
    if halted && sequential_from.is_none() && final_prefix < txs.len() {
        sequential_from = Some((
            final_prefix,
            "dependencies made parallel lanes lose".to_string(),
        ));
    }
    let reason = match &sequential_from {
        None => format!("{lanes} lanes; {executions} executions, {aborts} aborted or waited"),
        Some((index, why)) => {
            format!("{lanes} lanes up to transaction {index}, then sequential: {why}")
        }
    };
    if let Some((index, _)) = sequential_from {
        // Every transaction before `index` is committed and nothing after it: the sequential
        // path continues from exactly the state it would have reached itself.
        run_txs(&mut state, index, &mut acc, spec, block_env, txs, options)?;
    }
    apply_post_block(&mut state, spec, block_env, &options.extras)?;
    let report = ExecReport {
        strategy: Strategy::Parallel,
        reason,
        lanes,
        elapsed: Default::default(),
    };
    Ok((acc.finish(state.into_changes()), report))
}

/// After the lanes were halted: the longest prefix of transactions whose last execution is
/// final, i.e. executed and still valid against the writes of the transactions before them.
fn validated_prefix<B: DatabaseRef>(
    mv: &MvMemory,
    scheduler: &Scheduler,
    base: &B,
    txs: usize,
) -> usize {
    let base = lane_db::Base(base);
    (0..txs)
        .take_while(|&txn| scheduler.is_executed(txn) && mv.validate(txn, &base))
        .count()
}
