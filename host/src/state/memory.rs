//! A whole pre-state held in memory: the state of test vectors, mainnet snapshots and demos.

use super::DbError;
use crate::output::{AccountState, StateChanges};
use crate::trie::{state_root_with, KeccakBatch, TrieAccountInput};
use alloy_primitives::map::HashMap;
use revm::bytecode::Bytecode;
use revm::database_interface::DatabaseRef;
use revm::primitives::{
    keccak256, Address, AddressMap, B256Map, Bytes, StorageKey, StorageValue, U256Map, B256,
    KECCAK_EMPTY, U256,
};
use revm::state::AccountInfo;
use std::collections::BTreeMap;

/// What `BLOCKHASH` sees for numbers missing from the known hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockHashes {
    /// Unknown numbers are a database error (real chains: every needed hash must be given).
    #[default]
    KnownOnly,
    /// Unknown numbers hash as `keccak256(decimal string of the number)`, the convention the
    /// official state tests were filled with.
    StateTestConvention,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct MemAccount {
    info: AccountState,
    storage: U256Map<U256>,
}

/// Accounts, storage, code and block hashes held in maps; implements revm's `DatabaseRef`.
#[derive(Debug, Clone, Default)]
pub struct InMemoryState {
    accounts: AddressMap<MemAccount>,
    codes: B256Map<Bytecode>,
    block_hashes: HashMap<u64, B256>,
    hash_policy: BlockHashes,
}

impl InMemoryState {
    /// An empty state whose `BLOCKHASH` follows `policy` for unknown numbers.
    pub fn new(policy: BlockHashes) -> Self {
        Self {
            hash_policy: policy,
            ..Self::default()
        }
    }

    /// Inserts (or replaces) an account with its code and storage; zero-valued slots are dropped.
    pub fn insert_account(
        &mut self,
        address: Address,
        balance: U256,
        nonce: u64,
        code: Bytes,
        storage: impl IntoIterator<Item = (U256, U256)>,
    ) {
        let code_hash = if code.is_empty() {
            KECCAK_EMPTY
        } else {
            keccak256(&code)
        };
        if !code.is_empty() {
            let bytecode = Bytecode::new_raw_checked(code.clone())
                .unwrap_or_else(|_| Bytecode::new_legacy(code));
            self.codes.entry(code_hash).or_insert(bytecode);
        }
        let storage = storage.into_iter().filter(|(_, v)| !v.is_zero()).collect();
        self.accounts.insert(
            address,
            MemAccount {
                info: AccountState {
                    balance,
                    nonce,
                    code_hash,
                },
                storage,
            },
        );
    }

    /// Inserts an account that refers to code by hash (the code is given separately).
    pub fn insert_account_by_hash(
        &mut self,
        address: Address,
        info: AccountState,
        storage: impl IntoIterator<Item = (U256, U256)>,
    ) {
        let storage = storage.into_iter().filter(|(_, v)| !v.is_zero()).collect();
        self.accounts.insert(address, MemAccount { info, storage });
    }

    /// A copy whose codes have reference counts of their own (a clone shares them): what each
    /// of several threads running the same block needs, with [`super::OwnEmptyCode`].
    pub fn own_copy(&self) -> Self {
        let mut copy = self.clone();
        for code in copy.codes.values_mut() {
            *code = super::own_code(code);
        }
        copy
    }

    /// Registers code under its hash.
    pub fn insert_code(&mut self, code_hash: B256, code: Bytecode) {
        self.codes.insert(code_hash, code);
    }

    /// Records the hash of block `number` for `BLOCKHASH`.
    pub fn insert_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
    }

    /// Applies a block's changes, so this state becomes the block's post-state.
    pub fn apply(&mut self, changes: &StateChanges) {
        for (code_hash, code) in &changes.codes {
            self.codes.insert(*code_hash, code.clone());
        }
        for (address, change) in &changes.accounts {
            let Some(info) = change.info else {
                self.accounts.remove(address);
                continue;
            };
            let account = self.accounts.entry(*address).or_default();
            account.info = info;
            if change.storage_cleared {
                account.storage.clear();
            }
            for (slot, value) in &change.storage {
                if value.is_zero() {
                    account.storage.remove(slot);
                } else {
                    account.storage.insert(*slot, *value);
                }
            }
        }
    }

    /// The account, if it exists.
    pub fn account(&self, address: &Address) -> Option<AccountState> {
        self.accounts.get(address).map(|a| a.info)
    }

    /// Non-zero storage of an account, ordered by slot.
    pub fn storage_of(&self, address: &Address) -> BTreeMap<U256, U256> {
        self.accounts
            .get(address)
            .map(|a| a.storage.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default()
    }

    /// Code registered under `code_hash`.
    pub fn code(&self, code_hash: &B256) -> Option<&Bytecode> {
        self.codes.get(code_hash)
    }

    /// Addresses of all accounts, ordered.
    pub fn addresses(&self) -> Vec<Address> {
        let mut out: Vec<Address> = self.accounts.keys().copied().collect();
        out.sort_unstable();
        out
    }

    /// The accounts in the form the state trie takes.
    pub fn trie_input(&self) -> Vec<TrieAccountInput> {
        self.accounts
            .iter()
            .map(|(address, account)| TrieAccountInput {
                address: *address,
                info: account.info,
                storage: account.storage.iter().map(|(k, v)| (*k, *v)).collect(),
            })
            .collect()
    }

    /// The state root, hashed through `hasher`.
    pub fn state_root_with(&self, hasher: &dyn KeccakBatch) -> B256 {
        state_root_with(&self.trie_input(), hasher)
    }

    /// The state root on the CPU.
    pub fn state_root(&self) -> B256 {
        self.state_root_with(&crate::trie::CpuKeccak)
    }
}

impl DatabaseRef for InMemoryState {
    type Error = DbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        Ok(self.accounts.get(&address).map(|a| AccountInfo {
            balance: a.info.balance,
            nonce: a.info.nonce,
            code_hash: a.info.code_hash,
            // revm loads code by hash when it needs it; an account without code needs none.
            code: (a.info.code_hash != KECCAK_EMPTY)
                .then(|| self.codes.get(&a.info.code_hash).cloned())
                .flatten(),
            // Not `..AccountInfo::default()`: it would clone and drop the process-wide empty
            // code, whose count every reading thread would then write.
            account_id: None,
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        self.codes
            .get(&code_hash)
            .cloned()
            .ok_or_else(|| DbError(format!("no code with hash {code_hash}")))
    }

    fn storage_ref(&self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        Ok(self
            .accounts
            .get(&address)
            .and_then(|a| a.storage.get(&index).copied())
            .unwrap_or_default())
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, DbError> {
        if let Some(hash) = self.block_hashes.get(&number) {
            return Ok(*hash);
        }
        match self.hash_policy {
            BlockHashes::StateTestConvention => Ok(keccak256(number.to_string().as_bytes())),
            BlockHashes::KnownOnly => Err(DbError(format!("no hash known for block {number}"))),
        }
    }
}
