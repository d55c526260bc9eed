//! Multi-version memory: for every location, the values written by each transaction of the
//! block, so a transaction reads what the transactions before it wrote.
//!
//! Invariant: a read by transaction `j` resolves to the entries of transactions `< j` only, and
//! an `Estimate` entry (left by an aborted incarnation) is never read through: the reader waits
//! for that transaction instead. Lazy credits are evaluated on read with the exact semantics of
//! [`apply_credit`], so a read value equals the sequential value whenever all entries below `j`
//! are final.

use super::credit::apply_credit;
use super::location::{Location, Observed, Read, TxIdx, Written};
use super::versions::VersionList;
use crate::output::{AccountChange, AccountState, StateChanges};
use crate::state::{canonical_account, canonicalize, overlay, FromDb};
use alloy_primitives::map::DefaultHashBuilder;
use alloy_primitives::map::HashMap;
use revm::bytecode::Bytecode;
use revm::database_interface::DatabaseRef;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, B256, KECCAK_EMPTY, U256};
use std::hash::BuildHasher;
use std::sync::{Mutex, RwLock};

const SHARDS: usize = 128;

#[derive(Debug, Clone)]
enum Entry {
    Data(Written),
    Estimate,
}

/// The versions of one location: each transaction's entry, and the base value once read (the
/// base never changes during a block, so it is fetched once per location).
#[derive(Debug, Default)]
struct Versions {
    entries: VersionList<Entry>,
    base_account: Option<Option<AccountState>>,
    base_storage: Option<U256>,
}

impl Versions {
    fn base_account(
        &mut self,
        address: Address,
        base: &dyn BaseState,
    ) -> Result<Option<AccountState>, String> {
        if let Some(value) = self.base_account {
            return Ok(value);
        }
        let value = base.base_account(address)?;
        self.base_account = Some(value);
        Ok(value)
    }
}

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

/// The block's multi-version memory.
pub struct MvMemory {
    shards: Vec<Mutex<HashMap<Location, Versions>>>,
    hasher: DefaultHashBuilder,
    last_writes: Vec<Mutex<Vec<Location>>>,
    last_reads: Vec<Mutex<Vec<Read>>>,
    codes: RwLock<HashMap<B256, Bytecode>>,
    spec: SpecId,
}

