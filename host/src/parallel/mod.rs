//! Parallel execution in the Block-STM family: lanes execute transactions optimistically over a
//! multi-version memory, validate what they read, re-execute on conflict; results are then taken
//! in block order and the state changes from the memory's final entries.
//!
//! Why parallel equals sequential: when the scheduler is done, each transaction's last
//! incarnation read, for every location, the value sequential execution would have given it
//! (validation re-resolved every read against the final writes of all lower transactions, lazy
//! credits evaluated with revm's own touch-and-add rule). revm is deterministic, so that
//! incarnation's result and writes are the sequential ones, and the final entry of every
//! location is the sequential final value. Both paths then put their raw changes in the same
//! canonical form. Anything the parallel path does not reproduce exactly (a fatal error, a
//! budget skip in build mode, dependencies that make lanes lose) runs the block sequentially.

mod apart;
mod balance_hooks;
mod balance_uses;
mod credit;
mod delta;
mod early_starts;
mod fee;
mod fee_column;
mod final_changes;
mod handler;
mod hot_slots;
mod hot_targets;
mod kept;
mod lane;
mod lane_codes;
mod lane_db;
mod lane_originals;
mod lane_pool;
mod location;
mod lowest_writers;
mod mv_memory;
mod outcomes;
mod padded;
mod prefetch;
mod scheduler;
mod sender_chains;
mod slot_hooks;
mod slot_table;
mod slot_taint;
mod spin_join;
mod split;
mod versions;

use crate::error::ExecError;
use crate::exec::sequential::{apply_beacon_root_on, cfg_env, run_txs};
use crate::exec::system::apply_post_block;
use crate::exec::transfer::TransferRules;
use crate::exec::{BlockAccumulator, ExecReport, Strategy};
use crate::options::{ExecMode, ExecOptions};
use crate::output::{BlockOutput, InvalidTxReason, StateChanges};
use crate::state::{overlay_canonical, BlockState, ChangesOverlay, FromDb};
use early_starts::choose_early_starts;
use hot_targets::HotTargets;
use lane::{run_lane, Shared, Totals, TxFailure};
use lane_db::Base;
use lane_pool::Standby;
use mv_memory::MvMemory;
use outcomes::Outcomes;
use padded::Padded;
use revm::context::{BlockEnv, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::primitives::hardfork::SpecId;
use scheduler::Scheduler;
use sender_chains::SenderChains;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub(crate) use split::try_split;

/// Executes the block in `lanes` parallel lanes (or sequentially, when that is the exact or
/// faster way; the report says which and why).
pub fn execute<DB: DatabaseRef + Sync>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
    lanes: usize,
) -> Result<(BlockOutput, ExecReport), ExecError> {
    let entered = Instant::now();
    let standby = Standby::start(lanes);
    let db_err = |e: String| ExecError::Database(e);
    let mut pre = BlockState::new(db);
    apply_beacon_root_on(&mut pre, spec, block_env, options)?;
    let cfg = cfg_env(spec, options);
    let mv = MvMemory::take(txs.len(), spec, block_env.beneficiary);
    let mut scheduler = Scheduler::take(txs.len(), lanes);
    choose_early_starts(txs, lanes, scheduler.early_starts());
    let outcomes = Outcomes::take(txs.len());
    let shared = Shared {
        mv: &mv,
        scheduler: &scheduler,
        base: &pre,
        txs,
        block_env,
        cfg: &cfg,
        spec,
        outcomes: &outcomes,
        counts: (0..lanes.max(1)).map(|_| Padded::default()).collect(),
        halted_for_dependencies: AtomicBool::new(false),
        offloader: options.offloader.as_ref(),
        transfers: TransferRules::for_block(spec, block_env, options),
        hot_targets: HotTargets::new(txs, options.lazy_storage),
        sender_chains: SenderChains::new(txs, block_env.beneficiary),
    };
    let started = Instant::now();
    let setup = started - entered;
    standby.run_lanes(lanes, |lane| run_lane(&shared, lane));
    let lanes_time = started.elapsed();
    let Totals {
        executions,
        aborts,
        waits,
    } = shared.totals();
    let ranged = shared.ranged();
    let started_early = scheduler.started_early();
    let lost = || {
        format!(
            "dependencies made lanes lose ({aborts} of {executions} executions wasted, {waits} \
             waited for a conflicting contract)"
        )
    };
    // After a halt, only the prefix whose executions are final is kept; the rest of the block
    // runs sequentially on top of it.
    let halted = shared.halted_for_dependencies.load(Ordering::Relaxed);
    let upto = if halted {
        validated_prefix(&mv, &scheduler, &Base(&pre), txs.len())
    } else {
        txs.len()
    };
    if upto < txs.len() / 4 {
        recycle(mv, scheduler, outcomes);
        // A short prefix is not worth stitching: the plain sequential path is faster.
        return sequential(spec, block_env, txs, db, options, lost());
    }

    // The results are taken beside the extraction of the state changes. The extraction
    // evaluates every lazy credit and balance delta: a transfer that overflows changes its own
    // transaction's result, and the block then runs sequentially (as it does, defensively, for
    // a delta that leaves a balance's range, which validation rules out).
    let earlier = pre.take_changes();
    let (changes, results) = mv.final_changes(&Base(&pre), db, earlier, upto, lanes, || {
        take_results(txs, &outcomes, upto, spec, block_env, options)
    });
    let inexact = mv.lazy_change_inexact();
    // On a lane thread (awake: it has just finished the extraction), so that the block's
    // output does not wait for it (clearing a 2,000-transaction block's memory takes about
    // 70 us).
    lane_pool::spawn(move || recycle(mv, scheduler, outcomes));
    lane_pool::linger(lanes);
    if inexact {
        let reason = "a lazy change has no exact equivalent (a lazily credited transfer \
                      overflows its recipient's balance, a delta leaves the range of a \
                      balance or a storage value, or a wiped account's slot has deltas)"
            .to_string();
        return sequential(spec, block_env, txs, db, options, reason);
    }
    let t_final = started.elapsed();
    let Some(results) = results else {
        let why = changes.err();
        return Err(db_err(
            why.unwrap_or_else(|| "the results were not taken".into()),
        ));
    };
    let mut acc = match results? {
        Ok(acc) => acc,
        Err(reason) => return sequential(spec, block_env, txs, db, options, reason),
    };
    let mut changes = changes.map_err(db_err)?;
    if upto < txs.len() {
        let view = ChangesOverlay {
            db,
            changes: &changes,
        };
        let mut rest = BlockState::new(&view);
        run_txs(&mut rest, upto, &mut acc, spec, block_env, txs, options)?;
        let rest_changes = rest.into_changes();
        overlay_canonical(&mut changes, rest_changes, &FromDb(db))
            .map_err(|e| ExecError::Database(e.to_string()))?;
    }
    apply_post_block_to(&mut changes, db, spec, block_env, options)?;
    tracing::debug!(?setup, ?lanes_time, ?t_final, total = ?started.elapsed(), "parallel block");
    let reason = if upto < txs.len() {
        format!(
            "{lanes} lanes up to transaction {upto}, then sequential: {}",
            lost()
        )
    } else {
        format!("{lanes} lanes; {executions} executions, {aborts} aborted, {waits} waited for a contract")
    };
    let reason = match started_early {
        0 => reason,
        n => format!("{reason}; {n} started early"),
    };
    let reason = match ranged {
        0 => reason,
        n => format!("{reason}; {n} read token-like balances as ranges"),
    };
    let report = ExecReport {
        strategy: Strategy::Parallel,
        reason,
        lanes,
        elapsed: Default::default(),
    };
    Ok((acc.finish(changes), report))
}

