//! The block's view of state: a pre-state plus what earlier transactions of the block wrote.

use super::canonical::{
    canonical_with_changed_slots, slot_changed, sorted_accounts, sorted_slots, storage_wiped,
    Originals,
};
use super::kept_tables::{self, Tables};
use super::own_code::{info_with_own_empty_code, own_code};
use super::DbError;
use crate::exec::transfer::Candidate;
use crate::output::{AccountChange, AccountState, StateChanges};
use revm::bytecode::Bytecode;
use revm::database_interface::{Database, DatabaseCommit, DatabaseRef};
use revm::primitives::{
    Address, AddressMap, B256Map, StorageKey, StorageValue, U256Map, B256, KECCAK_EMPTY, U256,
};
use revm::state::{Account, AccountInfo};

/// A slot as the block sees it, and as the pre-state had it when first read.
#[derive(Debug, Clone, Copy)]
struct Slot {
    current: U256,
    original: Option<U256>,
    /// Written by the block since the changes were last taken: part of the account's change.
    written: bool,
}

/// Everything the overlay knows of one account: one map lookup serves reads, commits and
/// canonicalization.
#[derive(Debug, Default)]
pub(super) struct Entry {
    /// Whether `current` and `original` were read from the pre-state.
    loaded: bool,
    /// The account now (`None`: it does not exist).
    current: Option<AccountState>,
    /// The account as first read from the pre-state.
    original: Option<AccountState>,
    /// Storage was wiped by the block: slots absent from `slots` read as zero.
    cleared: bool,
    slots: U256Map<Slot>,
    /// Where the account's change is in `BlockState::changed`, once the block changed it.
    change: Option<usize>,
}

/// What the block did to one account, kept apart from the caches so that the changes are read
/// in one sequential pass at the end of the block.
#[derive(Debug)]
pub(super) struct Changed {
    address: Address,
    /// The account before the block, when it was read (`None`: not read).
    original: Option<Option<AccountState>>,
    /// The change; its storage is gathered from the slots marked written when taken.
    change: AccountChange,
    /// Whether any slot was written (the only accounts whose slots are gathered).
    wrote_slots: bool,
}

/// A pre-state `DB` overlaid with the block's writes so far; revm executes against it and
/// commits each transaction into it.
///
/// Invariant: every value read from `DB` is cached (and kept as the original), and every write
/// is both cached (so later transactions see it) and recorded as the account's change (what
/// the block returns).
pub struct BlockState<'a, DB> {
    db: &'a DB,
    accounts: AddressMap<Entry>,
    changed: Vec<Changed>,
    /// Codes read so far, each this overlay's own copy (see [`own_code`]): two overlays run
    /// side by side never write one reference count.
    codes: B256Map<Bytecode>,
    new_codes: B256Map<Bytecode>,
    /// This overlay's own empty code, carried by accounts without code.
    empty: Bytecode,
}

/// The slots written since the last call, in slot order, no longer marked written.
fn take_written(slots: &mut U256Map<Slot>) -> std::collections::BTreeMap<U256, U256> {
    let written = slots.iter_mut().filter(|(_, s)| s.written).map(|(key, s)| {
        s.written = false;
        (*key, s.current)
    });
    sorted_slots(written.collect())
}

/// The slots of `address` the block wrote whose value differs from the one before the block
/// (zero for a `wiped` or new account), in slot order, in one pass over its cached slots.
fn changed_slots<DB: DatabaseRef>(
    db: &DB,
    address: Address,
    slots: &U256Map<Slot>,
    wiped: bool,
) -> Result<std::collections::BTreeMap<U256, U256>, DbError> {
    let mut changed = Vec::new();
    for (key, slot) in slots.iter().filter(|(_, s)| s.written) {
        let before = || match slot.original {
            Some(value) => Ok(value),
            None => db
                .storage_ref(address, *key)
                .map_err(|e| db_error("storage of", address, e)),
        };
        if slot_changed(slot.current, wiped, before)? {
            changed.push((*key, slot.current));
        }
    }
    Ok(sorted_slots(changed))
}

fn db_error(what: &str, key: impl std::fmt::Display, e: impl std::fmt::Display) -> DbError {
    DbError(format!("reading {what} {key}: {e}"))
}

impl<DB> Drop for BlockState<'_, DB> {
    fn drop(&mut self) {
        kept_tables::give_back(Tables {
            accounts: std::mem::take(&mut self.accounts),
            changed: std::mem::take(&mut self.changed),
        });
    }
}

impl<'a, DB: DatabaseRef> BlockState<'a, DB> {
    /// An overlay with no writes yet.
    pub fn new(db: &'a DB) -> Self {
        Self::with_capacity(db, 0)
    }