impl MvMemory {
    /// Memory for a block of `txs` transactions under `spec`.
    pub fn new(txs: usize, spec: SpecId) -> Self {
        Self {
            // About three locations per transaction: sized up front, the shards never rehash
            // (moving every version list) while lanes run.
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(HashMap::with_capacity_and_hasher(
                        3 * txs / SHARDS + 4,
                        Default::default(),
                    ))
                })
                .collect(),
            hasher: DefaultHashBuilder::default(),
            last_writes: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
            last_reads: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
            codes: RwLock::new(HashMap::default()),
            spec,
        }
    }

    fn shard(&self, location: &Location) -> std::sync::MutexGuard<'_, HashMap<Location, Versions>> {
        // Sharded by account, so one worker sees every location of an account at the end.
        let index = self.hasher.hash_one(location.address()) as usize % SHARDS;
        // A poisoned shard means a lane panicked; the data itself is still consistent.
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Code deployed by a transaction of the block (content-addressed, so never versioned).
    pub fn code(&self, hash: &B256) -> Option<Bytecode> {
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
    }

    /// The account as transaction `txn` sees it, lazy credits evaluated.
    pub fn account(
        &self,
        address: Address,
        txn: TxIdx,
        base: &dyn BaseState,
    ) -> Resolved<Option<AccountState>> {
        let location = Location::Account(address);
        let mut shard = self.shard(&location);
        let versions = shard.entry(location).or_default();
        let mut credits = Vec::new();
        let mut found = None;
        for (idx, entry) in versions.entries.below(txn).rev() {
            match entry {
                Entry::Estimate => return Resolved::Blocked(Blocked(*idx)),
                Entry::Data(Written::Credit(amount, _)) => credits.push(*amount),
                Entry::Data(Written::Account(value)) => {
                    found = Some(*value);
                    break;
                }
                Entry::Data(_) => {}
            }
        }
        let mut value = match found {
            Some(value) => value,
            None => match versions.base_account(address, base) {
                Ok(value) => value,
                Err(e) => return Resolved::Failed(e),
            },
        };
        drop(shard);
        for amount in credits.into_iter().rev() {
            value = apply_credit(value, amount, self.spec);
        }
        Resolved::Value(value)
    }

    /// The account's code hash as transaction `txn` sees it, without depending on its balance:
    /// credits never change a code hash.
    pub fn code_hash(&self, address: Address, txn: TxIdx, base: &dyn BaseState) -> Resolved<B256> {
        let location = Location::Account(address);
        let mut shard = self.shard(&location);
        let versions = shard.entry(location).or_default();
        for (idx, entry) in versions.entries.below(txn).rev() {
            match entry {
                Entry::Estimate => return Resolved::Blocked(Blocked(*idx)),
                Entry::Data(Written::Account(value)) => {
                    return Resolved::Value(value.map_or(KECCAK_EMPTY, |a| a.code_hash))
                }
                Entry::Data(_) => {}
            }
        }
        match versions.base_account(address, base) {
            Ok(value) => Resolved::Value(value.map_or(KECCAK_EMPTY, |a| a.code_hash)),
            Err(e) => Resolved::Failed(e),
        }
    }

    /// The latest entry of `location` below `txn`: `Ok(None)` when there is none.
    fn latest(&self, location: Location, txn: TxIdx) -> Result<Option<(TxIdx, Written)>, Blocked> {
        let shard = self.shard(&location);
        match shard
            .get(&location)
            .and_then(|v| v.entries.below(txn).next_back())
        {
            None => Ok(None),
            Some((idx, Entry::Estimate)) => Err(Blocked(*idx)),
            Some((idx, Entry::Data(written))) => Ok(Some((*idx, written.clone()))),
        }
    }

    /// A storage slot as transaction `txn` sees it: the latest write, unless the account's
    /// storage was wiped after it (a wipe and a write by the same transaction: the write wins).
    pub fn storage(
        &self,
        address: Address,
        slot: U256,
        txn: TxIdx,
        base: &dyn BaseState,
    ) -> Resolved<U256> {
        let reset = match self.latest(Location::StorageReset(address), txn) {
            Ok(r) => r.map(|(idx, _)| idx),
            Err(b) => return Resolved::Blocked(b),
        };
        let location = Location::Storage(address, slot);
        let mut shard = self.shard(&location);
        let versions = shard.entry(location).or_default();
        let latest = versions
            .entries
            .below(txn)
            .next_back()
            .map(|(idx, e)| (*idx, e.clone()));
        match latest {
            Some((idx, Entry::Estimate)) => Resolved::Blocked(Blocked(idx)),
            Some((w, Entry::Data(Written::Storage(value)))) if reset.is_none_or(|r| r <= w) => {
                Resolved::Value(value)
            }
            _ if reset.is_some() => Resolved::Value(U256::ZERO),
            _ => match versions.base_storage {
                Some(value) => Resolved::Value(value),
                None => match base.base_storage(address, slot) {
                    Ok(value) => {
                        versions.base_storage = Some(value);
                        Resolved::Value(value)
                    }
                    Err(e) => Resolved::Failed(e),
                },
            },
        }
    }

    /// Re-resolves what a read observed.
    fn resolve(&self, read: &Read, txn: TxIdx, base: &dyn BaseState) -> Resolved<Observed> {
        match (read.location, &read.observed) {
            (Location::Account(a), Observed::CodeHash(_)) => match self.code_hash(a, txn, base) {
                Resolved::Value(h) => Resolved::Value(Observed::CodeHash(h)),
                Resolved::Blocked(b) => Resolved::Blocked(b),
                Resolved::Failed(e) => Resolved::Failed(e),
            },
            (Location::Account(a), _) => match self.account(a, txn, base) {
                Resolved::Value(v) => Resolved::Value(Observed::Account(v)),
                Resolved::Blocked(b) => Resolved::Blocked(b),
                Resolved::Failed(e) => Resolved::Failed(e),
            },
            (Location::Storage(a, s), _) => match self.storage(a, s, txn, base) {
                Resolved::Value(v) => Resolved::Value(Observed::Storage(v)),
                Resolved::Blocked(b) => Resolved::Blocked(b),
                Resolved::Failed(e) => Resolved::Failed(e),
            },
            (Location::StorageReset(_), _) => {
                Resolved::Failed("a storage reset is never read".into())
            }
        }
    }

    /// Whether everything transaction `txn`'s last incarnation read is still what it would read.
    pub fn validate(&self, txn: TxIdx, base: &dyn BaseState) -> bool {
        let reads = self.last_reads[txn]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        reads.iter().all(|read| matches!(self.resolve(read, txn, base), Resolved::Value(v) if v == read.observed))
    }

    /// Records an incarnation's reads and writes, replacing the previous incarnation's. Returns
    /// whether it wrote a location the previous incarnation did not (readers above must then be
    /// validated again).
    pub fn record(&self, txn: TxIdx, reads: Vec<Read>, writes: Vec<(Location, Written)>) -> bool {
        let locations: Vec<Location> = writes.iter().map(|(l, _)| *l).collect();
        for (location, value) in writes {
            self.shard(&location)
                .entry(location)
                .or_default()
                .entries
                .insert(txn, Entry::Data(value));
        }
        let mut last = self.last_writes[txn]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for stale in last.iter().filter(|l| !locations.contains(l)) {
            if let Some(versions) = self.shard(stale).get_mut(stale) {
                versions.entries.remove(txn);
            }
        }
        let wrote_new = locations.iter().any(|l| !last.contains(l));
        *last = locations;
        *self.last_reads[txn]
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = reads;
        wrote_new
    }

    /// Marks an aborted incarnation's writes as estimates of the next incarnation's.
    pub fn convert_writes_to_estimates(&self, txn: TxIdx) {
        let last = self.last_writes[txn]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for location in last.iter() {
            if let Some(versions) = self.shard(location).get_mut(location) {
                versions.entries.insert(txn, Entry::Estimate);
            }
        }
    }
}

