//! The semantics of a balance credit, shared by lazy reads and the final commit.

use crate::output::AccountState;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{KECCAK_EMPTY, U256};

/// Applies a credit of `amount` to `account` as revm's `incr_balance` followed by the end of a
/// transaction does: the account is touched, the balance grows (an overflowing add leaves it
/// unchanged, as revm does), and from Spurious Dragon on a touched empty account is removed;
/// before it a missing account touched is created empty.
pub fn apply_credit(
    account: Option<AccountState>,
    amount: U256,
    spec: SpecId,
) -> Option<AccountState> {
    let mut state = account.unwrap_or(AccountState {
        code_hash: KECCAK_EMPTY,
        ..AccountState::default()
    });
    if let Some(balance) = state.balance.checked_add(amount) {
        state.balance = balance;
    }
    let empty = state.balance.is_zero() && state.nonce == 0 && state.code_hash == KECCAK_EMPTY;
    (!empty || !spec.is_enabled_in(SpecId::SPURIOUS_DRAGON)).then_some(state)
}

/// Whether a lazily credited transfer of `amount` to `account` overflows its balance. revm
/// halts such a transfer (where a fee credit only leaves the balance as it is), so the lazy
/// credit has no exact equivalent and the block must run sequentially.
pub fn transfer_overflows(account: Option<AccountState>, amount: U256) -> bool {
    account.is_some_and(|a| a.balance.checked_add(amount).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(balance: u64) -> Option<AccountState> {
        Some(AccountState {
            balance: U256::from(balance),
            nonce: 0,
            code_hash: KECCAK_EMPTY,
        })
    }

    #[test]
    fn credit_adds_and_creates() {
        assert_eq!(
            apply_credit(acct(5), U256::from(3), SpecId::CANCUN),
            acct(8)
        );
        assert_eq!(apply_credit(None, U256::from(3), SpecId::CANCUN), acct(3));
    }

    #[test]
    fn zero_credit_removes_empty_after_spurious_dragon_and_creates_before() {
        assert_eq!(apply_credit(acct(0), U256::ZERO, SpecId::CANCUN), None);
        assert_eq!(apply_credit(None, U256::ZERO, SpecId::CANCUN), None);
        assert_eq!(apply_credit(None, U256::ZERO, SpecId::HOMESTEAD), acct(0));
    }

    #[test]
    fn overflowing_credit_leaves_balance() {
        let max = Some(AccountState {
            balance: U256::MAX,
            nonce: 1,
            code_hash: KECCAK_EMPTY,
        });
        assert_eq!(apply_credit(max, U256::from(1), SpecId::CANCUN), max);
        assert!(transfer_overflows(max, U256::from(1)));
        assert!(!transfer_overflows(max, U256::ZERO));
        assert!(!transfer_overflows(None, U256::MAX));
    }
}
