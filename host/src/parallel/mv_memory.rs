//! Multi-version memory: for every location, the values written by each transaction of the
//! block, so a transaction reads what the transactions before it wrote.
//!
//! Invariant: a read by transaction `j` resolves to the entries of transactions `< j` only, and
//! an `Estimate` entry (left by an aborted incarnation) is never read through: the reader waits
//! for that transaction instead. Lazy credits are evaluated on read with the exact semantics of
//! [`apply_credit`], so a read value equals the sequential value whenever all entries below `j`
//! are final.
//!
//! Cost: every access hashes its location and locks one of [`SHARDS`] tables; the slots of
//! one contract spread over all of them, so lanes working on one token do not queue on a lock.
//! The beneficiary's fee credits, one per transaction, live beside the tables
//! ([`super::fee_column`]). Memories are recycled from block to block ([`MvMemory::take`]), so
//! a block in steady state allocates almost nothing here.

use super::credit::{apply_credit, transfer_overflows};
use super::delta::BalanceRange;
use super::fee_column::{Fee, FeeColumn};
use super::hot_slots::HotSlots;
use super::kept::{fit, Kept};
use super::location::{CreditKind, Location, Observed, Read, TxIdx, Written};
use super::lowest_writers::LowestWriters;
use super::padded::Padded;
use super::prefetch::prefetch;
use super::slot_table::SlotTable;
use super::versions::VersionList;
use crate::output::AccountState;
use revm::bytecode::Bytecode;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, B256Map, B256, KECCAK_EMPTY, U256};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};

/// Tables per memory: enough that two lanes rarely meet on one lock.
pub(super) const SHARDS: usize = 128;

#[derive(Debug, Clone)]
pub(super) enum Entry {
    Data(Written),
    Estimate,
}

/// A location's value before the block, once read (the base never changes during a block).
#[derive(Debug, Clone, Copy)]
pub(super) enum Original {
    Unknown,
    Account(Option<AccountState>),
    Storage(U256),
}

impl Entry {
    /// Whether the entry changes the value before it rather than replacing it.
    fn is_lazy(&self) -> bool {
        matches!(
            self,
            Entry::Data(Written::Credit(..) | Written::BalanceDelta(_) | Written::StorageDelta(_))
        )
    }
}

/// The versions of one location and its cached original value.
#[derive(Debug)]
pub(super) struct Slot {
    pub location: Location,
    /// Changed only through [`Self::set`] and [`Self::remove`], which keep `long` in step.
    pub entries: VersionList<Entry>,
    /// The indexes of an account that a read found with more than [`LONG_AFTER`] lazy entries
    /// after its last whole value (boxed: most locations have one or two entries).
    long: Option<Box<LongList>>,
    pub original: Original,
}

/// Lazy entries a read walks back over before the location is indexed ([`LongList`]).
const LONG_AFTER: usize = 16;

/// Lazy entries a read walks between two of an account's checkpoints.
const CHECKPOINT_EVERY: usize = 16;

/// Indexes of a location with many entries: an address every transfer of a block credits
/// lazily, or a contract that many transactions pay.
#[derive(Debug, Default)]
struct LongList {
    /// The transactions whose entries are not lazy (whole values and estimates): a read finds
    /// the latest below it without walking the lazy entries after it.
    wholes: VersionList<()>,
    /// An account's value after every [`CHECKPOINT_EVERY`]-th lazy entry a read walked, by
    /// transaction, in order: a read starts from the latest below it. Invariant: each was
    /// evaluated from the entries below it as they are now (a set or a removal drops those at
    /// and above its transaction).
    checkpoints: Vec<(TxIdx, Option<AccountState>)>,
}

impl Slot {
    pub(super) fn new(location: Location) -> Self {
        Self {
            location,
            entries: VersionList::default(),
            long: None,
            original: Original::Unknown,
        }
    }

    /// Sets `txn`'s entry.
    fn set(&mut self, txn: TxIdx, entry: Entry) {
        if let Some(long) = &mut self.long {
            long.drop_checkpoints_from(txn);
            if entry.is_lazy() {
                long.wholes.remove(txn);
            } else {
                long.wholes.insert(txn, ());
            }
        }
        self.entries.insert(txn, entry);
    }

    /// Removes `txn`'s entry, if any.
    fn remove(&mut self, txn: TxIdx) {
        if let Some(long) = &mut self.long {
            long.drop_checkpoints_from(txn);
            long.wholes.remove(txn);
        }
        self.entries.remove(txn);
    }

    /// An account's value below `txn`: its last whole value (`whole` when there is none),
    /// then the lazy entries after it applied in order by `apply`, from the latest checkpoint
    /// on the way; and the first transaction after that whole value. `Err` with the
    /// transaction of an estimate.
    fn account_below(
        &mut self,
        txn: TxIdx,
        whole: impl FnOnce(&mut Self) -> Result<Option<AccountState>, String>,
        apply: impl Fn(Option<AccountState>, &Written) -> Option<AccountState>,
    ) -> Result<(Option<AccountState>, TxIdx), Resolved<Option<AccountState>>> {
        let (start, value) = match self.last_whole_below(txn) {
            Some((idx, Entry::Estimate)) => return Err(Resolved::Blocked(Blocked(idx))),
            Some((idx, Entry::Data(Written::Account(v)))) => (idx + 1, *v),
            _ => (0, whole(self).map_err(Resolved::Failed)?),
        };
        let checkpoint = self
            .long
            .as_ref()
            .and_then(|long| long.checkpoint_below(txn));
        let (from, mut value) = match checkpoint {
            Some((idx, value)) if idx >= start => (idx + 1, value),
            _ => (start, value),
        };
        // Without an index the walk is short (see `last_whole_below`). New checkpoints go
        // after the last one, keeping them in order.
        let mut long = self.long.as_deref_mut();
        let last = long
            .as_ref()
            .and_then(|long| long.checkpoints.last())
            .map(|c| c.0);
        let lazy = self.entries.from(from).take_while(|(idx, _)| **idx < txn);
        for (walked, (idx, entry)) in lazy.enumerate() {
            if let Entry::Data(written) = entry {
                value = apply(value, written);
            }
            if (walked + 1) % CHECKPOINT_EVERY == 0 && last < Some(*idx) {
                if let Some(long) = long.as_mut() {
                    long.checkpoints.push((*idx, value));
                }
            }
        }
        Ok((value, start))
    }

