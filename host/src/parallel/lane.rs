//! A lane: a worker thread that runs execution and validation tasks until the block is done.

use super::balance_hooks::hook_balance_uses;
use super::delta::Delta;
use super::fee::{beneficiary_fee, credit_account};
use super::handler::DeferredFeeHandler;
use super::hot_targets::HotTargets;
use super::lane_db::{LaneDb, LaneError};
use super::location::{CreditKind, Incarnation, Location, Read, TxIdx, Written};
use super::mv_memory::MvMemory;
use super::outcomes::Outcomes;
use super::padded::Padded;
use super::scheduler::{Scheduler, Task};
use super::sender_chains::SenderChains;
use crate::bloom::{BloomMemo, PreparedBloom};
use crate::exec::transfer::TransferRules;
use crate::offload::evm_ops::{block_table, enter_lane};
use crate::offload::EvmOffload;
use crate::output::AccountState;
use alloy_primitives::Bloom;
use crossbeam_utils::Backoff;
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, Context, ContextSetters, ContextTr, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteEvm, Handler, MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::interpreter::instructions::instruction_table;
use revm::precompile::Precompiles;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Log, TxKind, KECCAK_EMPTY};
use revm::state::EvmState;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Why a transaction's last incarnation produced no state.
#[derive(Debug, Clone)]
pub enum TxFailure {
    /// revm rejected the transaction.
    Invalid(InvalidTransaction),
    /// Something the parallel path does not reproduce exactly; the block runs sequentially.
    Fatal(String),
}

/// A transaction's last execution: revm's result with its receipt's logs and bloom prepared
/// ([`BloomMemo::prepare`]), or why there is none. Its state lives in the multi-version memory.
pub type TxExecution = Result<(ExecutionResult, Vec<Log>, PreparedBloom), TxFailure>;

/// Everything the lanes of one block share.
pub struct Shared<'a, B> {
    pub mv: &'a MvMemory,
    pub scheduler: &'a Scheduler,
    pub base: &'a B,
    pub txs: &'a [TxEnv],
    pub block_env: &'a BlockEnv,
    pub cfg: &'a CfgEnv,
    pub spec: SpecId,
    pub outcomes: &'a Outcomes,
    /// Incarnations executed and aborted so far by each lane (the dependency monitor's inputs),
    /// each lane's on its own cache line: they change on every execution.
    pub counts: Box<[Padded<LaneCounts>]>,
    /// Set when the monitor stopped the lanes because dependencies make parallelism lose.
    pub halted_for_dependencies: AtomicBool,
    /// The device the lanes' KECCAK256 and ALU opcodes may go to.
    pub offloader: Option<&'a EvmOffload>,
    /// Plain transfers the lanes execute natively (`None`: all go through revm).
    pub transfers: Option<TransferRules>,
    /// Contracts whose calls conflicted in this block.
    pub hot_targets: HotTargets<'a>,
    /// Each transaction's previous one from its sender.
    pub sender_chains: SenderChains<'a>,
}

/// A lane's incarnations executed and aborted.
#[derive(Default)]
pub struct LaneCounts {
    pub executions: AtomicUsize,
    pub aborts: AtomicUsize,
    /// First executions that waited for the previous call into their contract, which had
    /// conflicted, before running.
    pub waits: AtomicUsize,
    /// Executions that read a storage slot as a range (see [`super::slot_taint`]).
    pub ranged: AtomicUsize,
}

impl<B> Shared<'_, B> {
    /// The counts of `lane` (lanes past the count share: only the sums are read).
    fn counts(&self, lane: usize) -> &LaneCounts {
        &self.counts[lane % self.counts.len()].0
    }

    /// Executions, aborts and waits of all lanes so far.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for c in self.counts.iter() {
            totals.executions += c.executions.load(Ordering::Relaxed);
            totals.aborts += c.aborts.load(Ordering::Relaxed);
            totals.waits += c.waits.load(Ordering::Relaxed);
        }
        totals
    }
    /// Executions of all lanes so far that read a storage slot as a range.
    pub fn ranged(&self) -> usize {
        let ranged = self.counts.iter().map(|c| c.ranged.load(Ordering::Relaxed));
        ranged.sum()
    }
}

/// The sums of every lane's [`LaneCounts`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    pub executions: usize,
    pub aborts: usize,
    pub waits: usize,
}

