//! The state root: storage tries of every account, then the account trie, all hashed in batches.

use super::{CpuKeccak, KeccakBatch, TrieForest};
use crate::output::AccountState;
use alloy_rlp::{Encodable, Header};
use revm::primitives::{Address, B256, U256};

/// One account of the state whose root is computed: its fields and its non-zero storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrieAccountInput {
    /// Address (hashed into the trie key).
    pub address: Address,
    /// Balance, nonce and code hash.
    pub info: AccountState,
    /// Storage slots; zero values are ignored (they are absent from the trie).
    pub storage: Vec<(U256, U256)>,
}

/// State root on the CPU.
pub fn state_root(accounts: &[TrieAccountInput]) -> B256 {
    state_root_with(accounts, &CpuKeccak)
}

/// Root of one account's storage trie on the CPU.
pub fn storage_root(storage: &[(U256, U256)]) -> B256 {
    let account = TrieAccountInput {
        address: Address::ZERO,
        info: AccountState::default(),
        storage: storage.to_vec(),
    };
    let mut forest = TrieForest::new();
    add_storage_tries(std::slice::from_ref(&account), &CpuKeccak, &mut forest);
    forest.roots(&CpuKeccak)[0]
}

/// State root with every Keccak (keys, storage nodes, account nodes) computed through `hasher`
/// in batches of independent jobs.
pub fn state_root_with(accounts: &[TrieAccountInput], hasher: &dyn KeccakBatch) -> B256 {
    let mut storage_forest = TrieForest::new();
    add_storage_tries(accounts, hasher, &mut storage_forest);
    let storage_roots = storage_forest.roots(hasher);

    let address_keys = hash_all(accounts.iter().map(|a| a.address.as_slice()), hasher);
    let mut leaves: Vec<(B256, Vec<u8>)> = address_keys
        .into_iter()
        .zip(accounts.iter().zip(&storage_roots))
        .map(|(key, (account, root))| (key, encode_account(&account.info, root)))
        .collect();
    leaves.sort_unstable_by_key(|(key, _)| *key);
    let mut account_forest = TrieForest::new();
    account_forest.add_trie(&leaves);
    account_forest.roots(hasher)[0]
}

/// Adds one storage trie per account, in account order.
fn add_storage_tries(
    accounts: &[TrieAccountInput],
    hasher: &dyn KeccakBatch,
    forest: &mut TrieForest,
) {
    let slot_bytes: Vec<[u8; 32]> = accounts
        .iter()
        .flat_map(|a| {
            a.storage
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|(k, _)| k.to_be_bytes())
        })
        .collect();
    let slot_keys = hash_all(slot_bytes.iter().map(|b| b.as_slice()), hasher);
    let mut keys = slot_keys.into_iter();
    for account in accounts {
        let mut pairs: Vec<(B256, Vec<u8>)> = account
            .storage
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|(_, v)| {
                let mut value = Vec::new();
                v.encode(&mut value);
                (keys.next().expect("one key hash per slot"), value)
            })
            .collect();
        pairs.sort_unstable_by_key(|(key, _)| *key);
        forest.add_trie(&pairs);
    }
}

fn hash_all<'a>(inputs: impl Iterator<Item = &'a [u8]>, hasher: &dyn KeccakBatch) -> Vec<B256> {
    let inputs: Vec<&[u8]> = inputs.collect();
    let mut out = Vec::with_capacity(inputs.len());
    hasher.keccak_batch(&inputs, &mut out);
    out
}

/// `rlp([nonce, balance, storage_root, code_hash])`.
fn encode_account(info: &AccountState, storage_root: &B256) -> Vec<u8> {
    let payload_length = info.nonce.length()
        + info.balance.length()
        + storage_root.length()
        + info.code_hash.length();
    let mut out = Vec::with_capacity(payload_length + 2);
    Header {
        list: true,
        payload_length,
    }
    .encode(&mut out);
    info.nonce.encode(&mut out);
    info.balance.encode(&mut out);
    storage_root.encode(&mut out);
    info.code_hash.encode(&mut out);
    out
}