    /// An overlay sized for about `accounts` accounts, so it never rehashes while a block runs
    /// (its tables are kept from block to block: see [`kept_tables`]).
    pub fn with_capacity(db: &'a DB, accounts: usize) -> Self {
        let Tables { accounts, changed } = kept_tables::take(accounts);
        Self {
            db,
            accounts,
            changed,
            codes: B256Map::default(),
            new_codes: B256Map::default(),
            empty: own_code(&Bytecode::default()),
        }
    }

    /// Takes the changes recorded so far, raw (see `canonicalize`), leaving the caches readable.
    pub fn take_changes(&mut self) -> StateChanges {
        let mut changed = Vec::with_capacity(self.changed.len());
        for mut c in self.changed.drain(..) {
            if let Some(entry) = self.accounts.get_mut(&c.address) {
                entry.change = None;
                if c.wrote_slots {
                    c.change.storage = take_written(&mut entry.slots);
                }
            }
            changed.push((c.address, c.change));
        }
        let codes = std::mem::take(&mut self.new_codes).into_iter().collect();
        StateChanges {
            accounts: sorted_accounts(changed),
            codes,
        }
    }

    /// The changes recorded so far, raw (see `canonicalize`).
    pub fn into_changes(mut self) -> StateChanges {
        self.take_changes()
    }

    /// The changes recorded so far in canonical form, compared with the values first read from
    /// the pre-state (every changed account and written slot was read first).
    pub fn into_canonical(mut self) -> Result<StateChanges, DbError> {
        let db = self.db;
        let mut accounts = Vec::with_capacity(self.changed.len());
        let mut codes = std::collections::BTreeMap::new();
        for Changed {
            address,
            original,
            mut change,
            wrote_slots,
        } in self.changed.drain(..)
        {
            let original = match original {
                Some(original) => original,
                None => db
                    .basic_ref(address)
                    .map_err(|e| db_error("account", address, e))?
                    .map(AccountState::from),
            };
            if change.info.is_some() && wrote_slots {
                if let Some(entry) = self.accounts.get(&address) {
                    let wiped = storage_wiped(&change, original);
                    change.storage = changed_slots(db, address, &entry.slots, wiped)?;
                }
            }
            if let Some((change, code_changed)) = canonical_with_changed_slots(change, original) {
                if let (true, Some(info)) = (code_changed, change.info) {
                    if let Some(code) = self.new_codes.get(&info.code_hash) {
                        codes.insert(info.code_hash, code.clone());
                    }
                }
                accounts.push((address, change));
            }
        }
        Ok(StateChanges {
            accounts: sorted_accounts(accounts),
            codes,
        })
    }

    /// Whether the block touched `address` (read or wrote it, or one of its slots).
    pub fn touched(&self, address: Address) -> bool {
        self.accounts.contains_key(&address)
    }

    /// Whether this overlay read anything `other` changed: an account whose value `other`
    /// changed, or whose storage it wiped (any read of the account or its slots counts), or a
    /// slot it wrote. Where neither of two overlays of the same pre-state read a change of the
    /// other, each one's transactions saw what they would have seen with the other's run
    /// before them: every write follows a read of its location, and every read is cached.
    pub fn read_a_change_of<E>(&self, other: &BlockState<'_, E>) -> bool {
        other.changed.iter().any(|changed| {
            let Some(mine) = self.accounts.get(&changed.address) else {
                return false;
            };
            let Some(theirs) = other.accounts.get(&changed.address) else {
                return true;
            };
            let account_changed =
                !theirs.loaded || theirs.cleared || theirs.current != theirs.original;
            account_changed
                || theirs
                    .slots
                    .iter()
                    .any(|(key, slot)| slot.written && mine.slots.contains_key(key))
        })
    }