    /// The latest entry below `txn` that is not lazy. A walk back over more than
    /// [`LONG_AFTER`] lazy entries indexes the location for the reads after it.
    fn last_whole_below(&mut self, txn: TxIdx) -> Option<(TxIdx, &Entry)> {
        let idx = match &self.long {
            Some(long) => *long.wholes.below(txn).next_back()?.0,
            None => {
                let mut walked = 0;
                let stop = self.entries.below(txn).rev().find(|(_, entry)| {
                    walked += 1;
                    !entry.is_lazy() || walked > LONG_AFTER
                });
                match stop.map(|(idx, entry)| (*idx, entry.is_lazy())) {
                    None => return None,
                    Some((idx, false)) => idx,
                    Some((_, true)) => {
                        self.long = Some(Box::new(LongList::indexing(&self.entries)));
                        return self.last_whole_below(txn);
                    }
                }
            }
        };
        self.entries.get(idx).map(|entry| (idx, entry))
    }

    /// A storage slot's chain below `txn`: its latest whole value (zero past the wipe at
    /// `reset`; `None` when there is neither: the value before the block), and how many lazy
    /// deltas follow it. `Err` with the transaction of an estimate on the way.
    pub(super) fn storage_chain(
        &self,
        txn: TxIdx,
        reset: Option<TxIdx>,
    ) -> Result<(Option<U256>, usize), TxIdx> {
        let mut deltas = 0;
        for (idx, entry) in self.entries.below(txn).rev() {
            if reset.is_some_and(|r| *idx < r) {
                return Ok((Some(U256::ZERO), deltas));
            }
            match entry {
                Entry::Estimate => return Err(*idx),
                Entry::Data(Written::Storage(value)) => return Ok((Some(*value), deltas)),
                _ => deltas += 1,
            }
        }
        Ok((reset.map(|_| U256::ZERO), deltas))
    }

    /// The last `count` lazy deltas below `txn`, in order (see [`Self::storage_chain`]).
    pub(super) fn last_deltas(
        &self,
        txn: TxIdx,
        count: usize,
    ) -> impl Iterator<Item = &super::delta::Delta> {
        let entries = (count > 0).then(|| self.entries.below(txn).rev().take(count).rev());
        entries
            .into_iter()
            .flatten()
            .filter_map(|(_, entry)| match entry {
                Entry::Data(Written::StorageDelta(delta)) => Some(delta),
                _ => None,
            })
    }

    /// The account before the block, read from `base` the first time.
    fn original_account(
        &mut self,
        address: Address,
        base: &dyn BaseState,
    ) -> Result<Option<AccountState>, String> {
        if let Original::Account(value) = self.original {
            return Ok(value);
        }
        let value = base.base_account(address)?;
        self.original = Original::Account(value);
        Ok(value)
    }
}

impl LongList {
    fn indexing(entries: &VersionList<Entry>) -> Self {
        let mut long = Self::default();
        for (idx, entry) in entries.from(0) {
            if !entry.is_lazy() {
                long.wholes.insert(*idx, ());
            }
        }
        long
    }

    fn drop_checkpoints_from(&mut self, txn: TxIdx) {
        let kept = self.checkpoints.partition_point(|(idx, _)| *idx < txn);
        self.checkpoints.truncate(kept);
    }

    fn checkpoint_below(&self, txn: TxIdx) -> Option<(TxIdx, Option<AccountState>)> {
        let below = self.checkpoints.partition_point(|(idx, _)| *idx < txn);
        below.checked_sub(1).map(|i| self.checkpoints[i])
    }
}

pub(super) type Table = SlotTable;

/// A shard on its own cache lines, so lanes locking neighbours do not slow each other.
type Shard = Padded<Mutex<Table>>;

/// A read that cannot complete until transaction `.0` executes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked(pub TxIdx);

/// Where a read falls through to when no transaction before the reader wrote the location.
pub trait BaseState {
    /// The account before the block's transactions.
    fn base_account(&self, address: Address) -> Result<Option<AccountState>, String>;
    /// The slot before the block's transactions.
    fn base_storage(&self, address: Address, slot: U256) -> Result<U256, String>;
}

/// The outcome of resolving a location: a value, a dependency, or a base-state failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved<T> {
    /// The value the reader sees.
    Value(T),
    /// The reader depends on a transaction that must execute again first.
    Blocked(Blocked),
    /// The base state failed (the message says how).
    Failed(String),
}

/// What a failed validation found changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// A slot that tracked executions may yet read as a range: read as a value by an
    /// untracked execution, or by a tracked one although hot (through too many deltas), or a
    /// range read blocked on an estimate.
    Slot,
    /// Anything else: an account, a range its value left, a slot a tracked execution read
    /// before it was hot.
    Other,
}

/// What a transaction's last incarnation read and wrote.
#[derive(Debug, Default)]
struct TxRecord {
    reads: Vec<Read>,
    writes: Vec<Location>,
    /// Whether the incarnation was tracked (see [`super::slot_taint`]).
    tracked: bool,
    /// Whether an incarnation failed validation in this block.
    aborted: bool,
}