/// What a lane reuses from one incarnation to the next.
#[derive(Default)]
struct Scratch {
    /// The incarnation's writes (cleared before each).
    writes: Vec<(Location, Written)>,
    /// Bloom bits of the events the lane has seen.
    blooms: BloomMemo,
}

type LaneEvm<'a, B> = MainnetEvm<MainnetContext<LaneDb<'a, B>>>;

/// Runs tasks as lane `lane` until the scheduler is done.
pub fn run_lane<B: DatabaseRef + Sync>(shared: &Shared<'_, B>, lane: usize) {
    let mut table = instruction_table();
    block_table(&mut table, shared.offloader.is_some());
    hook_balance_uses(&mut table);
    let mut evm: LaneEvm<'_, B> = Context::mainnet()
        .with_db(LaneDb::new(shared.mv, shared.base, table))
        .with_block(shared.block_env.clone())
        .with_cfg(shared.cfg.clone())
        .build_mainnet();
    *evm.instruction.instruction_table_mut() = table;
    let _lane = shared.offloader.map(|o| enter_lane(o.lane_route()));
    let precompiles = Precompiles::new(shared.spec.into());
    let mut scratch = Scratch::default();
    let mut task = None;
    let idle = Backoff::new();
    while !shared.scheduler.done() {
        let next = task.take().or_else(|| shared.scheduler.next_task(lane));
        if next.is_some() {
            idle.reset();
        }
        task = match next {
            Some(Task::Execute(txn, incarnation)) => execute(
                shared,
                &mut evm,
                precompiles,
                &mut scratch,
                (txn, incarnation),
                lane,
            ),
            Some(Task::Validate(txn, incarnation)) => validate(shared, txn, incarnation, lane),
            None => {
                // Nothing to do until another lane finishes: spin briefly (the wait is usually
                // one transaction), then give the core away, in case it is needed elsewhere.
                idle.snooze();
                None
            }
        };
    }
}

/// Stops the lanes when more than half of the executions so far were wasted, or when more
/// transactions than half the executions had to wait in line for the previous call into their
/// contract: the block's dependencies make parallel execution lose, and the rest runs
/// sequentially after the final prefix. Calls waiting in line run one after another at a lane's
/// cost, above the sequential path's, while a lane claiming past them counts each. (A third
/// was tried for both: for wasted executions it also stopped heavy mainnet blocks that lanes
/// still speed up, for waits most of 12522062; more waits than executions stopped a deposit
/// block only after 400-800 executions. Waits for a sender's previous transaction do not
/// count: an exchange's batch at the start of a block is all waits, and lanes still win it.)
fn monitor_dependencies<B>(shared: &Shared<'_, B>) {
    const MIN_SAMPLE: usize = 32;
    let Totals {
        executions,
        aborts,
        waits,
    } = shared.totals();
    if executions >= MIN_SAMPLE && (aborts * 2 > executions || waits * 2 > executions) {
        shared
            .halted_for_dependencies
            .store(true, Ordering::Relaxed);
        shared.scheduler.halt();
    }
}

fn validate<B: DatabaseRef>(
    shared: &Shared<'_, B>,
    txn: TxIdx,
    incarnation: Incarnation,
    lane: usize,
) -> Option<Task> {
    let base = super::lane_db::Base(shared.base);
    let changed = shared.mv.changed_read(txn, &base);
    let aborted = changed.is_some() && shared.scheduler.try_validation_abort(txn, incarnation);
    if let Some(changed) = changed.filter(|_| aborted) {
        shared.hot_targets.conflicted(txn, changed);
        shared.sender_chains.link();
        shared.mv.convert_writes_to_estimates(txn);
        shared.counts(lane).aborts.fetch_add(1, Ordering::Relaxed);
        monitor_dependencies(shared);
    }
    shared.scheduler.finish_validation(txn, aborted, lane)
}

