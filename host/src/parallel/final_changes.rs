//! The block's state changes, taken from the multi-version memory's final entries once every
//! transaction's last execution is validated, in the canonical form the sequential path gives.

use super::fee_column::Fee;
use super::location::{address_hash, CreditKind, Location, TxIdx, Written};
use super::mv_memory::{lock, BaseState, Entry, MvMemory, Original, Slot, Table, SHARDS};
use super::spin_join::Claims;
use crate::output::{AccountChange, AccountState, StateChanges};
use crate::state::{
    address_order_key, canonical_with_changed_slots, canonicalize, overlay, sorted_slots, FromDb,
};
use revm::database_interface::DatabaseRef;
use revm::primitives::{Address, B256, U256};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

/// One location's final contribution to the block's changes.
enum Part {
    /// The account's final value, the last credit that removed it (a wipe without a
    /// `StorageReset` entry), and its value before the block when known.
    Account(Option<AccountState>, Option<TxIdx>, Original),
    /// The last storage wipe.
    Reset(TxIdx),
    /// A slot's final value and last writer, its value before the block when known, and
    /// whether lazy deltas made the value.
    Slot(U256, TxIdx, U256, Original, bool),
}

/// Evaluates an account's version chain below `upto` (and, for the beneficiary, its fee
/// credits): the final value, and the last transaction that removed it through a credit (a
/// wipe that has no `StorageReset` entry).
fn final_account(
    mv: &MvMemory,
    slot: Option<&Slot>,
    address: Address,
    base: &dyn BaseState,
    upto: TxIdx,
) -> Result<(Option<AccountState>, Option<TxIdx>), String> {
    let start = slot.and_then(|slot| {
        slot.entries.below(upto).rev().find_map(|(idx, e)| match e {
            Entry::Data(Written::Account(v)) => Some((*idx, *v)),
            _ => None,
        })
    });
    let (from, mut value) = match (start, slot.map(|s| s.original)) {
        (Some((idx, v)), _) => (idx + 1, v),
        (None, Some(Original::Account(v))) => (0, v),
        (None, _) => (0, base.base_account(address)?),
    };
    let mut wiped = None;
    let mut credit = |value: &mut Option<AccountState>, idx: TxIdx, amount, kind| {
        let next = mv.credit(*value, amount, kind);
        if value.is_some() && next.is_none() {
            wiped = Some(idx);
        }
        *value = next;
    };
    for (idx, entry) in slot
        .iter()
        .flat_map(|slot| slot.entries.from(from))
        .take_while(|(idx, _)| **idx < upto)
    {
        match entry {
            Entry::Data(Written::Credit(amount, kind)) => {
                credit(&mut value, *idx, *amount, *kind);
            }
            // Validated, the delta's writer started inside its range: this cannot fail.
            Entry::Data(Written::BalanceDelta(delta)) => {
                match value.as_mut().map(|a| (delta.apply(a.balance), a)) {
                    Some((Some(balance), account)) => account.balance = balance,
                    _ => mv.note_inexact(),
                }
            }
            _ => {}
        }
    }
    if address == mv.beneficiary {
        for (idx, fee) in mv.fees.within(from..upto) {
            match fee {
                Fee::Credit(amount) => credit(&mut value, idx, amount, CreditKind::Fee),
                Fee::Estimate => return Err("an aborted fee credit is left".into()),
            }
        }
    }
    Ok((value, wiped))
}

/// Evaluates a slot's version chain below `upto`, ignoring wipes: the final value, and whether
/// lazy deltas made it.
fn final_slot(
    mv: &MvMemory,
    slot: &Slot,
    (address, key): (Address, U256),
    base: &dyn BaseState,
    upto: TxIdx,
) -> Result<(U256, bool), String> {
    let (start, deltas) = slot
        .storage_chain(upto, None)
        .map_err(|_| "a storage location holds no storage value".to_string())?;
    let mut value = match (start, slot.original) {
        (Some(value), _) => value,
        (None, Original::Storage(value)) => value,
        (None, _) => base.base_storage(address, key)?,
    };
    for delta in slot.last_deltas(upto, deltas) {
        // Validated, the delta's writer started inside its range: this cannot fail.
        match delta.apply(value) {
            Some(next) => value = next,
            None => mv.note_inexact(),
        }
    }
    Ok((value, deltas > 0))
}

