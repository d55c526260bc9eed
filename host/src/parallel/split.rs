//! A block split in two parts run side by side, each over its own overlay of the pre-state,
//! kept only when neither part read anything the other changed. Tried first for a block on
//! two lanes ([`ExecOptions::split`]); when it fails, the Block-STM lanes run the block.
//!
//! Why: a part runs as the sequential path does, without the lanes' multi-version memory,
//! whose bookkeeping costs 40-60% of a transaction on a lane. Where the block's transactions
//! are independent (transfers of a token between different holders, swaps on different pools)
//! two parts take about half the sequential time each.
//!
//! Why it equals sequential execution: every location a part read (a write is always preceded
//! by a read of its location) held the same value before the block as after any transactions
//! of the other part, so each transaction saw what it would have seen sequentially, and revm
//! is deterministic. The beneficiary's fees are deferred in both parts and credited in block
//! order at the end; a part that touched the beneficiary makes the split fail.
//!
//! The parts: transactions from one sender stay together (each reads the nonce the one before
//! wrote), and so do calls into one contract when that keeps the parts balanced (swaps on a
//! pool) or when they carry no input (value sent to one account); otherwise a contract's calls
//! are split by block order (transfers of a token, most of which touch different balances).
//!
//! The steps, on two lanes woken once: each lane runs its part (plain transfers natively, as
//! the sequential path does); once both have, each checks that its part read no change of the
//! other; once both checks are done, each puts its part's changes in canonical form; then lane
//! 0 (the caller's thread) joins the changes while lane 1 interleaves the records and credits
//! the fees.

use super::apply_post_block_to;
use super::credit::apply_credit;
use super::early_starts::MIN_GAS_LIMIT;
use super::fee::beneficiary_fee;
use super::handler::DeferredFeeHandler;
use super::lane_pool::{linger, Standby};
use super::mv_memory::lock;
use super::spin_join::{Meeting, Seat};
use crate::error::ExecError;
use crate::exec::sequential::{apply_beacon_root_on, lane_evm};
use crate::exec::transfer::TransferRules;
use crate::exec::{BlockAccumulator, ExecReport, Strategy};
use crate::options::{ExecMode, ExecOptions};
use crate::output::{AccountChange, AccountState, BlockOutput, StateChanges};
use crate::state::{canonical_with_changed_slots, BlockState, DbError};
use revm::context::result::{EVMError, InvalidTransaction};
use revm::context::{BlockEnv, ContextSetters, ContextTr, TxEnv};
use revm::database_interface::{DatabaseCommit, DatabaseRef};
use revm::handler::{ExecuteEvm, Handler};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{AddressMap, TxKind, U256};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering as AtomicOrdering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How many blocks skip the split after failed tries: none after a success, then 8, 16, 32,
/// ... up to [`Backoff::MAX`] after consecutive failures. A failed try costs about half the
/// block. A node following mainnet (whose blocks have parts that touch a shared pool, token or
/// the beneficiary: none of the corpus' blocks splits) soon tries one block in 256; a
/// sequencer's blocks of independent transfers and swaps try every block.
struct Backoff;

static FAILED_TRIES: AtomicU32 = AtomicU32::new(0);
static BLOCKS_TO_SKIP: AtomicU32 = AtomicU32::new(0);

impl Backoff {
    const FIRST: u32 = 8;
    const MAX: u32 = 256;

    /// Whether this block tries the split (else it counts as one skipped).
    fn try_now() -> bool {
        BLOCKS_TO_SKIP
            .fetch_update(AtomicOrdering::Relaxed, AtomicOrdering::Relaxed, |n| {
                n.checked_sub(1)
            })
            .is_err()
    }

    /// Records a try's outcome.
    fn record(kept: bool) {
        if kept {
            FAILED_TRIES.store(0, AtomicOrdering::Relaxed);
            return;
        }
        let failed = FAILED_TRIES.fetch_add(1, AtomicOrdering::Relaxed);
        BLOCKS_TO_SKIP.store(Self::skip_after(failed + 1), AtomicOrdering::Relaxed);
    }