fn execute<B: DatabaseRef>(
    shared: &Shared<'_, B>,
    evm: &mut LaneEvm<'_, B>,
    precompiles: &Precompiles,
    scratch: &mut Scratch,
    (txn, incarnation): (TxIdx, Incarnation),
    lane: usize,
) -> Option<Task> {
    let counts = shared.counts(lane);
    // Written when the execution ends; cold since the previous block.
    shared.outcomes.prefetch(txn);
    shared.mv.prefetch_record(txn);
    // A first execution waits for the previous transaction from its sender, or the previous
    // call into its contract while calls into it depend on the one before: the later of the two.
    let window = 2 * shared.counts.len();
    let contract = shared.hot_targets.wait_for(txn);
    let previous = shared.sender_chains.previous(txn, window).max(contract);
    if let Some(previous) = previous.filter(|_| incarnation == 0) {
        if shared.scheduler.add_dependency(txn, previous, lane) {
            if contract == Some(previous) {
                counts.waits.fetch_add(1, Ordering::Relaxed);
                monitor_dependencies(shared);
            }
            return None;
        }
    }
    let track = shared.hot_targets.track(txn, || shared.mv.was_aborted(txn));
    loop {
        counts.executions.fetch_add(1, Ordering::Relaxed);
        scratch.writes.clear();
        match run_incarnation(shared, evm, precompiles, scratch, txn, track) {
            Err(blocking) => {
                counts.aborts.fetch_add(1, Ordering::Relaxed);
                monitor_dependencies(shared);
                if shared.scheduler.add_dependency(txn, blocking, lane) {
                    return None;
                }
            }
            Ok(execution) => {
                let db = evm.ctx.db();
                check_against_previous_call(shared, txn, db.reads());
                let ranged = db.relaxed_slots() > 0;
                if ranged {
                    counts.ranged.fetch_add(1, Ordering::Relaxed);
                }
                if db.slot_taint().escaped_any() {
                    shared.hot_targets.untrackable(txn);
                } else if ranged {
                    shared.hot_targets.relaxed(txn);
                }
                let reads = evm.ctx.db_mut().reads_mut();
                let wrote_new = shared
                    .mv
                    .record_tracked(txn, reads, &mut scratch.writes, track);
                shared.outcomes.set(txn, execution);
                return shared
                    .scheduler
                    .finish_execution(txn, incarnation, wrote_new, lane);
            }
        }
    }
}

/// Notes whether an execution of `txn` read what the previous call into its contract wrote,
/// once that call executed (see [`HotTargets::checked`]).
fn check_against_previous_call<B>(shared: &Shared<'_, B>, txn: TxIdx, reads: &[Read]) {
    let Some(previous) = shared.hot_targets.unchecked_previous_call(txn) else {
        return;
    };
    if shared.scheduler.is_executed(previous) {
        let dependent = shared.mv.reads_a_write_of(reads, previous);
        shared.hot_targets.checked(txn, dependent);
    }
}

/// Whether `tx` is a plain transfer whose recipient can be credited without reading it.
fn lazy_candidate(tx: &TxEnv, beneficiary: Address, precompiles: &Precompiles) -> Option<Address> {
    match tx.kind {
        TxKind::Call(to)
            if !tx.value.is_zero()
                && to != tx.caller
                && to != beneficiary
                && tx.authorization_list.is_empty()
                && !precompiles.contains(&to) =>
        {
            Some(to)
        }
        _ => None,
    }
}