/// One location's final contribution to the block's changes.
enum Part {
    /// The account's final value and the last credit that removed it (a wipe without a
    /// `StorageReset` entry).
    Account(Option<AccountState>, Option<TxIdx>),
    /// The last storage wipe.
    Reset(TxIdx),
    /// A slot's final value and writer.
    Slot(U256, TxIdx, U256),
}

impl MvMemory {
    /// Evaluates an account's version chain below `upto`: the final value, and the last
    /// transaction that removed it through a credit (a wipe that has no `StorageReset` entry).
    fn final_account(
        &self,
        versions: &mut Versions,
        address: Address,
        base: &dyn BaseState,
        upto: TxIdx,
    ) -> Result<(Option<AccountState>, Option<TxIdx>), String> {
        let start = versions
            .entries
            .below(upto)
            .rev()
            .find_map(|(idx, e)| match e {
                Entry::Data(Written::Account(v)) => Some((*idx, *v)),
                _ => None,
            });
        let (from, mut value) = match start {
            Some((idx, v)) => (idx + 1, v),
            None => (0, versions.base_account(address, base)?),
        };
        let mut wiped = None;
        for (idx, entry) in versions
            .entries
            .from(from)
            .take_while(|(idx, _)| **idx < upto)
        {
            if let Entry::Data(Written::Credit(amount, _)) = entry {
                let next = apply_credit(value, *amount, self.spec);
                if value.is_some() && next.is_none() {
                    wiped = Some(*idx);
                }
                value = next;
            }
        }
        Ok((value, wiped))
    }

    /// The raw changes of the accounts in `shards` by the transactions below `upto`, ordered by
    /// address.
    fn raw_accounts(
        &self,
        shards: std::ops::Range<usize>,
        base: &dyn BaseState,
        upto: TxIdx,
    ) -> Result<Vec<(Address, AccountChange)>, String> {
        let mut parts = Vec::new();
        for shard in &self.shards[shards] {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            for (location, versions) in shard.iter_mut() {
                let Some((idx, last)) = versions.entries.below(upto).next_back() else {
                    continue;
                };
                let part = match (*location, last) {
                    (Location::Account(a), _) => {
                        let (info, wipe) = self.final_account(versions, a, base, upto)?;
                        (a, Part::Account(info, wipe))
                    }
                    (Location::StorageReset(a), _) => (a, Part::Reset(*idx)),
                    (Location::Storage(a, slot), Entry::Data(Written::Storage(v))) => {
                        (a, Part::Slot(slot, *idx, *v))
                    }
                    (Location::Storage(..), _) => {
                        return Err("a storage location holds no storage value".into())
                    }
                };
                parts.push(part);
            }
        }
        parts.sort_unstable_by_key(|(a, _)| *a);
        let mut accounts = Vec::new();
        let mut i = 0;
        while i < parts.len() {
            let address = parts[i].0;
            let end = i + parts[i..].iter().take_while(|(a, _)| *a == address).count();
            let (mut info, mut wipe, mut slots) = (None, None, Vec::new());
            for (_, part) in &parts[i..end] {
                match part {
                    Part::Account(value, credit_wipe) => {
                        info = Some(*value);
                        wipe = wipe.max(*credit_wipe);
                    }
                    Part::Reset(idx) => wipe = wipe.max(Some(*idx)),
                    Part::Slot(slot, idx, value) => slots.push((*slot, *idx, *value)),
                }
            }
            let info = match info {
                Some(info) => info,
                None => base.base_account(address)?,
            };
            let storage = slots
                .into_iter()
                .filter(|(_, idx, _)| wipe.is_none_or(|w| *idx >= w))
                .map(|(slot, _, value)| (slot, value))
                .collect();
            let storage_cleared = wipe.is_some() || info.is_none();
            accounts.push((
                address,
                AccountChange {
                    info,
                    storage_cleared,
                    storage,
                },
            ));
            i = end;
        }
        Ok(accounts)
    }