    /// Blocks skipped after `failed` consecutive failed tries.
    fn skip_after(failed: u32) -> u32 {
        (1..failed.min(32)).fold(Self::FIRST, |skip, _| (2 * skip).min(Self::MAX))
    }
}

/// What a lane leaves for another step, once it ran (`None` also when its part failed).
type Done<T> = Mutex<Option<T>>;

/// One part's transaction records, and per transaction (in block order) its index and the fee
/// it owes the beneficiary.
type Records = (BlockAccumulator, Vec<(usize, U256)>);

/// The block a split runs, as both lanes see it.
struct Block<'a, DB> {
    spec: SpecId,
    block_env: &'a BlockEnv,
    txs: &'a [TxEnv],
    db: &'a DB,
    options: &'a ExecOptions,
    /// The part of each transaction (0 or 1).
    assigned: &'a [u8],
}

/// What the two lanes of a split hand each other, and the caller, between its steps.
struct Handover<'db, DB> {
    /// Each part's overlay: read by both lanes' checks, then taken by its own lane.
    states: [RwLock<Option<BlockState<'db, DB>>>; 2],
    /// Each part's records, interleaved by lane 1.
    records: [Done<Records>; 2],
    /// Each part's canonical changes, joined by lane 0.
    changes: [Done<Result<StateChanges, DbError>>; 2],
    /// Set when a part failed or read a change of the other: the try is over.
    failed: AtomicBool,
    /// The block's records in block order, and the beneficiary's change once its fees are
    /// credited (lane 1).
    interleaved: Done<(BlockAccumulator, Option<AccountChange>)>,
    /// The block's changes from its transactions (lane 0, the caller's thread, which will
    /// likely free them).
    joined: Done<Result<StateChanges, DbError>>,
}

/// Runs the block as two independent parts; `None` when the split does not apply (build
/// mode, an offloading device, blob transactions, or a transaction that may run long: its
/// part's gas limits would not tell its work, while the lanes start it early), was
/// skipped by the backoff, or the parts were not independent (the caller then runs the block
/// another way).
pub fn try_split<DB: DatabaseRef + Sync>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
) -> Option<(BlockOutput, ExecReport)> {
    if options.mode != ExecMode::Validate
        || options.offloader.is_some()
        || txs.len() < 2
        || txs
            .iter()
            .any(|tx| !tx.blob_hashes.is_empty() || tx.gas_limit >= MIN_GAS_LIMIT)
        // The forced (testing) mode tries every block.
        || !(options.min_parallel_txs == 0 || Backoff::try_now())
    {
        return None;
    }
    // Lane 1's thread wakes while the parts are assigned.
    let standby = Standby::start(2);
    let (assigned, [first, second]) = assign_parts(txs);
    // Parts that leave one lane most of the work gain little (a chain of transfers is one
    // group): not tried, and counted as a failed try.
    if 4 * u128::from(first.min(second)) < u128::from(first) + u128::from(second) {
        Backoff::record(false);
        return None;
    }
    let block = Block {
        spec,
        block_env,
        txs,
        db,
        options,
        assigned: &assigned,
    };
    // A speculative part may meet an error sequential execution would not (a read of the
    // base it makes only on a value the other part changed): any error makes the try fail,
    // and the path that runs the block instead reports the real one.
    let kept = split(&block, standby).ok().flatten();
    Backoff::record(kept.is_some());
    kept
}

