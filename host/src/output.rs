//! What executing a block produces: per-transaction results, receipts and the block's state changes.

use crate::receipt::Receipt;
use alloy_primitives::Bloom;
use revm::context::result::{ExecutionResult, InvalidTransaction};
use revm::primitives::{Address, B256, U256};
use revm::state::Bytecode;
use std::collections::BTreeMap;

/// The result of [`crate::execute_block`].
///
/// Invariant: `results`, `receipts` and `tx_indexes` have one entry per executed transaction, in
/// block order; parallel and sequential execution produce equal values (`PartialEq`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockOutput {
    /// revm's result for each executed transaction.
    pub results: Vec<ExecutionResult>,
    /// The consensus receipt of each executed transaction.
    pub receipts: Vec<Receipt>,
    /// Index in the input of each executed transaction (all of them in validate mode).
    pub tx_indexes: Vec<usize>,
    /// Transactions skipped in build mode, with the reason.
    pub skipped: Vec<SkippedTx>,
    /// Every account, storage slot and code the block changed.
    pub state: StateChanges,
    /// Gas used by the block (the last receipt's cumulative gas).
    pub gas_used: u64,
    /// Blob gas used by the block's EIP-4844 transactions.
    pub blob_gas_used: u64,
    /// Union of the receipts' blooms.
    pub logs_bloom: Bloom,
    /// How the block ran (strategy, lanes, time); never part of equality.
    pub report: crate::exec::ExecReport,
}

/// A transaction left out of the block in build mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedTx {
    /// Position in the input.
    pub index: usize,
    /// Why it was not executed.
    pub reason: InvalidTxReason,
}

/// Why a transaction cannot be part of the block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTxReason {
    /// revm's own validation (nonce, balance, fees, type, ...).
    #[error("{0}")]
    Evm(InvalidTransaction),
    /// The transaction's gas limit does not fit in what the block has left.
    #[error("gas limit {gas_limit} exceeds the block's remaining gas {available}")]
    BlockGasExceeded {
        /// The transaction's gas limit.
        gas_limit: u64,
        /// Block gas limit minus gas already used.
        available: u64,
    },
    /// The transaction's blobs do not fit in what the block has left.
    #[error("blob gas {blob_gas} exceeds the block's remaining blob gas {available}")]
    BlobGasExceeded {
        /// Blob gas the transaction needs.
        blob_gas: u64,
        /// Maximum blob gas per block minus blob gas already used.
        available: u64,
    },
}

/// An account as the state trie stores it (storage root aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountState {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    pub nonce: u64,
    /// Keccak-256 of the code (`KECCAK_EMPTY` for none).
    pub code_hash: B256,
}

impl From<revm::state::AccountInfo> for AccountState {
    fn from(info: revm::state::AccountInfo) -> Self {
        Self::from(&info)
    }
}

/// Without cloning the code: a clone writes its shared reference count.
impl From<&revm::state::AccountInfo> for AccountState {
    fn from(info: &revm::state::AccountInfo) -> Self {
        Self {
            balance: info.balance,
            nonce: info.nonce,
            code_hash: info.code_hash,
        }
    }
}

impl AccountState {
    /// The account as revm loads it: code left for revm to fetch by hash, except that an
    /// account without code carries the empty code (no lookup needed). Built field by field:
    /// `AccountInfo::default()` would clone and drop the shared empty code, whose reference
    /// count every lane then writes.
    pub fn to_info(self) -> revm::state::AccountInfo {
        revm::state::AccountInfo {
            balance: self.balance,
            nonce: self.nonce,
            code_hash: self.code_hash,
            code: (self.code_hash == revm::primitives::KECCAK_EMPTY)
                .then(revm::bytecode::Bytecode::default),
            account_id: None,
        }
    }
}

/// How one account changed over the block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountChange {
    /// The account after the block; `None` when it does not exist (destroyed or cleared as empty).
    pub info: Option<AccountState>,
    /// The account's storage was wiped (self-destruct or creation) before `storage` applies.
    pub storage_cleared: bool,
    /// Slots written by the block, with their final values (zero deletes the slot).
    pub storage: BTreeMap<U256, U256>,
}

/// The block's state changes, ordered by address so that equal changes compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateChanges {
    /// Changed accounts.
    pub accounts: BTreeMap<Address, AccountChange>,
    /// Code deployed by the block, by hash.
    pub codes: BTreeMap<B256, Bytecode>,
}

impl BlockOutput {
    /// Describes the first difference from `other` (reports aside), or `None` when equal.
    pub fn first_difference(&self, other: &BlockOutput) -> Option<String> {
        if self == other {
            return None;
        }
        if self.tx_indexes != other.tx_indexes || self.skipped != other.skipped {
            return Some(format!(
                "executed {:?} vs {:?}",
                self.tx_indexes, other.tx_indexes
            ));
        }
        if let Some(i) =
            (0..self.results.len()).find(|&i| self.results.get(i) != other.results.get(i))
        {
            return Some(format!(
                "result of transaction {}: {:?} vs {:?}",
                i,
                self.results.get(i),
                other.results.get(i)
            ));
        }
        if let Some(i) =
            (0..self.receipts.len()).find(|&i| self.receipts.get(i) != other.receipts.get(i))
        {
            return Some(format!("receipt {i} differs"));
        }
        let addresses = self
            .state
            .accounts
            .keys()
            .chain(other.state.accounts.keys());
        for address in addresses {
            let (a, b) = (
                self.state.accounts.get(address),
                other.state.accounts.get(address),
            );
            if a != b {
                return Some(format!("account {address}: {a:?} vs {b:?}"));
            }
        }
        if self.state.codes != other.state.codes {
            return Some("deployed code differs".into());
        }
        Some(format!(
            "gas {} vs {}, blob gas {} vs {}",
            self.gas_used, other.gas_used, self.blob_gas_used, other.blob_gas_used
        ))
    }
}