/// Applies the steps after the block's transactions (withdrawals, rewards) to the block's
/// canonical `changes` over `db`.
fn apply_post_block_to<DB: DatabaseRef>(
    changes: &mut StateChanges,
    db: &DB,
    spec: SpecId,
    block_env: &BlockEnv,
    options: &ExecOptions,
) -> Result<(), ExecError> {
    let view = ChangesOverlay { db, changes };
    let mut post = BlockState::new(&view);
    apply_post_block(&mut post, spec, block_env, &options.extras)?;
    let post_changes = post.into_changes();
    overlay_canonical(changes, post_changes, &FromDb(db))
        .map_err(|e| ExecError::Database(e.to_string()))
}

/// The results of the transactions below `upto`, in block order, from their final executions,
/// their receipts' blooms completed; `Ok(Err(reason))` when the block must run sequentially
/// instead.
fn take_results(
    txs: &[TxEnv],
    outcomes: &Outcomes,
    upto: usize,
    spec: SpecId,
    block_env: &BlockEnv,
    options: &ExecOptions,
) -> Result<Result<BlockAccumulator, String>, ExecError> {
    let mut acc = BlockAccumulator::with_capacity(txs.len());
    for (index, tx) in txs.iter().enumerate().take(upto) {
        let outcome = outcomes.take_result(index);
        let budget = acc.check_budget(tx, block_env, spec);
        let restart = match (outcome, budget) {
            (_, Err(_)) | (Some(Err(_)), _) | (None, _) if options.mode == ExecMode::Build => {
                // A skip changes what later transactions see: only sequential execution knows.
                Some(format!("transaction {index} is skipped in build mode"))
            }
            (_, Err(reason)) => {
                acc.push_invalid(index, reason, options.mode)?;
                None
            }
            (Some(Ok((result, logs, bloom))), Ok(())) => {
                acc.push_executed_with(index, tx, result, logs, bloom);
                None
            }
            (Some(Err(TxFailure::Invalid(reason))), Ok(())) => {
                acc.push_invalid(index, InvalidTxReason::Evm(reason), options.mode)?;
                None
            }
            (Some(Err(TxFailure::Fatal(why))), Ok(())) => {
                Some(format!("transaction {index}: {why}"))
            }
            (None, Ok(())) => Some(format!("transaction {index} has no result")),
        };
        if let Some(reason) = restart {
            return Ok(Err(reason));
        }
    }
    acc.complete_blooms();
    Ok(Ok(acc))
}

/// Clears a block's per-transaction structures and keeps them for a later block.
fn recycle(mv: MvMemory, scheduler: Scheduler, outcomes: Outcomes) {
    mv.recycle();
    scheduler.recycle();
    outcomes.recycle();
}

fn sequential<DB: DatabaseRef>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
    reason: String,
) -> Result<(BlockOutput, ExecReport), ExecError> {
    let output = crate::exec::sequential::execute(spec, block_env, txs, db, options)?;
    let report = ExecReport {
        strategy: Strategy::Sequential,
        reason,
        lanes: 1,
        elapsed: Default::default(),
    };
    Ok((output, report))
}

/// After the lanes were halted: the longest prefix of transactions whose last execution is
/// final, i.e. executed and still valid against the final writes of the transactions before it.
fn validated_prefix(
    mv: &MvMemory,
    scheduler: &Scheduler,
    base: &dyn mv_memory::BaseState,
    txs: usize,
) -> usize {
    (0..txs)
        .take_while(|&txn| scheduler.is_executed(txn) && mv.validate(txn, base))
        .count()
}
