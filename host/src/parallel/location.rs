//! What the multi-version memory is keyed by, what it stores, and what a read observed.

use super::delta::{BalanceRange, Delta};
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
    /// A lazy change of an account's balance, applied on top of the value before it when read.
    BalanceDelta(Delta),
    /// A storage slot's value.
    Storage(U256),
    /// A lazy change of a storage slot, applied on top of the value before it when read.
    StorageDelta(Delta),
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
    /// An account with code whose balance was used only through transfers (see
    /// [`super::balance_uses`]). Boxed: inline it would make every [`Read`] 168 bytes instead
    /// of 136, and most such reads are [`Self::AnyBalance`].
    Balance(Box<BalanceRange>),
    /// An account with code whose balance was not used at all (a token or a pool called
    /// without value): any balance admits, only its nonce and code hash are checked. Inline:
    /// one allocation and one free fewer per call into a contract.
    AnyBalance { nonce: u64, code_hash: B256 },
    /// A storage slot's value (after any storage reset).
    Storage(U256),
    /// A storage slot's value, any in `.0..=.1`: the transaction used it only through
    /// additions, subtractions and comparisons that come out the same for all of them (see
    /// [`super::slot_taint`]).
    StorageRange(U256, U256),
}

/// One read of an incarnation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// What was read.
    pub location: Location,
    /// What it was.
    pub observed: Observed,
}

/// Multiplies and folds the 128-bit product: every input bit reaches every output bit.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

const SEEDS: [u64; 4] = [
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
];

/// A hash of an address. Addresses are mostly hashes already; the fold mixes the rest
/// (precompiles, system contracts, vanity prefixes).
pub fn address_hash(address: &Address) -> u64 {
    let bytes = &address.0 .0;
    let word = |range: std::ops::Range<usize>| {
        let mut buf = [0u8; 8];
        buf[..range.len()].copy_from_slice(&bytes[range]);
        u64::from_le_bytes(buf)
    };
    fold(
        word(0..8) ^ SEEDS[0],
        word(8..16) ^ word(16..20).rotate_left(32) ^ SEEDS[1],
    )
}

impl Location {
    /// Which table of the multi-version memory holds the location: storage slots spread by
    /// slot (the slots of one busy token or pool would otherwise share one lock), accounts by
    /// address.
    #[inline(always)]
    pub fn shard_hash(&self) -> u64 {
        match self {
            Self::Storage(..) => self.table_hash(),
            Self::Account(a) | Self::StorageReset(a) => address_hash(a),
        }
    }

    /// The hash the multi-version memory's tables use (computed once per access).
    #[inline(always)]
    pub fn table_hash(&self) -> u64 {
        match self {
            Self::Account(a) => fold(address_hash(a), SEEDS[2]),
            Self::StorageReset(a) => fold(address_hash(a), SEEDS[3]),
            Self::Storage(a, slot) => {
                let [l0, l1, l2, l3] = *slot.as_limbs();
                fold(
                    address_hash(a) ^ l0 ^ SEEDS[2],
                    l1 ^ l2.rotate_left(21) ^ l3.rotate_left(43) ^ SEEDS[3],
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_hashes_spread_small_slots_and_low_addresses() {
        let mut seen = HashSet::new();
        for a in 0u64..64 {
            let address = Address::left_padding_from(&a.to_be_bytes());
            seen.insert(Location::Account(address).table_hash());
            seen.insert(Location::StorageReset(address).table_hash());
            for slot in 0u64..64 {
                seen.insert(Location::Storage(address, U256::from(slot)).table_hash());
            }
        }
        // No collisions, and the low bits (bucket index) and top 7 bits (tag) both vary: 4,224
        // random hashes would show about 2,630 of the 4,096 low 12-bit patterns.
        assert_eq!(seen.len(), 64 * 66);
        let low: HashSet<u64> = seen.iter().map(|h| h & 0xfff).collect();
        let top: HashSet<u64> = seen.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 2400, "{} distinct low bit patterns", low.len());
        assert_eq!(top.len(), 128);
    }
}
