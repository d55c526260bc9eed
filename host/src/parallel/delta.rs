//! Lazy changes: a transaction that would have run the same from any starting value in a range
//! records that range instead of the value, and its change as a signed [`Delta`].
//!
//! Balances of accounts with code: every wrap and unwrap changes WETH's ether balance, and on
//! mainnet most failed validations were reads of that one account. A transaction that looked at
//! such a balance only through transfers that succeeded records a [`BalanceRange`]. Storage
//! values used only through additions, subtractions and comparisons (a token's balances, see
//! [`super::slot_taint`]) record a plain range of values.

use crate::output::AccountState;
use revm::primitives::{B256, U256};

/// A signed change of a balance or a storage value: at most one of the two is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delta {
    gained: U256,
    lost: U256,
}

impl Delta {
    /// The change that takes `before` to `after`.
    pub fn between(before: U256, after: U256) -> Self {
        if after >= before {
            Self {
                gained: after - before,
                lost: U256::ZERO,
            }
        } else {
            Self {
                gained: U256::ZERO,
                lost: before - after,
            }
        }
    }

    /// `value` after the change; `None` when it leaves the range of a 256-bit word (only a
    /// speculative value can: a validated transaction's starting value was in its range).
    pub fn apply(self, value: U256) -> Option<U256> {
        value.checked_add(self.gained)?.checked_sub(self.lost)
    }
}

/// What a transaction that recorded a [`Delta`] read: an account with this nonce and
/// code and a balance in `low..=high`. Its execution is the same for every such account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceRange {
    pub nonce: u64,
    pub code_hash: B256,
    pub low: U256,
    pub high: U256,
}

impl BalanceRange {
    /// Every balance, with this nonce and code: what a transaction that did not use the
    /// balance at all read (kept as [`super::location::Observed::AnyBalance`]).
    pub fn any(nonce: u64, code_hash: B256) -> Self {
        Self {
            nonce,
            code_hash,
            low: U256::ZERO,
            high: U256::MAX,
        }
    }

    /// Whether the transaction would run the same on `account`.
    pub fn admits(&self, account: &Option<AccountState>) -> bool {
        account.is_some_and(|a| {
            a.nonce == self.nonce
                && a.code_hash == self.code_hash
                && (self.low..=self.high).contains(&a.balance)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delta_takes_any_balance_by_the_same_amount_within_range() {
        let up = Delta::between(U256::from(5), U256::from(12));
        let down = Delta::between(U256::from(12), U256::from(5));
        assert_eq!(up.apply(U256::from(100)), Some(U256::from(107)));
        assert_eq!(down.apply(U256::from(100)), Some(U256::from(93)));
        assert_eq!(down.apply(U256::from(6)), None);
        assert_eq!(up.apply(U256::MAX - U256::from(6)), None);
        let same = Delta::between(U256::from(9), U256::from(9));
        assert_eq!(same.apply(U256::MAX), Some(U256::MAX));
    }

    #[test]
    fn a_range_admits_only_its_nonce_code_and_balances() {
        let range = BalanceRange {
            nonce: 1,
            code_hash: B256::repeat_byte(3),
            low: U256::from(10),
            high: U256::from(20),
        };
        let account = |balance: u64, nonce: u64, code: u8| {
            Some(AccountState {
                balance: U256::from(balance),
                nonce,
                code_hash: B256::repeat_byte(code),
            })
        };
        assert!(range.admits(&account(10, 1, 3)));
        assert!(range.admits(&account(20, 1, 3)));
        assert!(!range.admits(&account(9, 1, 3)));
        assert!(!range.admits(&account(21, 1, 3)));
        assert!(!range.admits(&account(15, 2, 3)));
        assert!(!range.admits(&account(15, 1, 4)));
        assert!(!range.admits(&None));
    }
}
