//! Consensus rules a block header must satisfy against its parent, checked before execution.

use crate::trie::ordered_trie_root;
use alloy_rlp::{Encodable, Header};
use revm::primitives::eip4844::{
    TARGET_BLOB_GAS_PER_BLOCK_CANCUN, TARGET_BLOB_GAS_PER_BLOCK_PRAGUE,
};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{b256, Address, B256};

/// keccak256(rlp([])): the ommers hash of a block without ommers.
pub const EMPTY_OMMERS_HASH: B256 =
    b256!("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");

const INITIAL_BASE_FEE: u64 = 1_000_000_000;
const ELASTICITY: u64 = 2;
const BASE_FEE_CHANGE_DENOMINATOR: u64 = 8;
const GAS_LIMIT_BOUND_DIVISOR: u64 = 1024;
const MIN_GAS_LIMIT: u64 = 5000;

/// The header fields the rules look at, as plain integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderFacts {
    /// Block number.
    pub number: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas used.
    pub gas_used: u64,
    /// EIP-1559 base fee.
    pub base_fee: Option<u64>,
    /// EIP-4844 blob gas used.
    pub blob_gas_used: Option<u64>,
    /// EIP-4844 excess blob gas.
    pub excess_blob_gas: Option<u64>,
}

/// Checks `child` (under `spec`) against `parent` (under `parent_spec`); the error names the rule.
pub fn check_against_parent(
    child: &HeaderFacts,
    spec: SpecId,
    parent: &HeaderFacts,
    parent_spec: SpecId,
) -> Result<(), String> {
    if child.number != parent.number + 1 {
        return Err(format!(
            "block number {} does not follow parent {}",
            child.number, parent.number
        ));
    }
    if child.timestamp <= parent.timestamp {
        return Err(format!(
            "timestamp {} is not after parent's {}",
            child.timestamp, parent.timestamp
        ));
    }
    if child.gas_used > child.gas_limit {
        return Err(format!(
            "gas used {} exceeds gas limit {}",
            child.gas_used, child.gas_limit
        ));
    }
    let london_transition =
        spec.is_enabled_in(SpecId::LONDON) && !parent_spec.is_enabled_in(SpecId::LONDON);
    let parent_limit = if london_transition {
        parent.gas_limit * ELASTICITY
    } else {
        parent.gas_limit
    };
    let bound = parent_limit / GAS_LIMIT_BOUND_DIVISOR;
    if child.gas_limit.abs_diff(parent_limit) >= bound || child.gas_limit < MIN_GAS_LIMIT {
        return Err(format!(
            "gas limit {} is out of bounds of parent's {parent_limit}",
            child.gas_limit
        ));
    }
    if spec.is_enabled_in(SpecId::LONDON) {
        let expected = if london_transition {
            INITIAL_BASE_FEE
        } else {
            next_base_fee(parent)?
        };
        if child.base_fee != Some(expected) {
            return Err(format!(
                "base fee {:?} differs from expected {expected}",
                child.base_fee
            ));
        }
    }
    if spec.is_enabled_in(SpecId::CANCUN) {
        let target = if spec.is_enabled_in(SpecId::PRAGUE) {
            TARGET_BLOB_GAS_PER_BLOCK_PRAGUE
        } else {
            TARGET_BLOB_GAS_PER_BLOCK_CANCUN
        };
        let parent_total = parent.excess_blob_gas.unwrap_or(0) + parent.blob_gas_used.unwrap_or(0);
        let expected = parent_total.saturating_sub(target);
        if child.excess_blob_gas != Some(expected) {
            return Err(format!(
                "excess blob gas {:?} differs from expected {expected}",
                child.excess_blob_gas
            ));
        }
    }
    Ok(())
}

/// The EIP-1559 base fee of the block after `parent`.
fn next_base_fee(parent: &HeaderFacts) -> Result<u64, String> {
    let base_fee = parent
        .base_fee
        .ok_or("parent of a London block has no base fee")?;
    let target = parent.gas_limit / ELASTICITY;
    let (used, fee) = (parent.gas_used as u128, base_fee as u128);
    let (target, denominator) = (target as u128, BASE_FEE_CHANGE_DENOMINATOR as u128);
    Ok(if used == target || target == 0 {
        base_fee
    } else if used > target {
        let delta = (fee * (used - target) / target / denominator).max(1);
        (fee + delta) as u64
    } else {
        let delta = fee * (target - used) / target / denominator;
        (fee - delta) as u64
    })
}

/// One withdrawal as the withdrawals trie encodes it.
#[derive(Debug, Clone, Copy)]
pub struct WithdrawalFields {
    /// Withdrawal index.
    pub index: u64,
    /// Validator index.
    pub validator_index: u64,
    /// Recipient.
    pub address: Address,
    /// Amount in gwei.
    pub amount_gwei: u64,
}

/// Root of the withdrawals trie (EIP-4895).
pub fn withdrawals_root(withdrawals: &[WithdrawalFields]) -> B256 {
    let encoded: Vec<Vec<u8>> = withdrawals
        .iter()
        .map(|w| {
            let payload_length = w.index.length()
                + w.validator_index.length()
                + w.address.length()
                + w.amount_gwei.length();
            let mut out = Vec::new();
            Header {
                list: true,
                payload_length,
            }
            .encode(&mut out);
            w.index.encode(&mut out);
            w.validator_index.encode(&mut out);
            w.address.encode(&mut out);
            w.amount_gwei.encode(&mut out);
            out
        })
        .collect();
    ordered_trie_root(&encoded)
}
