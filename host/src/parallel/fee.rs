//! The beneficiary's fee: computed as revm computes it, and merged into a transaction's state
//! exactly as revm's reward step would have.

use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, TxEnv};
use revm::context_interface::Transaction;
use revm::primitives::hardfork::SpecId;
use revm::primitives::U256;
use revm::state::Account;

/// The fee the beneficiary receives for `result` (revm's `reward_beneficiary`, whose u128
/// product wraps like revm's in release builds).
pub fn beneficiary_fee(
    tx: &TxEnv,
    block_env: &BlockEnv,
    result: &ExecutionResult,
    spec: SpecId,
) -> U256 {
    let basefee = block_env.basefee as u128;
    let effective = tx.effective_gas_price(basefee);
    let price = if spec.is_enabled_in(SpecId::LONDON) {
        effective.saturating_sub(basefee)
    } else {
        effective
    };
    U256::from(price.wrapping_mul(result.tx_gas_used() as u128))
}

/// Applies revm's reward to an account of a finalized transaction state: touch, add (an
/// overflowing add changes nothing), then the pre-Spurious-Dragon normalization revm's
/// finalize performs on touched empty accounts.
pub fn credit_account(account: &mut Account, amount: U256, spec: SpecId) {
    account.mark_touch();
    if let Some(balance) = account.info.balance.checked_add(amount) {
        account.info.balance = balance;
    }
    normalize_pre_spurious_dragon(account, spec);
}

/// revm's finalize rule before Spurious Dragon: a touched empty account that did not exist is
/// created; one that existed is left untouched.
pub fn normalize_pre_spurious_dragon(account: &mut Account, spec: SpecId) {
    if !spec.is_enabled_in(SpecId::SPURIOUS_DRAGON)
        && account.is_touched()
        && account.is_empty()
        && !account.is_selfdestructed()
        && !account.is_created()
    {
        if account.is_loaded_as_not_existing() {
            account.mark_created();
        } else {
            account.unmark_touch();
        }
    }
}
