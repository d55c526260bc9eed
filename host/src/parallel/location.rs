//! What the multi-version memory is keyed by, what it stores, and what a read observed.

use crate::output::AccountState;
use revm::primitives::{Address, B256, U256};

/// Index of a transaction in the block.
pub type TxIdx = usize;
/// Execution attempt of a transaction (0 for the first).
pub type Incarnation = usize;

/// A piece of state a transaction can read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// An account's balance, nonce and code hash (and whether it exists).
    Account(Address),
    /// One storage slot.
    Storage(Address, U256),
    /// The wiping of an account's whole storage (creation or destruction).
    StorageReset(Address),
}

impl Location {
    /// The account the location belongs to.
    pub fn address(&self) -> Address {
        match self {
            Self::Account(a) | Self::Storage(a, _) | Self::StorageReset(a) => *a,
        }
    }
}

/// Where a lazy credit comes from; both are applied as "touch, then add" (revm's semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditKind {
    /// The priority fee paid to the block's beneficiary.
    Fee,
    /// The value of a plain transfer to an account without code.
    Transfer,
}

/// A value written by a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// The account after the transaction (`None`: it does not exist).
    Account(Option<AccountState>),
    /// A lazy balance credit, applied on top of the value before it when read.
    Credit(U256, CreditKind),
    /// A storage slot's value.
    Storage(U256),
    /// The account's storage was wiped.
    StorageReset,
}

/// What a transaction observed, checked again at validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The whole account (credits evaluated).
    Account(Option<AccountState>),
    /// Only the account's code hash (a plain transfer's recipient: its balance is not read).
    CodeHash(B256),
    /// A storage slot's value (after any storage reset).
    Storage(U256),
}

/// One read of an incarnation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// What was read.
    pub location: Location,
    /// What it was.
    pub observed: Observed,
}
