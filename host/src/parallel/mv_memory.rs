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
use crate::output::AccountState;
use alloy_primitives::map::DefaultHashBuilder;
use revm::bytecode::Bytecode;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, B256, KECCAK_EMPTY, U256};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::{Mutex, RwLock};

const SHARDS: usize = 128;

#[derive(Debug, Clone)]
enum Entry {
    Data(Written),
    Estimate,
}

type Versions = BTreeMap<TxIdx, Entry>;

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
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: DefaultHashBuilder::default(),
            last_writes: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
            last_reads: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
            codes: RwLock::new(HashMap::new()),
            spec,
        }
    }

    fn shard(&self, location: &Location) -> std::sync::MutexGuard<'_, HashMap<Location, Versions>> {
        let index = self.hasher.hash_one(location) as usize % SHARDS;
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
        let mut credits = Vec::new();
        let mut found = None;
        {
            let shard = self.shard(&Location::Account(address));
            if let Some(versions) = shard.get(&Location::Account(address)) {
                for (idx, entry) in versions.range(..txn).rev() {
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
            }
        }
        let mut value = match found {
            Some(value) => value,
            None => match base.base_account(address) {
                Ok(value) => value,
                Err(e) => return Resolved::Failed(e),
            },
        };
        for amount in credits.into_iter().rev() {
            value = apply_credit(value, amount, self.spec);
        }
        Resolved::Value(value)
    }

    /// The account's code hash as transaction `txn` sees it, without depending on its balance:
    /// credits never change a code hash.
    pub fn code_hash(&self, address: Address, txn: TxIdx, base: &dyn BaseState) -> Resolved<B256> {
        {
            let shard = self.shard(&Location::Account(address));
            if let Some(versions) = shard.get(&Location::Account(address)) {
                for (idx, entry) in versions.range(..txn).rev() {
                    match entry {
                        Entry::Estimate => return Resolved::Blocked(Blocked(*idx)),
                        Entry::Data(Written::Account(value)) => {
                            return Resolved::Value(value.map_or(KECCAK_EMPTY, |a| a.code_hash))
                        }
                        Entry::Data(_) => {}
                    }
                }
            }
        }
        match base.base_account(address) {
            Ok(value) => Resolved::Value(value.map_or(KECCAK_EMPTY, |a| a.code_hash)),
            Err(e) => Resolved::Failed(e),
        }
    }

    /// The latest entry of `location` below `txn`: `Ok(None)` when there is none.
    fn latest(&self, location: Location, txn: TxIdx) -> Result<Option<(TxIdx, Written)>, Blocked> {
        let shard = self.shard(&location);
        match shard
            .get(&location)
            .and_then(|v| v.range(..txn).next_back())
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
        let write = match self.latest(Location::Storage(address, slot), txn) {
            Ok(w) => w,
            Err(b) => return Resolved::Blocked(b),
        };
        let reset = match self.latest(Location::StorageReset(address), txn) {
            Ok(r) => r.map(|(idx, _)| idx),
            Err(b) => return Resolved::Blocked(b),
        };
        match (write, reset) {
            (Some((w, Written::Storage(value))), r) if r.is_none_or(|r| r <= w) => {
                Resolved::Value(value)
            }
            (_, Some(_)) => Resolved::Value(U256::ZERO),
            _ => match base.base_storage(address, slot) {
                Ok(value) => Resolved::Value(value),
                Err(e) => Resolved::Failed(e),
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
                .insert(txn, Entry::Data(value));
        }
        let mut last = self.last_writes[txn]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for stale in last.iter().filter(|l| !locations.contains(l)) {
            if let Some(versions) = self.shard(stale).get_mut(stale) {
                versions.remove(&txn);
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
                versions.insert(txn, Entry::Estimate);
            }
        }
    }
}