/// [`try_split`] once it applies, without the backoff's record. Each lane runs its part, then
/// (once both have) checks that its part read no change of the other, then (once both checks
/// are done) puts its part's changes in canonical form; lane 0 then joins the parts' changes,
/// lane 1 interleaves their records. `standby` wakes lane 1's thread.
fn split<DB: DatabaseRef + Sync>(
    block: &Block<'_, DB>,
    standby: Standby,
) -> Result<Option<(BlockOutput, ExecReport)>, ExecError> {
    let handover = Handover {
        states: Default::default(),
        records: Default::default(),
        changes: Default::default(),
        failed: AtomicBool::new(false),
        interleaved: Default::default(),
        joined: Default::default(),
    };
    let meeting = Meeting::new(2);
    standby.run_lanes(2, |lane| {
        run_lane(block, &handover, &mut meeting.seat(3), lane)
    });
    let done = (
        lock(&handover.interleaved).take(),
        lock(&handover.joined).take(),
    );
    let (Some((acc, credited)), Some(changes)) = done else {
        return Ok(None);
    };
    let mut changes = changes.map_err(|e| ExecError::Database(e.to_string()))?;
    let Block {
        spec,
        block_env,
        db,
        options,
        assigned,
        ..
    } = *block;
    if let Some(change) = credited {
        changes.accounts.insert(block_env.beneficiary, change);
    }
    apply_post_block_to(&mut changes, db, spec, block_env, options)?;
    let report = ExecReport {
        strategy: Strategy::Parallel,
        reason: format!(
            "2 independent parts of {} and {} transactions",
            assigned.iter().filter(|p| **p == 0).count(),
            assigned.iter().filter(|p| **p == 1).count()
        ),
        lanes: 2,
        elapsed: Default::default(),
    };
    Ok(Some((acc.finish(changes), report)))
}

/// Lane `lane`'s steps of [`split`], meeting the other lane at `seat`'s three points.
fn run_lane<'db, DB: DatabaseRef + Sync>(
    block: &Block<'db, DB>,
    handover: &Handover<'db, DB>,
    seat: &mut Seat<'_>,
    lane: usize,
) {
    let failed = &handover.failed;
    match run_part(block, lane, failed) {
        Ok(Some((state, records))) => {
            *write(&handover.states[lane]) = Some(state);
            *lock(&handover.records[lane]) = Some(records);
        }
        _ => failed.store(true, AtomicOrdering::Release),
    }
    seat.meet();
    if !failed.load(AtomicOrdering::Acquire) {
        let (mine, other) = (
            read(&handover.states[lane]),
            read(&handover.states[1 - lane]),
        );
        let independent = match (mine.as_ref(), other.as_ref()) {
            (Some(mine), Some(other)) => {
                !mine.read_a_change_of(other) && !mine.touched(block.block_env.beneficiary)
            }
            _ => false,
        };
        if !independent {
            failed.store(true, AtomicOrdering::Release);
        }
    }
    // Past this point no lane reads the other's overlay.
    seat.meet();
    let state = write(&handover.states[lane]).take();
    if failed.load(AtomicOrdering::Acquire) {
        return;
    }
    *lock(&handover.changes[lane]) = state.map(BlockState::into_canonical);
    seat.arrive();
    if lane == 1 {
        let [first, second] = handover.records.each_ref().map(|r| lock(r).take());
        let (Some((first, mut fees)), Some((second, other_fees))) = (first, second) else {
            return;
        };
        fees.extend(other_fees);
        fees.sort_unstable_by_key(|(index, _)| *index);
        let acc = BlockAccumulator::interleave([first, second], block.txs, block.block_env);
        if let (Some(acc), Some(credited)) = (acc, credited_beneficiary(&fees, block)) {
            *lock(&handover.interleaved) = Some((acc, credited));
        }
        // Queued on this thread, which takes it as soon as its part of the try ends: the
        // caller need not wake it.
        linger(2);
    } else {
        seat.wait();
        let [first, second] = handover.changes.each_ref().map(|c| lock(c).take());
        let joined = match (first, second) {
            (Some(Ok(first)), Some(Ok(second))) => Ok(merge_independent(first, second)),
            (Some(Err(e)), _) | (_, Some(Err(e))) => Err(e),
            _ => return,
        };
        *lock(&handover.joined) = Some(joined);
    }
}