    /// The change record of `address`, whose entry is `entry`, created on first use.
    fn change_of<'c>(
        changed: &'c mut Vec<Changed>,
        entry: &mut Entry,
        address: Address,
    ) -> &'c mut Changed {
        let index = *entry.change.get_or_insert_with(|| {
            changed.push(Changed {
                address,
                original: entry.loaded.then_some(entry.original),
                change: AccountChange::default(),
                wrote_slots: false,
            });
            changed.len() - 1
        });
        &mut changed[index]
    }

    fn entry(&mut self, address: Address) -> Result<&mut Entry, DbError> {
        Self::load(&mut self.accounts, &mut self.codes, self.db, address)
    }

    /// The entry of `address`, read from the pre-state the first time (borrowing only the maps
    /// it needs, so callers can still reach the change records).
    fn load<'m>(
        accounts: &'m mut AddressMap<Entry>,
        codes: &mut B256Map<Bytecode>,
        db: &DB,
        address: Address,
    ) -> Result<&'m mut Entry, DbError> {
        let entry = accounts.entry(address).or_default();
        if !entry.loaded {
            let info = db
                .basic_ref(address)
                .map_err(|e| db_error("account", address, e))?;
            let state = info.map(|info| {
                if let Some(code) = info.code.as_ref().filter(|c| !c.is_empty()) {
                    codes
                        .entry(info.code_hash)
                        .or_insert_with(|| own_code(code));
                }
                AccountState::from(info)
            });
            entry.loaded = true;
            entry.current = state;
            entry.original = state;
        }
        Ok(entry)
    }

    /// The account as the block sees it now.
    pub fn account(&mut self, address: Address) -> Result<Option<AccountState>, DbError> {
        Ok(self.entry(address)?.current)
    }

    /// Adds `amount` wei to an account, creating it if needed (withdrawals, mining rewards).
    /// A zero amount changes nothing, as EIP-161 would delete the touched empty account anyway.
    pub fn add_balance(&mut self, address: Address, amount: U256) -> Result<(), DbError> {
        if amount.is_zero() {
            return Ok(());
        }
        let entry = Self::load(&mut self.accounts, &mut self.codes, self.db, address)?;
        let mut state = entry.current.unwrap_or(AccountState {
            code_hash: KECCAK_EMPTY,
            ..AccountState::default()
        });
        state.balance = state.balance.saturating_add(amount);
        Self::set_current(&mut self.changed, entry, address, state);
        Ok(())
    }

    /// Executes a plain transfer natively, if the accounts at both ends allow it (see
    /// [`Candidate::apply`]), paying the fee to `beneficiary`; with no beneficiary the fee
    /// ([`Candidate::reward`]) is left to the caller, and a transfer from the beneficiary is
    /// left to revm. `false` leaves everything as it was, for revm to run it.
    pub fn plain_transfer(
        &mut self,
        transfer: &Candidate,
        beneficiary: Option<Address>,
    ) -> Result<bool, DbError> {
        if beneficiary.is_none() && transfer.pays_itself() {
            return Ok(false);
        }
        let sender = self.account(transfer.caller)?;
        let recipient = self.account(transfer.to)?;
        let Some(done) = transfer.apply(sender, recipient) else {
            return Ok(false);
        };
        if let Some(beneficiary) = beneficiary.filter(|_| !transfer.pays_itself()) {
            let paid = self.account(beneficiary)?.map_or(U256::ZERO, |a| a.balance);
            if paid.checked_add(transfer.reward()).is_none() {
                return Ok(false);
            }
            self.add_balance(beneficiary, transfer.reward())?;
        }
        self.set_account(transfer.caller, done.sender);
        self.set_account(transfer.to, done.recipient);
        Ok(true)
    }

    /// Sets an account already loaded into the overlay.
    fn set_account(&mut self, address: Address, state: AccountState) {
        let entry = self.accounts.entry(address).or_default();
        Self::set_current(&mut self.changed, entry, address, state);
    }

    /// Sets `address`'s account, whose entry is `entry`, and records it as the account's change.
    fn set_current(
        changed: &mut Vec<Changed>,
        entry: &mut Entry,
        address: Address,
        state: AccountState,
    ) {
        entry.current = Some(state);
        Self::change_of(changed, entry, address).change.info = Some(state);
    }

    /// Applies one transaction's (or system call's) final state.
    fn apply(&mut self, address: Address, account: Account) {
        if !account.is_touched() {
            return;
        }
        // revm loaded the account before changing it; a failing pre-state here was already
        // reported by that load, so the entry is used as it is.
        let entry = match Self::load(&mut self.accounts, &mut self.codes, self.db, address) {
            Ok(entry) => entry,
            Err(_) => self.accounts.entry(address).or_default(),
        };
        let change = Self::change_of(&mut self.changed, entry, address);
        // After revm's finalize, an empty touched account that is not newly created is one that
        // EIP-161 removes (pre-Spurious-Dragon accounts were already normalized by revm).
        let destroyed =
            account.is_selfdestructed() || (account.is_empty() && !account.is_created());
        if destroyed || account.is_created() {
            entry.cleared = true;
            entry.slots.retain(|_, slot| {
                slot.current = U256::ZERO;
                slot.written = false;
                slot.original.is_some()
            });
            change.change.storage_cleared = true;
        }
        if destroyed {
            entry.current = None;
            change.change.info = None;
            return;
        }
        let info = &account.info;
        let state = AccountState::from(info);
        // New code is recorded when the code hash changes (deployment, EIP-7702 delegation);
        // canonicalization keeps what the final state refers to.
        let code_changed = info.code_hash != KECCAK_EMPTY
            && entry.current.map(|a| a.code_hash) != Some(info.code_hash);
        entry.current = Some(state);
        change.change.info = Some(state);
        for (slot, value) in account.storage.iter().filter(|(_, v)| v.is_changed()) {
            let present = value.present_value();
            entry
                .slots
                .entry(*slot)
                .and_modify(|s| {
                    s.current = present;
                    s.written = true;
                })
                .or_insert(Slot {
                    current: present,
                    original: None,
                    written: true,
                });
            change.wrote_slots = true;
        }
        if code_changed {
            if let Some(code) = &info.code {
                self.codes.insert(info.code_hash, code.clone());
                self.new_codes.insert(info.code_hash, code.clone());
            }
        }
    }

    /// Commits only `address`'s entry of `state` (system calls change nothing else).
    pub fn commit_only(&mut self, mut state: AddressMap<Account>, address: Address) {
        if let Some(account) = state.remove(&address) {
            self.apply(address, account);
        }
    }
}