/// The block's multi-version memory.
pub struct MvMemory {
    shards: Box<[Shard]>,
    records: Vec<Padded<Mutex<TxRecord>>>,
    codes: RwLock<B256Map<Bytecode>>,
    /// Whether any transaction deployed code yet (reads skip the lock while none did).
    has_codes: AtomicBool,
    /// Whether any transaction wiped an account's storage yet: until one does, storage reads
    /// skip the wipe's lookup (its shard's lock would be taken by every read of a hot contract).
    has_resets: AtomicBool,
    /// Whether a lazy change had no exact equivalent: a lazily credited transfer that
    /// overflowed its recipient's balance when evaluated (see [`transfer_overflows`]), a final
    /// balance or storage delta outside its range, or storage deltas of a wiped account. The
    /// block then runs sequentially.
    inexact: AtomicBool,
    /// The beneficiary's fee credits (not in the tables: see [`FeeColumn`]).
    pub(super) fees: FeeColumn,
    /// The lowest writer of each location, so that validation skips what nothing below wrote.
    writers: LowestWriters,
    /// Slots whose reads failed validation.
    pub(super) hot_slots: HotSlots,
    pub(super) beneficiary: Address,
    pub(super) spec: SpecId,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a lane panicked; the data itself is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Memories kept for the next blocks (their tables and buffers keep their capacity).
static KEPT: Kept<MvMemory> = Kept::new();

impl MvMemory {
    /// A memory for a block of `txs` transactions under `spec` paying `beneficiary`: a recycled
    /// one when there is one (give it back with [`Self::recycle`]), else a new one.
    pub fn take(txs: usize, spec: SpecId, beneficiary: Address) -> Self {
        let mut memory = KEPT.take().unwrap_or_else(|| Self {
            shards: (0..SHARDS)
                .map(|_| Padded(Mutex::new(Table::default())))
                .collect(),
            records: Vec::new(),
            codes: RwLock::new(B256Map::default()),
            has_codes: AtomicBool::new(false),
            has_resets: AtomicBool::new(false),
            inexact: AtomicBool::new(false),
            fees: FeeColumn::default(),
            writers: LowestWriters::default(),
            hot_slots: HotSlots::default(),
            beneficiary,
            spec,
        });
        memory.spec = spec;
        memory.beneficiary = beneficiary;
        memory.fees.reset(txs);
        memory.writers.fit(txs);
        // About three locations per transaction: sized up front, the tables rarely grow while
        // lanes run.
        let per_shard = 3 * txs / SHARDS + 4;
        for shard in memory.shards.iter_mut() {
            let table = shard.0.get_mut().unwrap_or_else(|e| e.into_inner());
            table.reserve(per_shard);
        }
        fit(&mut memory.records, txs);
        memory
    }

    /// Clears the memory and keeps it for a later block (or frees it when enough are kept).
    pub fn recycle(mut self) {
        let txs = self.records.len();
        for shard in self.shards.iter_mut() {
            let table = shard.0.get_mut().unwrap_or_else(|e| e.into_inner());
            table.clear();
            // A huge block's tables are not kept for ever.
            if table.capacity() > 64 * (3 * txs / SHARDS + 4) {
                *table = Table::default();
            }
        }
        for record in &mut self.records {
            let record = record.get_mut().unwrap_or_else(|e| e.into_inner());
            record.reads.clear();
            record.writes.clear();
            record.aborted = false;
        }
        self.codes
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        *self.has_codes.get_mut() = false;
        *self.has_resets.get_mut() = false;
        *self.inexact.get_mut() = false;
        self.writers.clear();
        self.hot_slots.clear();
        KEPT.keep(self);
    }

    /// The shard holding `location`.
    fn shard_of(&self, location: &Location) -> &Shard {
        // High bits pick the shard; the tables index by low bits, so the two stay independent.
        &self.shards[(location.shard_hash() >> 40) as usize % SHARDS]
    }

    /// The table holding `location`.
    fn table_of(&self, location: &Location) -> MutexGuard<'_, Table> {
        lock(&self.shard_of(location).0)
    }

    /// The tables of shards `range`, one after another (for the final extraction).
    pub(super) fn tables(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = MutexGuard<'_, Table>> {
        self.shards[range].iter().map(|shard| lock(&shard.0))
    }

    /// Code deployed by a transaction of the block (content-addressed, so never versioned).
    pub fn code(&self, hash: &B256) -> Option<Bytecode> {
        if !self.has_codes.load(Ordering::Acquire) {
            return None;
        }
        self.codes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(hash)
            .cloned()
    }

    /// Registers deployed code.
    pub fn insert_code(&self, hash: B256, code: Bytecode) {
        self.codes
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(hash)
            .or_insert(code);
        self.has_codes.store(true, Ordering::Release);
    }

    /// All code deployed in the block.
    pub(super) fn codes(&self) -> std::sync::RwLockReadGuard<'_, B256Map<Bytecode>> {
        self.codes.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on `location`'s slot, creating it first when it is missing.
    fn with_slot<R>(&self, location: Location, f: impl FnOnce(&mut Slot) -> R) -> R {
        let hash = location.table_hash();
        f(self.table_of(&location).get_or_insert(hash, location))
    }

    /// Runs `f` on `location`'s slot if it exists.
    pub(super) fn find_slot<R>(
        &self,
        location: Location,
        f: impl FnOnce(Option<&mut Slot>) -> R,
    ) -> R {
        let hash = location.table_hash();
        let mut table = self.table_of(&location);
        f(table.find_mut(hash, location))
    }

    /// The account as transaction `txn` sees it, lazy credits evaluated.
    pub fn account(
        &self,
        address: Address,
        txn: TxIdx,
        base: &dyn BaseState,
    ) -> Resolved<Option<AccountState>> {
        let listed = self.with_slot(Location::Account(address), |slot| {
            slot.account_below(
                txn,
                |slot| slot.original_account(address, base),
                |mut value, written| {
                    match written {
                        Written::Credit(amount, kind) => value = self.credit(value, *amount, *kind),
                        // A speculative value may fall outside the delta's range: the writer's
                        // validation then fails, and so does this reader's after it.
                        Written::BalanceDelta(delta) => {
                            if let Some(account) = &mut value {
                                account.balance =
                                    delta.apply(account.balance).unwrap_or(account.balance);
                            }
                        }
                        _ => {}
                    }
                    value
                },
            )
        });
        let (mut value, start) = match listed {
            Ok(listed) => listed,
            Err(resolved) => return resolved,
        };
        if address == self.beneficiary {
            // Its fee credits after its last whole value, walked without holding the table's
            // lock.
            for (idx, fee) in self.fees.within(start..txn) {
                match fee {
                    Fee::Estimate => return Resolved::Blocked(Blocked(idx)),
                    Fee::Credit(amount) => value = self.credit(value, amount, CreditKind::Fee),
                }
            }
        }
        Resolved::Value(value)
    }

    /// `value` after a credit, noting a transfer that overflows.
    pub(super) fn credit(
        &self,
        value: Option<AccountState>,
        amount: U256,
        kind: CreditKind,
    ) -> Option<AccountState> {
        if kind == CreditKind::Transfer && transfer_overflows(value, amount) {
            self.note_inexact();
        }
        apply_credit(value, amount, self.spec)
    }

    /// Notes a lazy balance change without an exact equivalent.
    pub(super) fn note_inexact(&self) {
        self.inexact.store(true, Ordering::Relaxed);
    }