/// `lock` read; a lane that panicked holding it left an overlay that nothing keeps.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// `lock` written (see [`read`]).
fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// The part (0 or 1) of each transaction. Transactions are grouped by sender, and by call
/// target unless the target has more than half the block's calls and the call has input
/// (calls without input to one account all change its balance, or run its one fallback);
/// groups sharing a transaction are one group. The groups with the most gas limit are dealt
/// first, each to the part with the least so far. Also returns each part's gas limits.
fn assign_parts(txs: &[TxEnv]) -> (Vec<u8>, [u64; 2]) {
    let mut calls: AddressMap<usize> =
        AddressMap::with_capacity_and_hasher(txs.len(), Default::default());
    for tx in txs {
        if let TxKind::Call(to) = tx.kind {
            *calls.entry(to).or_default() += 1;
        }
    }
    // Union-find over transactions: each joins the first of its sender and of its target.
    let mut parent: Vec<usize> = (0..txs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_of: AddressMap<usize> =
        AddressMap::with_capacity_and_hasher(2 * txs.len(), Default::default());
    for (i, tx) in txs.iter().enumerate() {
        let target = match tx.kind {
            TxKind::Call(to)
                if tx.data.is_empty() || calls.get(&to).is_some_and(|n| 2 * n <= txs.len()) =>
            {
                Some(to)
            }
            _ => None,
        };
        for key in std::iter::once(tx.caller).chain(target) {
            let first = *first_of.entry(key).or_insert(i);
            let (a, b) = (root(&mut parent, first), root(&mut parent, i));
            parent[a.max(b)] = a.min(b);
        }
    }
    // Per group: its transactions' gas limits (the work a part takes, as far as it is known
    // before running) and its index.
    let mut sizes: Vec<(u64, usize)> = Vec::new();
    let mut group_of = vec![0; txs.len()];
    let mut index: Vec<Option<usize>> = vec![None; txs.len()];
    for i in 0..txs.len() {
        let r = root(&mut parent, i);
        let g = *index[r].get_or_insert_with(|| {
            sizes.push((0, sizes.len()));
            sizes.len() - 1
        });
        sizes[g].0 = sizes[g].0.saturating_add(txs[i].gas_limit);
        group_of[i] = g;
    }
    let mut part_of_group = vec![0u8; sizes.len()];
    let mut load = [0u64; 2];
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    for (size, g) in sizes {
        let part = usize::from(load[1] < load[0]);
        load[part] = load[part].saturating_add(size);
        part_of_group[g] = part as u8;
    }
    let assigned = group_of.iter().map(|g| part_of_group[*g]).collect();
    (assigned, load)
}

/// Runs the transactions of part `part` in block order over the pre-state (the beacon root
/// stored first by part 0), the beneficiary unpaid; `Ok(None)` when one is invalid there, or
/// when `stop` is set (the other part failed).
fn run_part<'db, DB: DatabaseRef>(
    block: &Block<'db, DB>,
    part: usize,
    stop: &AtomicBool,
) -> Result<Option<(BlockState<'db, DB>, Records)>, ExecError> {
    let Block {
        spec,
        block_env,
        txs,
        db,
        options,
        assigned,
    } = *block;
    let count = assigned.iter().filter(|p| usize::from(**p) == part).count();
    let mut state = BlockState::with_capacity(db, 3 * count + 16);
    let mut acc = BlockAccumulator::with_capacity(count);
    let mut fees = Vec::with_capacity(count);
    if part == 0 {
        apply_beacon_root_on(&mut state, spec, block_env, options)?;
    }
    {
        let mut evm = lane_evm(&mut state, spec, block_env, options);
        let transfers = TransferRules::for_block(spec, block_env, options);
        let mine = txs.iter().enumerate().zip(assigned);
        for ((index, tx), _) in mine.filter(|(_, p)| usize::from(**p) == part) {
            if stop.load(AtomicOrdering::Relaxed) || acc.check_budget(tx, block_env, spec).is_err()
            {
                return Ok(None);
            }
            // A plain transfer runs natively, its fee deferred like the others'.
            if let Some(transfer) = transfers.as_ref().and_then(|rules| rules.candidate(tx)) {
                let state = evm.ctx.db_mut();
                if state
                    .plain_transfer(&transfer, None)
                    .map_err(|e| ExecError::Database(e.to_string()))?
                {
                    fees.push((index, transfer.reward()));
                    acc.push_executed(index, tx, transfer.result());
                    continue;
                }
            }
            evm.ctx.set_tx(tx.clone());
            let result: Result<_, EVMError<DbError, InvalidTransaction>> =
                DeferredFeeHandler::default().run(&mut evm);
            let changes = evm.finalize();
            let Ok(result) = result else { return Ok(None) };
            evm.ctx.db_mut().commit(changes);
            fees.push((index, beneficiary_fee(tx, block_env, &result, spec)));
            acc.push_executed(index, tx, result);
        }
    }
    acc.complete_blooms();
    Ok(Some((state, (acc, fees))))
}