/// Parts dealt by account into buckets: bucket `b` holds the accounts one worker combines.
type Buckets = Vec<Vec<(Address, Part)>>;

/// The final part of every location of `tables` written below `upto`, dealt into `buckets`
/// buckets by account.
fn collect_parts<'t>(
    mv: &MvMemory,
    tables: impl Iterator<Item = std::sync::MutexGuard<'t, Table>>,
    base: &dyn BaseState,
    upto: TxIdx,
    buckets: usize,
) -> Result<Buckets, String> {
    let tables: Vec<_> = tables.collect();
    // Each bucket sized for every location of the chunk (one account may hold most of them):
    // a vector that grows copies itself into fresh pages each time.
    let locations = tables.iter().map(|table| table.len()).sum();
    let mut out: Buckets = (0..buckets)
        .map(|_| Vec::with_capacity(locations))
        .collect();
    for table in tables {
        for slot in table.iter() {
            let Some((idx, last)) = slot.entries.below(upto).next_back() else {
                continue;
            };
            let part = match (slot.location, last) {
                // Taken with its fee credits by `beneficiary_part`.
                (Location::Account(a), _) if a == mv.beneficiary => continue,
                (Location::Account(a), _) => {
                    let (info, wipe) = final_account(mv, Some(slot), a, base, upto)?;
                    (a, Part::Account(info, wipe, slot.original))
                }
                (Location::StorageReset(a), _) => (a, Part::Reset(*idx)),
                (Location::Storage(a, key), _) => {
                    let (value, lazy) = final_slot(mv, slot, (a, key), base, upto)?;
                    (a, Part::Slot(key, *idx, value, slot.original, lazy))
                }
            };
            out[address_hash(&part.0) as usize % buckets].push(part);
        }
    }
    Ok(out)
}

/// What one extraction worker produced.
#[derive(Default)]
struct WorkerOutput {
    /// Canonical changes, ordered by address.
    canonical: Vec<(Address, AccountChange)>,
    code_hashes: Vec<B256>,
    /// Accounts the pre-block phase changed too: raw, to be combined with it.
    raw: Vec<(Address, AccountChange)>,
}

impl MvMemory {
    /// The beneficiary's final part, if a transaction below `upto` wrote it or credited it.
    fn beneficiary_part(
        &self,
        base: &dyn BaseState,
        upto: TxIdx,
    ) -> Result<Option<(Address, Part)>, String> {
        let address = self.beneficiary;
        let credited = self.fees.within(0..upto).next().is_some();
        self.find_slot(Location::Account(address), |slot| {
            let slot = slot.map(|slot| &*slot);
            let written = slot.is_some_and(|s| s.entries.below(upto).next().is_some());
            if !credited && !written {
                return Ok(None);
            }
            let (info, wipe) = final_account(self, slot, address, base, upto)?;
            let original = slot.map_or(Original::Unknown, |s| s.original);
            Ok(Some((address, Part::Account(info, wipe, original))))
        })
    }