    /// Whether a lazy balance change had no exact equivalent in a read or in the final
    /// extraction (see the field).
    pub fn lazy_change_inexact(&self) -> bool {
        self.inexact.load(Ordering::Relaxed)
    }

    /// The account's code hash as transaction `txn` sees it, without depending on its balance:
    /// credits and balance deltas never change a code hash.
    pub fn code_hash(&self, address: Address, txn: TxIdx, base: &dyn BaseState) -> Resolved<B256> {
        self.with_slot(Location::Account(address), |slot| {
            let value = match slot.last_whole_below(txn) {
                Some((idx, Entry::Estimate)) => return Resolved::Blocked(Blocked(idx)),
                Some((_, Entry::Data(Written::Account(value)))) => *value,
                _ => match slot.original_account(address, base) {
                    Ok(value) => value,
                    Err(e) => return Resolved::Failed(e),
                },
            };
            Resolved::Value(value.map_or(KECCAK_EMPTY, |a| a.code_hash))
        })
    }

    /// A storage slot as transaction `txn` sees it: the latest write and the lazy deltas after
    /// it, unless the account's storage was wiped after the write (then zero and the deltas
    /// after the wipe; a wipe and a write by the same transaction: the write wins).
    pub fn storage(
        &self,
        address: Address,
        slot: U256,
        txn: TxIdx,
        base: &dyn BaseState,
    ) -> Resolved<U256> {
        self.storage_and_deltas(address, slot, txn, base).0
    }

    /// [`Self::storage`], and how many lazy deltas the value took (each read walks them all).
    pub fn storage_and_deltas(
        &self,
        address: Address,
        slot: U256,
        txn: TxIdx,
        base: &dyn BaseState,
    ) -> (Resolved<U256>, usize) {
        let reset = if self.has_resets.load(Ordering::Acquire) {
            self.find_slot(Location::StorageReset(address), |reset| {
                match reset.and_then(|r| r.entries.below(txn).next_back()) {
                    None => Ok(None),
                    Some((idx, Entry::Estimate)) => Err(Blocked(*idx)),
                    Some((idx, Entry::Data(_))) => Ok(Some(*idx)),
                }
            })
        } else {
            Ok(None)
        };
        let reset = match reset {
            Ok(reset) => reset,
            Err(blocked) => return (Resolved::Blocked(blocked), 0),
        };
        self.with_slot(Location::Storage(address, slot), |versions| {
            let (start, deltas) = match versions.storage_chain(txn, reset) {
                Ok(chain) => chain,
                Err(idx) => return (Resolved::Blocked(Blocked(idx)), 0),
            };
            let mut value = match (start, versions.original) {
                (Some(value), _) => value,
                (None, Original::Storage(value)) => value,
                (None, _) => match base.base_storage(address, slot) {
                    Ok(value) => {
                        versions.original = Original::Storage(value);
                        value
                    }
                    Err(e) => return (Resolved::Failed(e), 0),
                },
            };
            // A speculative value may fall outside a delta's range: the writer's validation
            // then fails, and so does this reader's after it.
            for delta in versions.last_deltas(txn, deltas) {
                value = delta.apply(value).unwrap_or(value);
            }
            (Resolved::Value(value), deltas)
        })
    }

    /// Whether `read` would still observe the same value for transaction `txn`.
    fn still_reads(&self, read: &Read, txn: TxIdx, base: &dyn BaseState) -> bool {
        match (read.location, &read.observed) {
            (Location::Account(a), Observed::CodeHash(hash)) => {
                self.code_hash(a, txn, base) == Resolved::Value(*hash)
            }
            (Location::Account(a), Observed::Account(value)) => {
                self.account(a, txn, base) == Resolved::Value(*value)
            }
            (Location::Account(a), Observed::Balance(range)) => {
                matches!(self.account(a, txn, base), Resolved::Value(v) if range.admits(&v))
            }
            (Location::Account(a), Observed::AnyBalance { nonce, code_hash }) => {
                let any = BalanceRange::any(*nonce, *code_hash);
                matches!(self.account(a, txn, base), Resolved::Value(v) if any.admits(&v))
            }
            (Location::Storage(a, s), Observed::Storage(value)) => {
                self.storage(a, s, txn, base) == Resolved::Value(*value)
            }
            (Location::Storage(a, s), Observed::StorageRange(low, high)) => {
                matches!(self.storage(a, s, txn, base), Resolved::Value(v) if (*low..=*high).contains(&v))
            }
            // A storage reset is never read, and a read observes its own location's kind.
            _ => false,
        }
    }

    /// Whether everything transaction `txn`'s last incarnation read is still what it would read.
    pub fn validate(&self, txn: TxIdx, base: &dyn BaseState) -> bool {
        self.changed_read(txn, base).is_none()
    }

    /// What transaction `txn`'s last incarnation read first that it would now read
    /// differently, if anything. A storage slot is noted hot.
    pub fn changed_read(&self, txn: TxIdx, base: &dyn BaseState) -> Option<Changed> {
        let record = lock(&self.records[txn]);
        let changed = record.reads.iter().find(|read| {
            !self.unwritten_below(&read.location, txn) && !self.still_reads(read, txn, base)
        })?;
        Some(match (changed.location, &changed.observed) {
            // Blocked on an estimate, its writer will likely write the same again.
            (Location::Storage(a, s), Observed::StorageRange(..)) => {
                match self.storage(a, s, txn, base) {
                    Resolved::Value(_) => Changed::Other,
                    _ => Changed::Slot,
                }
            }
            (Location::Storage(address, key), _) => {
                let hot = self.hot_slots.contains(address, key);
                self.hot_slots.mark(address, key);
                match record.tracked && !hot {
                    true => Changed::Other,
                    false => Changed::Slot,
                }
            }
            _ => Changed::Other,
        })
    }

    /// Whether any of `reads` is of a location transaction `writer`'s last incarnation wrote.
    pub fn reads_a_write_of(&self, reads: &[Read], writer: TxIdx) -> bool {
        let record = lock(&self.records[writer]);
        reads
            .iter()
            .any(|read| record.writes.contains(&read.location))
    }

    /// Whether an incarnation of transaction `txn` failed validation in this block.
    pub fn was_aborted(&self, txn: TxIdx) -> bool {
        lock(&self.records[txn]).aborted
    }