/// The canonical changes of two independent parts together. An account both changed was only
/// written slot by slot by both (its value or a wipe would have been read by the other), so
/// its slots join. (`BTreeMap::append` merges two maps in one pass, without sorting again.)
fn merge_independent(mut first: StateChanges, mut second: StateChanges) -> StateChanges {
    for address in keys_in_both(&first.accounts, &second.accounts) {
        if let (Some(mine), Some(mut theirs)) = (
            first.accounts.get_mut(&address),
            second.accounts.remove(&address),
        ) {
            mine.storage.append(&mut theirs.storage);
        }
    }
    first.accounts.append(&mut second.accounts);
    first.codes.append(&mut second.codes);
    first
}

/// The keys two maps share, found in one walk over both.
fn keys_in_both<K: Ord + Copy, V>(a: &BTreeMap<K, V>, b: &BTreeMap<K, V>) -> Vec<K> {
    let mut both = Vec::new();
    let (mut a, mut b) = (a.keys().peekable(), b.keys().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        match x.cmp(y) {
            Ordering::Less => drop(a.next()),
            Ordering::Greater => drop(b.next()),
            Ordering::Equal => {
                both.push(**x);
                a.next();
                b.next();
            }
        }
    }
    both
}

/// The beneficiary's change once the fees are credited to it in block order (neither part
/// touched it): `Some(None)` when it ends as it began; `None` when a credit removes it (an
/// empty beneficiary touched, left to the other paths) or its pre-state cannot be read (the
/// path that runs the block instead reports the error).
fn credited_beneficiary<DB: DatabaseRef>(
    fees: &[(usize, U256)],
    block: &Block<'_, DB>,
) -> Option<Option<AccountChange>> {
    let beneficiary = block.block_env.beneficiary;
    let original = block
        .db
        .basic_ref(beneficiary)
        .ok()?
        .map(AccountState::from);
    let mut value = original;
    for (_, fee) in fees {
        value = Some(apply_credit(value, *fee, block.spec)?);
    }
    let change = AccountChange {
        info: value,
        ..AccountChange::default()
    };
    Some(canonical_with_changed_slots(change, original).map(|(change, _)| change))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::sequential;
    use crate::workload::{generate, Workload, WorkloadKind};

    fn options() -> ExecOptions {
        ExecOptions {
            threads: 2,
            ..ExecOptions::default()
        }
    }

    /// The split of `w` by `assigned`, checked equal to the sequential output when kept.
    fn split_of(w: &Workload, assigned: &[u8]) -> Option<BlockOutput> {
        let options = options();
        let block = Block {
            spec: w.spec,
            block_env: &w.block_env,
            txs: &w.txs,
            db: &w.state,
            options: &options,
            assigned,
        };
        let split = split(&block, Standby::start(2)).expect("no error");
        split.map(|(output, _)| {
            let expected = sequential::execute(w.spec, &w.block_env, &w.txs, &w.state, &options)
                .expect("runs sequentially");
            assert_eq!(output.first_difference(&expected), None);
            output
        })
    }

    #[test]
    fn independent_parts_give_the_sequential_output() {
        for kind in [
            WorkloadKind::Erc20,
            WorkloadKind::Uniswap,
            WorkloadKind::Mixed,
            WorkloadKind::Raw,
        ] {
            let w = generate(kind, 60, 3);
            let (assigned, _) = assign_parts(&w.txs);
            assert!(assigned.contains(&0) && assigned.contains(&1), "{kind:?}");
            assert!(split_of(&w, &assigned).is_some(), "{kind:?} is split");
        }
    }

    #[test]
    fn parts_that_write_what_the_other_reads_are_not_kept() {
        // Every even transaction pays one deposit address: parts by parity are independent,
        // halves of the block both write its balance.
        let w = generate(WorkloadKind::Deposits, 40, 5);
        let by_parity: Vec<u8> = (0..40).map(|i| (i % 2) as u8).collect();
        assert!(split_of(&w, &by_parity).is_some());
        let halves: Vec<u8> = (0..40).map(|i| u8::from(i >= 20)).collect();
        assert!(split_of(&w, &halves).is_none());
        // Swaps in both halves meet on the pools' reserves.
        let w = generate(WorkloadKind::Uniswap, 40, 5);
        assert!(split_of(&w, &halves).is_none());
        // A dependent chain: every call reads the counter the one before wrote.
        let w = generate(WorkloadKind::Chain, 40, 5);
        assert!(split_of(&w, &by_parity).is_none());
    }

    #[test]
    fn a_part_that_touches_the_beneficiary_is_not_kept() {
        let mut w = generate(WorkloadKind::Raw, 10, 7);
        let assigned: Vec<u8> = (0..10).map(|i| (i % 2) as u8).collect();
        assert!(split_of(&w, &assigned).is_some());
        w.txs[7].kind = TxKind::Call(w.block_env.beneficiary);
        assert!(split_of(&w, &assigned).is_none());
    }

    #[test]
    fn transactions_of_one_sender_or_one_pool_share_a_part() {
        let w = generate(WorkloadKind::Uniswap, 300, 9);
        let (assigned, _) = assign_parts(&w.txs);
        let mut part_of_pool: AddressMap<u8> = AddressMap::default();
        for (tx, part) in w.txs.iter().zip(&assigned) {
            let TxKind::Call(pool) = tx.kind else {
                panic!("swaps call pools")
            };
            assert_eq!(*part_of_pool.entry(pool).or_insert(*part), *part);
        }
        let count = assigned.iter().filter(|p| **p == 0).count();
        assert!((100..=200).contains(&count), "{count} of 300 in part 0");
    }

    #[test]
    fn a_chain_of_transfers_is_one_group_and_not_tried() {
        let w = generate(WorkloadKind::Chain, 50, 4);
        let (_, loads) = assign_parts(&w.txs);
        assert!(loads.contains(&0), "{loads:?}");
        let forced = ExecOptions {
            min_parallel_txs: 0,
            ..options()
        };
        assert!(try_split(w.spec, &w.block_env, &w.txs, &w.state, &forced).is_none());
    }

    #[test]
    fn failed_tries_skip_more_blocks_each_time() {
        let skips: Vec<u32> = (1..=7).map(Backoff::skip_after).collect();
        assert_eq!(skips, [8, 16, 32, 64, 128, 256, 256]);
        assert_eq!(Backoff::skip_after(u32::MAX), Backoff::MAX);
    }
}
