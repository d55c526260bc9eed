//! Consensus steps around a block's transactions: the EIP-4788 beacon-root call before them,
//! withdrawals and proof-of-work rewards after them.

use super::sequential::LaneEvm;
use crate::error::ExecError;
use crate::options::BlockExtras;
use crate::state::BlockState;
use revm::context::BlockEnv;
use revm::context::ContextTr;
use revm::database_interface::DatabaseRef;
use revm::handler::{ExecuteEvm, SystemCallEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{address, Address, B256, KECCAK_EMPTY, U256};

/// EIP-4788 beacon roots contract.
pub const BEACON_ROOTS_ADDRESS: Address = address!("000F3df6D732807Ef1319fB7B8bB8522d0Beac02");

const ETHER: u128 = 1_000_000_000_000_000_000;
const GWEI: u64 = 1_000_000_000;

/// The parent beacon block root the block stores before its transactions (Cancun on), if any.
pub fn beacon_root_to_store(spec: SpecId, extras: &BlockExtras) -> Option<B256> {
    extras
        .parent_beacon_block_root
        .filter(|_| spec.is_enabled_in(SpecId::CANCUN))
}

/// Stores the parent beacon block root through a system call (Cancun on). If the contract has
/// no code the call is skipped, as EIP-4788 asks; only the contract's storage is committed.
pub fn apply_beacon_root<DB: DatabaseRef>(
    evm: &mut LaneEvm<'_, '_, DB>,
    spec: SpecId,
    extras: &BlockExtras,
) -> Result<(), ExecError> {
    let Some(root) = beacon_root_to_store(spec, extras) else {
        return Ok(());
    };
    let has_code = evm
        .ctx
        .db_mut()
        .account(BEACON_ROOTS_ADDRESS)
        .map_err(|e| ExecError::Database(e.to_string()))?
        .is_some_and(|a| a.code_hash != KECCAK_EMPTY);
    if !has_code {
        return Ok(());
    }
    let result = evm.system_call_one(BEACON_ROOTS_ADDRESS, root.0.into());
    let changes = evm.finalize();
    result.map_err(|e| ExecError::InvalidBlock(format!("beacon root system call failed: {e}")))?;
    evm.ctx.db_mut().commit_only(changes, BEACON_ROOTS_ADDRESS);
    Ok(())
}

/// Credits withdrawals (Shanghai on) and mining rewards (before the merge).
pub fn apply_post_block<DB: DatabaseRef>(
    state: &mut BlockState<'_, DB>,
    spec: SpecId,
    block: &BlockEnv,
    extras: &BlockExtras,
) -> Result<(), ExecError> {
    let db_err = |e: crate::state::DbError| ExecError::Database(e.to_string());
    if let (Some(ommers), Some(base)) = (&extras.mining_reward, block_reward(spec)) {
        let base = U256::from(base);
        let count = U256::from(ommers.len());
        state
            .add_balance(block.beneficiary, base + base * count / U256::from(32))
            .map_err(db_err)?;
        for ommer in ommers {
            // (8 + ommer.number - block.number) / 8 of the base reward.
            let eighths = (U256::from(8) + ommer.number).saturating_sub(block.number);
            state
                .add_balance(ommer.beneficiary, base * eighths / U256::from(8))
                .map_err(db_err)?;
        }
    }
    if spec.is_enabled_in(SpecId::SHANGHAI) {
        for w in &extras.withdrawals {
            let wei = U256::from(w.amount_gwei) * U256::from(GWEI);
            state.add_balance(w.address, wei).map_err(db_err)?;
        }
    }
    Ok(())
}

/// The proof-of-work block reward in wei, or `None` from the merge on.
fn block_reward(spec: SpecId) -> Option<u128> {
    if spec.is_enabled_in(SpecId::MERGE) {
        None
    } else if spec.is_enabled_in(SpecId::PETERSBURG) {
        Some(2 * ETHER)
    } else if spec.is_enabled_in(SpecId::BYZANTIUM) {
        Some(3 * ETHER)
    } else {
        Some(5 * ETHER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_beacon_root_is_stored_only_from_cancun_and_only_when_given() {
        let root = B256::repeat_byte(7);
        let given = BlockExtras {
            parent_beacon_block_root: Some(root),
            ..BlockExtras::default()
        };
        assert_eq!(beacon_root_to_store(SpecId::CANCUN, &given), Some(root));
        assert_eq!(beacon_root_to_store(SpecId::PRAGUE, &given), Some(root));
        assert_eq!(beacon_root_to_store(SpecId::SHANGHAI, &given), None);
        assert_eq!(
            beacon_root_to_store(SpecId::CANCUN, &BlockExtras::default()),
            None
        );
    }
}