    /// Whether no transaction below `txn` ever began writing what a read of `location`
    /// depends on: the read then saw the value before the block, and would again (see
    /// [`LowestWriters`]). The beneficiary also depends on the fee column: never skipped.
    pub(super) fn unwritten_below(&self, location: &Location, txn: TxIdx) -> bool {
        match *location {
            Location::Account(a) => a != self.beneficiary && self.writers.none_below(location, txn),
            Location::Storage(a, _) => {
                self.writers.none_below(location, txn)
                    && self.writers.none_below(&Location::StorageReset(a), txn)
            }
            Location::StorageReset(_) => false,
        }
    }

    /// Starts bringing transaction `txn`'s record into the cache.
    pub fn prefetch_record(&self, txn: TxIdx) {
        if let Some(record) = self.records.get(txn) {
            prefetch(record);
        }
    }

    /// [`Self::record_tracked`] of an untracked incarnation.
    #[cfg(test)]
    pub fn record(
        &self,
        txn: TxIdx,
        reads: &mut Vec<Read>,
        writes: &mut Vec<(Location, Written)>,
    ) -> bool {
        self.record_tracked(txn, reads, writes, false)
    }

    /// Records an incarnation's reads and writes, replacing the previous incarnation's, and
    /// whether it was `tracked` (see [`super::slot_taint`]). The buffers are taken: `reads`
    /// comes back empty with the previous incarnation's capacity, `writes` comes back empty.
    /// Returns whether it wrote a location the previous incarnation did not (readers above
    /// must then be validated again).
    pub fn record_tracked(
        &self,
        txn: TxIdx,
        reads: &mut Vec<Read>,
        writes: &mut Vec<(Location, Written)>,
        tracked: bool,
    ) -> bool {
        let mut record = lock(&self.records[txn]);
        record.tracked = tracked;
        // The beneficiary's fee goes to its column, set before the tables change and cleared
        // after them: a reader walking the tables, then the column, always finds this
        // transaction's contribution (or its estimate) in one of the two.
        let mut fee = None;
        writes.retain(|(location, value)| match (location, value) {
            (Location::Account(a), Written::Credit(amount, kind)) if *a == self.beneficiary => {
                debug_assert_eq!(
                    *kind,
                    CreditKind::Fee,
                    "the beneficiary is never a lazy recipient"
                );
                fee = Some(*amount);
                false
            }
            _ => true,
        });
        // The writes' shard locks and lowest-writer buckets are rarely cached: ask for all of
        // them before waiting on the first.
        for (location, _) in writes.iter() {
            prefetch(self.shard_of(location));
            self.writers.prefetch(location);
        }
        let mut wrote_new = false;
        if fee.is_some() {
            wrote_new |= !self.fees.set(txn, fee);
        }
        let previous = std::mem::take(&mut record.writes);
        for (location, _) in writes.iter() {
            wrote_new |= !previous.contains(location);
        }
        for location in &previous {
            if !writes.iter().any(|(l, _)| l == location) {
                self.find_slot(*location, |slot| {
                    if let Some(slot) = slot {
                        slot.remove(txn);
                    }
                });
            }
        }
        let mut locations = previous;
        locations.clear();
        let mut reset = false;
        for (location, value) in writes.drain(..) {
            reset |= matches!(location, Location::StorageReset(_));
            // Noted before the entry exists: see `LowestWriters`.
            self.writers.note(&location, txn);
            self.with_slot(location, |slot| {
                if matches!(slot.original, Original::Unknown) {
                    if let Some(value) = self.read_before_block(&location, txn, reads) {
                        slot.original = Original::Storage(value);
                    }
                }
                slot.set(txn, Entry::Data(value))
            });
            locations.push(location);
        }
        if reset {
            self.has_resets.store(true, Ordering::Release);
        }
        if fee.is_none() {
            self.fees.set(txn, None);
        }
        record.writes = locations;
        std::mem::swap(&mut record.reads, reads);
        reads.clear();
        wrote_new
    }

    /// The value before the block of a slot `txn` read whole, when no transaction below it
    /// began writing the slot or wiping its account: the read then came from the base, as it
    /// would now. Kept as the slot's original, so that the extraction compares against it
    /// without reading the database again.
    fn read_before_block(&self, location: &Location, txn: TxIdx, reads: &[Read]) -> Option<U256> {
        if !matches!(location, Location::Storage(..)) {
            return None;
        }
        let value = reads.iter().find_map(|read| match read.observed {
            Observed::Storage(value) if read.location == *location => Some(value),
            _ => None,
        })?;
        self.unwritten_below(location, txn).then_some(value)
    }