    /// The accounts of one bucket: each account's parts (from every collector) combined, then
    /// put in canonical form against its value before the block (cached in the memory when a
    /// lane read it).
    fn bucket_changes<'p, DB: DatabaseRef>(
        &self,
        parts: impl Iterator<Item = &'p (Address, Part)>,
        base: &dyn BaseState,
        db: &DB,
        earlier: &StateChanges,
    ) -> Result<WorkerOutput, String> {
        // Keys inline: sorting references by a key behind them misses the cache at every
        // comparison.
        let mut parts: Vec<_> = parts
            .map(|(address, part)| (address_order_key(address), address, part))
            .collect();
        parts.sort_unstable_by_key(|(key, ..)| *key);
        let mut out = WorkerOutput::default();
        for group in parts.chunk_by(|(a, ..), (b, ..)| a == b) {
            let address = *group[0].1;
            let (mut info, mut wipe, mut original) = (None, None, Original::Unknown);
            for (_, _, part) in group {
                match part {
                    Part::Account(value, credit_wipe, before) => {
                        info = Some(*value);
                        wipe = wipe.max(*credit_wipe);
                        original = *before;
                    }
                    Part::Reset(idx) => wipe = wipe.max(Some(*idx)),
                    Part::Slot(..) => {}
                }
            }
            if matches!(original, Original::Unknown) {
                original = self.find_slot(Location::Account(address), |slot| {
                    slot.map_or(Original::Unknown, |s| s.original)
                });
            }
            let original = match original {
                Original::Account(value) => value,
                _ => base.base_account(address)?,
            };
            let info = info.unwrap_or(original);
            let raw = earlier.accounts.contains_key(&address);
            // Compared as `canonical_change` does, slot by slot as found: against zero once
            // wiped or new, else against the value before the block (cached when a lane read it).
            let storage_cleared = wipe.is_some() || info.is_none();
            let compare = !raw && info.is_some();
            let wiped = storage_cleared || original.is_none();
            let mut storage: Vec<(U256, U256)> = Vec::new();
            for (_, _, part) in group {
                let Part::Slot(key, idx, value, before, lazy) = part else {
                    continue;
                };
                if wipe.is_some_and(|w| *idx < w) {
                    continue;
                }
                if *lazy && wipe.is_some() {
                    // Deltas across a wipe are not combined here: the block runs sequentially.
                    self.note_inexact();
                }
                if compare {
                    let before = match (wiped, before) {
                        (true, _) => U256::ZERO,
                        (false, Original::Storage(v)) => *v,
                        (false, _) => db.storage_ref(address, *key).map_err(|e| e.to_string())?,
                    };
                    if *value == before {
                        continue;
                    }
                }
                storage.push((*key, *value));
            }
            let change = AccountChange {
                info,
                storage_cleared,
                storage: sorted_slots(storage),
            };
            if raw {
                out.raw.push((address, change));
            } else if let Some((change, code_changed)) =
                canonical_with_changed_slots(change, original)
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
    /// pre-block system call), compared with the pre-block state `db`. `workers` threads
    /// collect the parts of the locations shard by shard, then combine them account by account.
    ///
    /// `beside` runs as one more unit of the second pass, on whichever worker takes it; its
    /// output comes back with the changes (`None` if the extraction failed first).
    pub fn final_changes<DB: DatabaseRef + Sync, T: Send>(
        &self,
        base: &(dyn BaseState + Sync),
        db: &DB,
        earlier: StateChanges,
        upto: TxIdx,
        workers: usize,
        beside: impl FnOnce() -> T + Send,
    ) -> (Result<StateChanges, String>, Option<T>) {
        let beside = Mutex::new(Some(beside));
        let beside_output = Mutex::new(None);
        let run_beside = || {
            let job = lock(&beside).take();
            if let Some(job) = job {
                *lock(&beside_output) = Some(job());
            }
        };
        let changes = self.extract(base, db, earlier, upto, workers, &run_beside);
        let output = beside_output
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        (changes, output)
    }

    /// [`Self::final_changes`], calling `beside` once, in the second pass.
    fn extract<DB: DatabaseRef + Sync>(
        &self,
        base: &(dyn BaseState + Sync),
        db: &DB,
        earlier: StateChanges,
        upto: TxIdx,
        workers: usize,
        beside: &(dyn Fn() + Sync),
    ) -> Result<StateChanges, String> {
        let workers = workers.clamp(1, SHARDS);
        // Eight chunks of tables per worker, so that uneven ones even out (with two, a worker
        // waited 80-170 us of an ERC-20 block's 250-400 us first pass for the other; with
        // eight, 0-50 us); one bucket of accounts per worker (more cost more than they even
        // out on mainnet blocks).
        let (chunk_count, bucket_count) = ((8 * workers).min(SHARDS), workers);
        let chunk = SHARDS.div_ceil(chunk_count);
        let range = |c: usize| (c * chunk).min(SHARDS)..((c + 1) * chunk).min(SHARDS);
        // Both passes in one scope, so that the pool's thread is woken once: first the
        // beneficiary's credits and the tables' chunks, then (once all are collected) the buckets
        // of accounts and `beside`, each unit taken by whichever worker is free, the costliest
        // first. A worker that has not started when the units run out finds nothing to do. (The
        // beneficiary's credits, one per transaction, took 58 us on a 2,000-transaction block
        // before the scope, while the pool's thread fell asleep.)
        let beneficiary = OnceLock::new();
        let collected: Vec<OnceLock<Result<Buckets, String>>> =
            (0..chunk_count).map(|_| OnceLock::new()).collect();
        let outputs: Vec<OnceLock<Result<WorkerOutput, String>>> =
            (0..bucket_count).map(|_| OnceLock::new()).collect();
        let (chunks, units) = (Claims::default(), Claims::default());
        let earlier_ref = &earlier;
        super::lane_pool::run_on_lanes(workers, |_| {
            // Unit 0 is the beneficiary, then the chunks.
            while let Some(unit) = chunks.claim(chunk_count + 1) {
                let _done = chunks.finish_on_drop();
                let Some(c) = unit.checked_sub(1) else {
                    let _ = beneficiary.set(self.beneficiary_part(base, upto));
                    continue;
                };
                let _ = collected[c].set(collect_parts(
                    self,
                    self.tables(range(c)),
                    base,
                    upto,
                    bucket_count,
                ));
            }
            chunks.wait_all(chunk_count + 1);
            let (Some(all), Some(Ok(beneficiary))) = (
                collected
                    .iter()
                    .map(|c| c.get().and_then(|c| c.as_ref().ok()))
                    .collect::<Option<Vec<&Buckets>>>(),
                beneficiary.get(),
            ) else {
                // A collector (or the beneficiary's) failed: its error is returned below.
                return;
            };
            // Unit `bucket_count` is `beside`, priced as two parts per transaction
            // (measured: taking a result costs about twice combining a part).
            let cost = |unit: usize| match unit {
                u if u == bucket_count => 2 * upto,
                b => all.iter().map(|buckets| buckets[b].len()).sum(),
            };
            let mut order: Vec<usize> = (0..=bucket_count).collect();
            order.sort_by_key(|u| std::cmp::Reverse(cost(*u)));
            while let Some(next) = units.claim(order.len()) {
                let b = order[next];
                if b == bucket_count {
                    beside();
                    continue;
                }
                let mine =
                    |part: &&(Address, Part)| address_hash(&part.0) as usize % bucket_count == b;
                let parts = all
                    .iter()
                    .flat_map(|buckets| &buckets[b])
                    .chain(beneficiary.iter().filter(mine));
                let _ = outputs[b].set(self.bucket_changes(parts, base, db, earlier_ref));
            }
        });
        beneficiary
            .into_inner()
            .unwrap_or_else(|| Err("an extraction worker stopped".into()))?;
        for collected in collected {
            collected
                .into_inner()
                .unwrap_or_else(|| Err("an extraction worker stopped".into()))?;
        }
        let codes = self.codes();
        let mut accounts = Vec::new();
        let mut out_codes = BTreeMap::new();
        let mut raw = StateChanges::default();
        for output in outputs {
            let output = output
                .into_inner()
                .unwrap_or_else(|| Err("an extraction worker stopped".into()))?;
            accounts.extend(output.canonical);
            raw.accounts.extend(output.raw);
            for hash in output.code_hashes {
                if let Some(code) = codes.get(&hash) {
                    out_codes.insert(hash, code.clone());
                }
            }
        }
        // Each worker's accounts are sorted: building the map merges those runs.
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