impl<DB: DatabaseRef> Database for BlockState<'_, DB> {
    type Error = DbError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        let account = self.account(address)?;
        Ok(account.map(|account| info_with_own_empty_code(account, &self.empty)))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(self.empty.clone());
        }
        if let Some(code) = self.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        let code = self
            .db
            .code_by_hash_ref(code_hash)
            .map_err(|e| db_error("code", code_hash, e))?;
        let code = own_code(&code);
        self.codes.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        let db = self.db;
        let entry = self.accounts.entry(address).or_default();
        if let Some(slot) = entry.slots.get(&index) {
            return Ok(slot.current);
        }
        let slot = if entry.cleared {
            Slot {
                current: U256::ZERO,
                original: None,
                written: false,
            }
        } else {
            let value = db
                .storage_ref(address, index)
                .map_err(|e| db_error("storage of", address, e))?;
            Slot {
                current: value,
                original: Some(value),
                written: false,
            }
        };
        entry.slots.insert(index, slot);
        Ok(slot.current)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, DbError> {
        self.db
            .block_hash_ref(number)
            .map_err(|e| db_error("block hash", number, e))
    }
}

/// Read-only access for parallel lanes: the same values as `Database`, without caching.
impl<DB: DatabaseRef> DatabaseRef for BlockState<'_, DB> {
    type Error = DbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        match self.accounts.get(&address).filter(|e| e.loaded) {
            Some(entry) => Ok(entry.current.map(AccountState::to_info)),
            None => self
                .db
                .basic_ref(address)
                .map_err(|e| db_error("account", address, e)),
        }
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        match self.codes.get(&code_hash) {
            Some(code) => Ok(code.clone()),
            None => self
                .db
                .code_by_hash_ref(code_hash)
                .map_err(|e| db_error("code", code_hash, e)),
        }
    }

    fn storage_ref(&self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        if let Some(entry) = self.accounts.get(&address) {
            if let Some(slot) = entry.slots.get(&index) {
                return Ok(slot.current);
            }
            if entry.cleared {
                return Ok(U256::ZERO);
            }
        }
        self.db
            .storage_ref(address, index)
            .map_err(|e| db_error("storage of", address, e))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, DbError> {
        self.db
            .block_hash_ref(number)
            .map_err(|e| db_error("block hash", number, e))
    }
}

impl<DB: DatabaseRef> DatabaseCommit for BlockState<'_, DB> {
    fn commit(&mut self, changes: AddressMap<Account>) {
        for (address, account) in changes {
            self.apply(address, account);
        }
    }
}

/// The pre-block values this overlay first read, falling back to its pre-state.
impl<DB: DatabaseRef> Originals for BlockState<'_, DB> {
    fn original_account(&self, address: Address) -> Result<Option<AccountState>, DbError> {
        match self.accounts.get(&address).filter(|e| e.loaded) {
            Some(entry) => Ok(entry.original),
            None => self
                .db
                .basic_ref(address)
                .map(|i| i.map(AccountState::from))
                .map_err(|e| db_error("account", address, e)),
        }
    }

    fn original_slot(&self, address: Address, slot: U256) -> Result<U256, DbError> {
        match self
            .accounts
            .get(&address)
            .and_then(|e| e.slots.get(&slot))
            .and_then(|s| s.original)
        {
            Some(value) => Ok(value),
            None => self
                .db
                .storage_ref(address, slot)
                .map_err(|e| db_error("storage of", address, e)),
        }
    }
}