    /// Marks an aborted incarnation's writes as estimates of the next incarnation's.
    pub fn convert_writes_to_estimates(&self, txn: TxIdx) {
        let mut record = lock(&self.records[txn]);
        record.aborted = true;
        self.fees.estimate(txn);
        for location in &record.writes {
            self.find_slot(*location, |slot| {
                if let Some(slot) = slot {
                    slot.set(txn, Entry::Estimate);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Zeroes;
    impl BaseState for Zeroes {
        fn base_account(&self, _: Address) -> Result<Option<AccountState>, String> {
            Ok(None)
        }
        fn base_storage(&self, _: Address, _: U256) -> Result<U256, String> {
            Ok(U256::ZERO)
        }
    }

    /// A base state that must not be read.
    struct Unreachable;
    impl BaseState for Unreachable {
        fn base_account(&self, _: Address) -> Result<Option<AccountState>, String> {
            Err("the base was read".into())
        }
        fn base_storage(&self, _: Address, _: U256) -> Result<U256, String> {
            Err("the base was read".into())
        }
    }

    /// A base state where every account holds 7 wei and every slot 7.
    struct Sevens;
    impl BaseState for Sevens {
        fn base_account(&self, _: Address) -> Result<Option<AccountState>, String> {
            Ok(Some(seven()))
        }
        fn base_storage(&self, _: Address, _: U256) -> Result<U256, String> {
            Ok(U256::from(7))
        }
    }

    fn seven() -> AccountState {
        AccountState {
            balance: U256::from(7),
            nonce: 0,
            code_hash: KECCAK_EMPTY,
        }
    }

    #[test]
    fn a_read_depends_on_a_transaction_that_wrote_its_location() {
        let written = Location::Storage(Address::repeat_byte(4), U256::from(1));
        let other = Location::Storage(Address::repeat_byte(4), U256::from(2));
        let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
        memory.record(
            1,
            &mut Vec::new(),
            &mut vec![(written, Written::Storage(U256::ONE))],
        );
        let read = |location| Read {
            location,
            observed: Observed::Storage(U256::ZERO),
        };
        assert!(memory.reads_a_write_of(&[read(other), read(written)], 1));
        assert!(!memory.reads_a_write_of(&[read(other)], 1));
        assert!(
            !memory.reads_a_write_of(&[read(written)], 0),
            "transaction 0 wrote nothing"
        );
        memory.recycle();
    }

    #[test]
    fn a_slot_keeps_the_value_its_writer_read_before_the_block() {
        let address = Address::repeat_byte(4);
        let slot = Location::Storage(address, U256::from(1));
        let original = |memory: &MvMemory| memory.find_slot(slot, |s| s.map(|s| s.original));
        let read_and_write = |txn: TxIdx, memory: &MvMemory| {
            let mut reads = vec![Read {
                location: slot,
                observed: Observed::Storage(U256::from(7)),
            }];
            let mut writes = vec![(slot, Written::Storage(U256::from(8)))];
            memory.record(txn, &mut reads, &mut writes);
        };

        // Nothing below wrote the slot: what its writer read is the value before the block.
        let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
        read_and_write(2, &memory);
        assert!(matches!(original(&memory), Some(Original::Storage(v)) if v == U256::from(7)));
        memory.recycle();

        // A write below (or a wipe of the account) means the read may have been its value.
        for below in [
            (slot, Written::Storage(U256::from(7))),
            (Location::StorageReset(address), Written::StorageReset),
        ] {
            let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
            memory.record(1, &mut Vec::new(), &mut vec![below.clone()]);
            read_and_write(2, &memory);
            assert!(
                matches!(original(&memory), Some(Original::Unknown)),
                "{below:?}"
            );
            memory.recycle();
        }

        // A write without a read of the slot keeps nothing.
        let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
        memory.record(
            2,
            &mut Vec::new(),
            &mut vec![(slot, Written::Storage(U256::ONE))],
        );
        assert!(matches!(original(&memory), Some(Original::Unknown)));
        memory.recycle();
    }

    #[test]
    fn validation_skips_only_what_nothing_below_wrote() {
        let address = Address::repeat_byte(4);
        let slot = Location::Storage(address, U256::from(1));
        let account = Location::Account(address);
        // Transaction 2 read both locations from the base state.
        let reads = || {
            vec![
                Read {
                    location: slot,
                    observed: Observed::Storage(U256::from(7)),
                },
                Read {
                    location: account,
                    observed: Observed::Account(Some(seven())),
                },
            ]
        };
        let memory_where = |beneficiary: Address, writes: &[(TxIdx, Location, Written)]| {
            let memory = MvMemory::take(4, SpecId::CANCUN, beneficiary);
            memory.record(2, &mut reads(), &mut Vec::new());
            for (txn, location, value) in writes {
                memory.record(*txn, &mut Vec::new(), &mut vec![(*location, value.clone())]);
            }
            memory
        };
        let nobody = Address::ZERO;

        // Nothing below wrote them (a write above does not count): nothing is read again.
        let memory = memory_where(nobody, &[(3, slot, Written::Storage(U256::from(5)))]);
        assert!(memory.validate(2, &Unreachable));
        memory.recycle();

        // Each kind of write below is seen.
        let below = [
            (1, slot, Written::Storage(U256::from(9))),
            (1, Location::StorageReset(address), Written::StorageReset),
            (0, account, Written::Account(None)),
            (
                1,
                account,
                Written::Credit(U256::from(1), CreditKind::Transfer),
            ),
        ];
        for write in below {
            let memory = memory_where(nobody, std::slice::from_ref(&write));
            assert!(!memory.validate(2, &Sevens), "{write:?}");
            memory.recycle();
        }

        // The beneficiary's fees are not in the tables: its reads are always read again.
        let memory = memory_where(address, &[]);
        assert!(!memory.validate(2, &Unreachable));
        assert!(memory.validate(2, &Sevens));
        memory.recycle();
    }

    #[test]
    fn a_recycled_memory_keeps_nothing_of_its_last_block() {
        let address = Address::repeat_byte(7);
        let key = U256::from(3);
        let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
        let mut reads = Vec::new();
        let mut writes = vec![(
            Location::Storage(address, key),
            Written::Storage(U256::from(9)),
        )];
        assert!(memory.record(0, &mut reads, &mut writes));
        assert_eq!(
            memory.storage(address, key, 1, &Zeroes),
            Resolved::Value(U256::from(9))
        );
        memory.insert_code(B256::repeat_byte(1), Bytecode::default());
        memory.recycle();

        let memory = MvMemory::take(2, SpecId::CANCUN, Address::ZERO);
        assert_eq!(
            memory.storage(address, key, 1, &Zeroes),
            Resolved::Value(U256::ZERO)
        );
        assert!(memory.code(&B256::repeat_byte(1)).is_none());
        assert!(
            memory.validate(0, &Zeroes),
            "no reads are left from the last block"
        );
        memory.recycle();
    }

    #[test]
    fn the_beneficiary_reads_its_last_full_value_then_the_fees_after_it() {
        let beneficiary = Address::repeat_byte(9);
        let memory = MvMemory::take(4, SpecId::CANCUN, beneficiary);
        let fee = |amount: u64| {
            vec![(
                Location::Account(beneficiary),
                Written::Credit(U256::from(amount), CreditKind::Fee),
            )]
        };
        let balance = |amount: u64| {
            Some(AccountState {
                balance: U256::from(amount),
                nonce: 0,
                code_hash: KECCAK_EMPTY,
            })
        };
        let mut reads = Vec::new();
        assert!(memory.record(0, &mut reads, &mut fee(5)));
        let mut full = vec![(
            Location::Account(beneficiary),
            Written::Account(balance(100)),
        )];
        assert!(memory.record(1, &mut reads, &mut full));
        assert!(memory.record(2, &mut reads, &mut fee(7)));
        assert_eq!(
            memory.account(beneficiary, 1, &Zeroes),
            Resolved::Value(balance(5))
        );
        assert_eq!(
            memory.account(beneficiary, 2, &Zeroes),
            Resolved::Value(balance(100))
        );
        assert_eq!(
            memory.account(beneficiary, 3, &Zeroes),
            Resolved::Value(balance(107))
        );
        memory.convert_writes_to_estimates(2);
        assert_eq!(
            memory.account(beneficiary, 3, &Zeroes),
            Resolved::Blocked(Blocked(2))
        );
        // Transaction 1's next incarnation only pays a fee: its full value is gone.
        assert!(memory.record(1, &mut reads, &mut fee(1)));
        assert!(!memory.record(2, &mut reads, &mut fee(7)));
        assert_eq!(
            memory.account(beneficiary, 3, &Zeroes),
            Resolved::Value(balance(13))
        );
        memory.recycle();
    }

    #[test]
    fn balance_deltas_apply_after_the_last_full_value_and_ranges_validate_on_them() {
        use crate::parallel::delta::Delta;
        let bank = Location::Account(Address::repeat_byte(6));
        let memory = MvMemory::take(4, SpecId::CANCUN, Address::ZERO);
        let contract = |balance: u64| {
            Some(AccountState {
                balance: U256::from(balance),
                nonce: 1,
                code_hash: B256::repeat_byte(2),
            })
        };
        let delta = |before: u64, after: u64| {
            Written::BalanceDelta(Delta::between(U256::from(before), U256::from(after)))
        };
        let balance = |txn| match memory.account(Address::repeat_byte(6), txn, &Unreachable) {
            Resolved::Value(Some(account)) => account.balance,
            other => panic!("{other:?}"),
        };
        let write = |txn, reads: Vec<Read>, value: Written| {
            memory.record(txn, &mut { reads }, &mut vec![(bank, value)]);
        };
        write(0, Vec::new(), Written::Account(contract(10)));
        write(1, Vec::new(), delta(10, 15));
        // Transaction 2 sent 12 from a start of 15: it runs the same from any start of 12 up.
        let sent = Read {
            location: bank,
            observed: Observed::Balance(Box::new(BalanceRange {
                nonce: 1,
                code_hash: B256::repeat_byte(2),
                low: U256::from(12),
                high: U256::MAX,
            })),
        };
        write(2, vec![sent], delta(15, 3));
        let balances = [1, 2, 3].map(balance);
        assert_eq!(balances, [10, 15, 3].map(U256::from));
        assert!(memory.validate(2, &Unreachable));
        // Transaction 1 now adds only 1: transaction 2's start, 11, is out of its range, and a
        // speculative reader above keeps the balance the failing delta would take below zero.
        write(1, Vec::new(), delta(10, 11));
        assert!(!memory.validate(2, &Unreachable));
        assert_eq!(balance(3), U256::from(11));
        // A full value below replaces what the deltas before it did.
        write(1, Vec::new(), Written::Account(contract(40)));
        assert!(memory.validate(2, &Unreachable));
        assert_eq!(balance(3), U256::from(28));
        memory.recycle();
    }

    #[test]
    fn a_call_that_left_a_balance_unused_validates_on_any_balance_of_the_same_nonce_and_code() {
        let token = Location::Account(Address::repeat_byte(6));
        let memory = MvMemory::take(3, SpecId::CANCUN, Address::ZERO);
        let account = |balance: u64, nonce: u64, code: u8| {
            Written::Account(Some(AccountState {
                balance: U256::from(balance),
                nonce,
                code_hash: B256::repeat_byte(code),
            }))
        };
        let called = Read {
            location: token,
            observed: Observed::AnyBalance {
                nonce: 1,
                code_hash: B256::repeat_byte(2),
            },
        };
        memory.record(1, &mut vec![called], &mut Vec::new());
        for (written, valid) in [
            (account(0, 1, 2), true),
            (account(u64::MAX, 1, 2), true),
            (account(5, 2, 2), false),
            (account(5, 1, 3), false),
            (Written::Account(None), false),
        ] {
            memory.record(0, &mut Vec::new(), &mut vec![(token, written.clone())]);
            assert_eq!(memory.validate(1, &Unreachable), valid, "{written:?}");
        }
        memory.recycle();
    }

    #[test]
    fn storage_deltas_apply_after_the_last_whole_value_or_wipe_and_ranges_validate_on_them() {
        use crate::parallel::delta::Delta;
        let token = Address::repeat_byte(6);
        let slot = Location::Storage(token, U256::from(1));
        let memory = MvMemory::take(6, SpecId::CANCUN, Address::ZERO);
        let delta = |before: u64, after: u64| {
            Written::StorageDelta(Delta::between(U256::from(before), U256::from(after)))
        };
        let value = |txn| match memory.storage_and_deltas(token, U256::from(1), txn, &Sevens) {
            (Resolved::Value(v), deltas) => (v.to::<u64>(), deltas),
            other => panic!("{other:?}"),
        };
        let write = |txn, reads: Vec<Read>, written: Vec<(Location, Written)>| {
            memory.record(txn, &mut { reads }, &mut { written });
        };
        // The base holds 7; transaction 1 adds 5, 2 subtracts 2 (it ran the same from any
        // start of 3 up), 4 adds 1.
        let ranged = Read {
            location: slot,
            observed: Observed::StorageRange(U256::from(3), U256::MAX),
        };
        write(1, Vec::new(), vec![(slot, delta(0, 5))]);
        write(2, vec![ranged.clone()], vec![(slot, delta(2, 0))]);
        write(4, Vec::new(), vec![(slot, delta(0, 1))]);
        assert_eq!([1, 2, 3, 5].map(value), [(7, 0), (12, 1), (10, 2), (11, 3)]);
        assert!(memory.validate(2, &Sevens));
        // Transaction 1 now subtracts 6: transaction 2's start, 1, is out of its range; a
        // speculative reader above keeps the value the failing delta would take below zero.
        write(1, Vec::new(), vec![(slot, delta(6, 0))]);
        assert!(!memory.validate(2, &Sevens));
        assert_eq!(value(3), (1, 2));
        // A whole value below replaces what came before it; so does a wipe, from zero.
        write(
            1,
            Vec::new(),
            vec![(slot, Written::Storage(U256::from(40)))],
        );
        assert!(memory.validate(2, &Sevens));
        assert_eq!(value(5), (39, 2));
        let wipe = (Location::StorageReset(token), Written::StorageReset);
        write(3, Vec::new(), vec![wipe]);
        assert_eq!(value(5), (1, 1));
        // An aborted delta writer blocks the readers above it.
        memory.convert_writes_to_estimates(4);
        assert_eq!(
            memory.storage(token, U256::from(1), 5, &Sevens),
            Resolved::Blocked(Blocked(4))
        );
        memory.recycle();
    }

    #[test]
    fn readers_find_the_last_whole_value_past_any_credits_as_entries_change_kind() {
        let address = Address::repeat_byte(5);
        let deposit = Location::Account(address);
        let memory = MvMemory::take(8, SpecId::CANCUN, Address::ZERO);
        let account = |balance: u64, code: u8| {
            Written::Account(Some(AccountState {
                balance: U256::from(balance),
                nonce: 1,
                code_hash: B256::repeat_byte(code),
            }))
        };
        let credit = Written::Credit(U256::from(1), CreditKind::Transfer);
        let write = |txn, writes: Vec<(Location, Written)>| {
            memory.record(txn, &mut Vec::new(), &mut { writes });
        };
        let seen = |txn| match (
            memory.code_hash(address, txn, &Sevens),
            memory.account(address, txn, &Sevens),
        ) {
            (Resolved::Value(hash), Resolved::Value(Some(account))) => {
                Ok((hash.0[0], account.balance.to::<u64>()))
            }
            (Resolved::Blocked(b), Resolved::Blocked(c)) if b == c => Err(b.0),
            other => panic!("{other:?}"),
        };
        write(0, vec![(deposit, account(5, 1))]);
        for txn in 1..6 {
            write(txn, vec![(deposit, credit.clone())]);
        }
        assert_eq!(seen(6), Ok((1, 10)));
        write(3, vec![(deposit, account(100, 2))]);
        assert_eq!((seen(3), seen(6)), (Ok((1, 7)), Ok((2, 102))));
        write(3, vec![(deposit, credit.clone())]);
        assert_eq!(seen(6), Ok((1, 10)));
        memory.convert_writes_to_estimates(3);
        assert_eq!((seen(3), seen(6)), (Ok((1, 7)), Err(3)));
        write(3, vec![(deposit, credit)]);
        write(0, Vec::new());
        let base = seven();
        assert_eq!(seen(6), Ok((base.code_hash.0[0], 12)));
        memory.recycle();
    }

    #[test]
    fn reads_through_checkpoints_equal_a_walk_of_every_entry_under_any_order_of_changes() {
        #[derive(Clone, Copy)]
        enum Model {
            Whole(u64),
            Credit(u64),
            Estimate,
        }
        let address = Address::repeat_byte(3);
        let location = Location::Account(address);
        let txs = 300;
        let memory = MvMemory::take(txs, SpecId::CANCUN, Address::ZERO);
        let mut model = std::collections::BTreeMap::new();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let expected = |model: &std::collections::BTreeMap<TxIdx, Model>, txn: TxIdx| {
            let (mut balance, mut nonce) = (7, 0);
            let mut credits = 0;
            for (idx, entry) in model.range(..txn).rev() {
                match entry {
                    Model::Credit(amount) => credits += amount,
                    Model::Estimate => return Resolved::Blocked(Blocked(*idx)),
                    Model::Whole(whole) => {
                        (balance, nonce) = (*whole, 1);
                        break;
                    }
                }
            }
            Resolved::Value(Some(AccountState {
                balance: U256::from(balance + credits),
                nonce,
                code_hash: KECCAK_EMPTY,
            }))
        };
        let mut reads = 0;
        for _ in 0..20_000 {
            let txn = next(txs as u64) as TxIdx;
            let written = match next(20) {
                0 => Some(Written::Account(Some(AccountState {
                    balance: U256::from(next(1000)),
                    nonce: 1,
                    code_hash: KECCAK_EMPTY,
                }))),
                1..=9 => Some(Written::Credit(U256::from(1 + next(9)), CreditKind::Fee)),
                10 if model.contains_key(&txn) => {
                    memory.convert_writes_to_estimates(txn);
                    model.insert(txn, Model::Estimate);
                    None
                }
                11 => {
                    memory.record(txn, &mut Vec::new(), &mut Vec::new());
                    model.remove(&txn);
                    None
                }
                _ => {
                    reads += 1;
                    assert_eq!(memory.account(address, txn, &Sevens), expected(&model, txn));
                    None
                }
            };
            if let Some(written) = written {
                model.insert(
                    txn,
                    match written {
                        Written::Account(Some(a)) => Model::Whole(a.balance.to()),
                        Written::Credit(amount, _) => Model::Credit(amount.to()),
                        _ => unreachable!(),
                    },
                );
                memory.record(txn, &mut Vec::new(), &mut vec![(location, written)]);
            }
        }
        assert!(reads > 5_000);
        // Credits only, read from the top (checkpoints all the way), then one removed.
        for txn in 0..txs {
            let credit = Written::Credit(U256::from(1), CreditKind::Fee);
            memory.record(txn, &mut Vec::new(), &mut vec![(location, credit)]);
            model.insert(txn, Model::Credit(1));
        }
        for removed in [None, Some(5)] {
            if let Some(txn) = removed {
                memory.record(txn, &mut Vec::new(), &mut Vec::new());
                model.remove(&txn);
            }
            let top = txs - 1;
            assert_eq!(memory.account(address, top, &Sevens), expected(&model, top));
        }
        memory.recycle();
    }

    #[test]
    fn an_estimate_blocks_readers_above_it_until_rewritten() {
        let address = Address::repeat_byte(8);
        let memory = MvMemory::take(3, SpecId::CANCUN, Address::ZERO);
        let value = Some(AccountState {
            balance: U256::from(5),
            nonce: 1,
            code_hash: KECCAK_EMPTY,
        });
        let (mut reads, mut writes) = (
            Vec::new(),
            vec![(Location::Account(address), Written::Account(value))],
        );
        memory.record(0, &mut reads, &mut writes);
        memory.convert_writes_to_estimates(0);
        assert_eq!(
            memory.account(address, 1, &Zeroes),
            Resolved::Blocked(Blocked(0))
        );
        assert_eq!(memory.account(address, 0, &Zeroes), Resolved::Value(None));
        let mut writes = vec![(Location::Account(address), Written::Account(value))];
        assert!(
            !memory.record(0, &mut reads, &mut writes),
            "same location as before"
        );
        assert_eq!(memory.account(address, 2, &Zeroes), Resolved::Value(value));
        memory.recycle();
    }
}
