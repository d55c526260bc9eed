//! The block's view of state: a pre-state plus what earlier transactions of the block wrote.

use super::DbError;
use crate::output::{AccountState, StateChanges};
use alloy_primitives::map::HashMap;
use revm::bytecode::Bytecode;
use revm::database_interface::{Database, DatabaseCommit, DatabaseRef};
use revm::primitives::{Address, AddressMap, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::{Account, AccountInfo};

#[derive(Default)]
struct SlotCache {
    /// Storage was wiped by the block: slots absent from `slots` read as zero.
    cleared: bool,
    slots: HashMap<U256, U256>,
}

/// A pre-state `DB` overlaid with the block's writes so far; revm executes against it and
/// commits each transaction into it.
///
/// Invariant: every value read from `DB` is cached, and every write is both cached (so later
/// transactions see it) and recorded in `changes` (what the block returns).
pub struct BlockState<'a, DB> {
    db: &'a DB,
    accounts: HashMap<Address, Option<AccountState>>,
    storage: HashMap<Address, SlotCache>,
    codes: HashMap<B256, Bytecode>,
    changes: StateChanges,
}

impl<'a, DB: DatabaseRef> BlockState<'a, DB> {
    /// An overlay with no writes yet.
    pub fn new(db: &'a DB) -> Self {
        Self {
            db,
            accounts: HashMap::default(),
            storage: HashMap::default(),
            codes: HashMap::default(),
            changes: StateChanges::default(),
        }
    }

    /// Takes the changes recorded so far, raw (see `canonicalize`), leaving the caches readable.
    pub fn take_changes(&mut self) -> StateChanges {
        std::mem::take(&mut self.changes)
    }

    /// The changes recorded so far, raw (see `canonicalize`).
    pub fn into_changes(self) -> StateChanges {
        self.changes
    }

    /// The account as the block sees it now.
    pub fn account(&mut self, address: Address) -> Result<Option<AccountState>, DbError> {
        if let Some(cached) = self.accounts.get(&address) {
            return Ok(*cached);
        }
        let info = self
            .db
            .basic_ref(address)
            .map_err(|e| db_error("account", address, e))?;
        let state = info.map(|info| {
            if let Some(code) = info.code.filter(|c| !c.is_empty()) {
                self.codes.entry(info.code_hash).or_insert(code);
            }
            AccountState {
                balance: info.balance,
                nonce: info.nonce,
                code_hash: info.code_hash,
            }
        });
        self.accounts.insert(address, state);
        Ok(state)
    }

    /// Adds `amount` wei to an account, creating it if needed (withdrawals, mining rewards).
    /// A zero amount changes nothing, as EIP-161 would delete the touched empty account anyway.
    pub fn add_balance(&mut self, address: Address, amount: U256) -> Result<(), DbError> {
        if amount.is_zero() {
            return Ok(());
        }
        let mut state = self.account(address)?.unwrap_or(AccountState {
            code_hash: KECCAK_EMPTY,
            ..AccountState::default()
        });
        state.balance = state.balance.saturating_add(amount);
        self.accounts.insert(address, Some(state));
        self.changes.accounts.entry(address).or_default().info = Some(state);
        Ok(())
    }

    /// Applies one transaction's (or system call's) final state.
    fn apply(&mut self, address: Address, account: Account) {
        if !account.is_touched() {
            return;
        }
        // New code is recorded when the account's code hash changes (deployment, EIP-7702
        // delegation); canonicalization keeps what the final state refers to.
        let code_changed = account.info.code_hash != KECCAK_EMPTY
            && self.account(address).ok().flatten().map(|a| a.code_hash)
                != Some(account.info.code_hash);
        let change = self.changes.accounts.entry(address).or_default();
        // After revm's finalize, an empty touched account that is not newly created is one that
        // EIP-161 removes (pre-Spurious-Dragon accounts were already normalized by revm).
        let destroyed =
            account.is_selfdestructed() || (account.is_empty() && !account.is_created());
        if destroyed || account.is_created() {
            let cache = self.storage.entry(address).or_default();
            cache.cleared = true;
            cache.slots.clear();
            change.storage_cleared = true;
            change.storage.clear();
        }
        if destroyed {
            self.accounts.insert(address, None);
            change.info = None;
            return;
        }
        let info = &account.info;
        let state = AccountState {
            balance: info.balance,
            nonce: info.nonce,
            code_hash: info.code_hash,
        };
        if code_changed {
            if let Some(code) = &info.code {
                self.codes.insert(info.code_hash, code.clone());
                self.changes.codes.insert(info.code_hash, code.clone());
            }
        }
        self.accounts.insert(address, Some(state));
        change.info = Some(state);
        let mut changed = account
            .storage
            .iter()
            .filter(|(_, v)| v.is_changed())
            .peekable();
        if changed.peek().is_some() {
            let cache = self.storage.entry(address).or_default();
            for (slot, value) in changed {
                cache.slots.insert(*slot, value.present_value());
                change.storage.insert(*slot, value.present_value());
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

fn db_error(what: &str, key: impl std::fmt::Display, e: impl std::fmt::Display) -> DbError {
    DbError(format!("reading {what} {key}: {e}"))
}

impl<DB: DatabaseRef> Database for BlockState<'_, DB> {
    type Error = DbError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        Ok(self.account(address)?.map(|s| AccountInfo {
            balance: s.balance,
            nonce: s.nonce,
            code_hash: s.code_hash,
            code: (s.code_hash == KECCAK_EMPTY).then(Bytecode::default),
            ..AccountInfo::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        let code = self
            .db
            .code_by_hash_ref(code_hash)
            .map_err(|e| db_error("code", code_hash, e))?;
        self.codes.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        let cache = self.storage.entry(address).or_default();
        if let Some(value) = cache.slots.get(&index) {
            return Ok(*value);
        }
        let value = if cache.cleared {
            U256::ZERO
        } else {
            self.db
                .storage_ref(address, index)
                .map_err(|e| db_error("storage of", address, e))?
        };
        cache.slots.insert(index, value);
        Ok(value)
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
        match self.accounts.get(&address) {
            Some(state) => Ok(state.map(|s| AccountInfo {
                balance: s.balance,
                nonce: s.nonce,
                code_hash: s.code_hash,
                code: (s.code_hash == KECCAK_EMPTY).then(Bytecode::default),
                ..AccountInfo::default()
            })),
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
        if let Some(cache) = self.storage.get(&address) {
            if let Some(value) = cache.slots.get(&index) {
                return Ok(*value);
            }
            if cache.cleared {
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