    /// The canonical changes of the accounts in `shards` (see `state::canonicalize`), except the
    /// accounts of `earlier`, whose raw changes are returned to be combined with it.
    fn worker_changes<DB: DatabaseRef>(
        &self,
        shards: std::ops::Range<usize>,
        base: &dyn BaseState,
        db: &DB,
        earlier: &StateChanges,
        upto: TxIdx,
    ) -> Result<WorkerOutput, String> {
        let mut out = WorkerOutput::default();
        for (address, raw) in self.raw_accounts(shards, base, upto)? {
            if earlier.accounts.contains_key(&address) {
                out.raw.push((address, raw));
            } else if let Some((change, code_changed)) =
                canonical_account(address, raw, &FromDb(db)).map_err(|e| e.0)?
            {
                if let (true, Some(info)) = (code_changed, change.info) {
                    out.code_hashes.push(info.code_hash);
                }
                out.canonical.push((address, change));
            }
        }
        Ok(out)
    }

    /// The state changes of transactions below `upto` in canonical form, from their final
    /// entries (each executed and validated) over `base`, after the `earlier` raw changes (the
    /// pre-block system call), compared with the pre-block state `db`. The accounts are split
    /// between `workers` threads.
    pub fn final_changes<DB: DatabaseRef + Sync>(
        &self,
        base: &(dyn BaseState + Sync),
        db: &DB,
        earlier: StateChanges,
        upto: TxIdx,
        workers: usize,
    ) -> Result<StateChanges, String> {
        let workers = workers.clamp(1, SHARDS);
        let chunk = SHARDS.div_ceil(workers);
        let range = |w: usize| (w * chunk).min(SHARDS)..((w + 1) * chunk).min(SHARDS);
        let earlier_ref = &earlier;
        let outputs: Vec<Result<WorkerOutput, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..workers)
                .map(|w| {
                    scope.spawn(move || self.worker_changes(range(w), base, db, earlier_ref, upto))
                })
                .collect();
            let mut outputs = vec![self.worker_changes(range(0), base, db, earlier_ref, upto)];
            outputs.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into()))),
            );
            outputs
        });
        let codes = self.codes.read().unwrap_or_else(|e| e.into_inner());
        let mut accounts = Vec::new();
        let mut out_codes = std::collections::BTreeMap::new();
        let mut raw = StateChanges::default();
        for output in outputs {
            let output = output?;
            accounts.extend(output.canonical);
            raw.accounts.extend(output.raw);
            for hash in output.code_hashes {
                if let Some(code) = codes.get(&hash) {
                    out_codes.insert(hash, code.clone());
                }
            }
        }
        accounts.sort_by_key(|(a, _)| *a);
        let mut changes = StateChanges {
            accounts: accounts.into_iter().collect(),
            codes: out_codes,
        };
        // Accounts the earlier phase changed: their raw changes combine first, then canonicalize.
        let mut combined = earlier;
        raw.codes = codes.iter().map(|(h, c)| (*h, c.clone())).collect();
        overlay(&mut combined, raw);
        let combined = canonicalize(combined, &FromDb(db)).map_err(|e| e.0)?;
        changes.accounts.extend(combined.accounts);
        changes.codes.extend(combined.codes);
        Ok(changes)
    }
}

/// What one extraction worker produced.
#[derive(Default)]
struct WorkerOutput {
    canonical: Vec<(Address, AccountChange)>,
    code_hashes: Vec<B256>,
    raw: Vec<(Address, AccountChange)>,
}