/// Runs one incarnation, leaving its reads in the lane's database and its writes in the scratch
/// (empty when it failed); `Err(t)` when it read an estimate of transaction `t`. A `track`ed
/// incarnation runs with the tracking table and may read slots as ranges.
fn run_incarnation<B: DatabaseRef>(
    shared: &Shared<'_, B>,
    evm: &mut LaneEvm<'_, B>,
    precompiles: &Precompiles,
    scratch: &mut Scratch,
    txn: TxIdx,
    track: bool,
) -> Result<TxExecution, TxIdx> {
    let Scratch { writes, blooms } = scratch;
    let tx = &shared.txs[txn];
    let beneficiary = shared.block_env.beneficiary;
    evm.ctx.db_mut().begin(txn);
    // A sender that is the beneficiary would read every fee credit: revm's path handles it.
    let transfer = shared.transfers.as_ref().and_then(|r| r.candidate(tx));
    if let Some(transfer) = transfer.filter(|t| !t.pays_itself()) {
        match evm.ctx.db_mut().plain_transfer(&transfer) {
            Ok(Some(done)) => {
                writes.extend([
                    (
                        Location::Account(transfer.caller),
                        Written::Account(Some(done.sender)),
                    ),
                    (
                        Location::Account(transfer.to),
                        Written::Credit(transfer.value(), CreditKind::Transfer),
                    ),
                    (
                        Location::Account(beneficiary),
                        Written::Credit(transfer.reward(), CreditKind::Fee),
                    ),
                ]);
                return Ok(Ok((
                    transfer.result(),
                    Vec::new(),
                    PreparedBloom::Whole(Bloom::ZERO),
                )));
            }
            Ok(None) => evm.ctx.db_mut().begin(txn),
            Err(LaneError::Blocked(t)) => return Err(t),
            Err(LaneError::Base(e)) => return Ok(Err(TxFailure::Fatal(e))),
        }
    }
    if let Some(to) = lazy_candidate(tx, beneficiary, precompiles) {
        match evm.ctx.db_mut().try_lazy_recipient(to) {
            Ok(_) => {}
            Err(LaneError::Blocked(t)) => return Err(t),
            Err(LaneError::Base(e)) => return Ok(Err(TxFailure::Fatal(e))),
        }
    }
    if let TxKind::Call(to) = tx.kind {
        // The transaction's own value is the first ether its recipient receives.
        evm.ctx.db_mut().balance_uses_mut().incoming(to, tx.value);
    }
    evm.ctx.set_tx(tx.clone());
    if track {
        *evm.instruction.instruction_table_mut() = evm.ctx.db().table(true);
    }
    let result = DeferredFeeHandler::default().run(evm);
    if track {
        *evm.instruction.instruction_table_mut() = evm.ctx.db().table(false);
    }
    let mut state: EvmState = evm.finalize();
    let result = match result {
        Ok(result) => result,
        Err(EVMError::Database(LaneError::Blocked(t))) => return Err(t),
        Err(EVMError::Transaction(reason)) => return Ok(Err(TxFailure::Invalid(reason))),
        Err(other) => return Ok(Err(TxFailure::Fatal(other.to_string()))),
    };
    let db = evm.ctx.db_mut();
    db.relax_balance_reads(&state, [tx.caller, beneficiary]);
    if track {
        db.relax_storage_reads();
    }
    let lazy_recipient = db.lazy_recipient();
    if lazy_recipient.is_some() && !result.is_success() {
        return Ok(Err(TxFailure::Fatal(
            "a plain transfer did not succeed".into(),
        )));
    }
    let fee = beneficiary_fee(tx, shared.block_env, &result, shared.spec);
    // The beneficiary's fee: merged as revm's reward step would when the transaction itself
    // loaded the beneficiary, a lazy credit otherwise.
    match state.get_mut(&beneficiary) {
        Some(account) => credit_account(account, fee, shared.spec),
        None => writes.push((
            Location::Account(beneficiary),
            Written::Credit(fee, CreditKind::Fee),
        )),
    }
    for (address, account) in &state {
        if !account.is_touched() {
            continue;
        }
        if Some(*address) == lazy_recipient {
            // The placeholder balance was zero, so the balance is exactly the transfer.
            writes.push((
                Location::Account(*address),
                Written::Credit(account.info.balance, CreditKind::Transfer),
            ));
            continue;
        }
        let destroyed =
            account.is_selfdestructed() || (account.is_empty() && !account.is_created());
        let reset = destroyed || account.is_created();
        if reset {
            writes.push((Location::StorageReset(*address), Written::StorageReset));
        }
        let info = &account.info;
        let value = (!destroyed).then_some(AccountState::from(info));
        if let Some(start) = db.relaxed_start(*address) {
            if info.balance != start {
                let delta = Delta::between(start, info.balance);
                writes.push((Location::Account(*address), Written::BalanceDelta(delta)));
            }
        } else if reset || db.observed_account(*address) != Some(value) {
            writes.push((Location::Account(*address), Written::Account(value)));
        }
        if destroyed {
            continue;
        }
        if info.code_hash != KECCAK_EMPTY && account.is_created() {
            if let Some(code) = &info.code {
                shared.mv.insert_code(info.code_hash, code.clone());
            }
        }
        for (slot, value) in account.storage.iter().filter(|(_, v)| v.is_changed()) {
            let value = value.present_value();
            let written = match db.relaxed_slot_start(*address, *slot) {
                Some(start) => Written::StorageDelta(Delta::between(start, value)),
                None => Written::Storage(value),
            };
            writes.push((Location::Storage(*address, *slot), written));
        }
    }
    db.keep_read_only_slots(writes);
    let logs = result.logs().to_vec();
    let bloom = blooms.prepare(&logs);
    Ok(Ok((result, logs, bloom)))
}
