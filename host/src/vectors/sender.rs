//! Recovering a transaction's sender from its signature, for test transactions that do not
//! name their sender.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxLegacy};
use alloy_primitives::{uint, Signature};
use revm::context::either::Either;
use revm::context::TxEnv;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, TxKind, U256};

/// Half the secp256k1 group order: EIP-2 rejects signatures with a larger `s` (Homestead on).
const HALF_ORDER: U256 =
    uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// Recovers the signer of `tx` (fields as in the `TxEnv`) from `(v, r, s)`.
pub fn recover_sender(
    tx: &TxEnv,
    v: U256,
    r: U256,
    s: U256,
    spec: SpecId,
) -> Result<Address, String> {
    if spec.is_enabled_in(SpecId::HOMESTEAD) && s > HALF_ORDER {
        return Err("signature s is above half the curve order (EIP-2)".into());
    }
    let call_target = || match tx.kind {
        TxKind::Call(to) => Ok(to),
        TxKind::Create => Err(format!("a type {} transaction cannot create", tx.tx_type)),
    };
    let chain_id = tx.chain_id.unwrap_or_default();
    let hash = match tx.tx_type {
        0 => TxLegacy {
            chain_id: tx.chain_id,
            nonce: tx.nonce,
            gas_price: tx.gas_price,
            gas_limit: tx.gas_limit,
            to: tx.kind,
            value: tx.value,
            input: tx.data.clone(),
        }
        .signature_hash(),
        1 => TxEip2930 {
            chain_id,
            nonce: tx.nonce,
            gas_price: tx.gas_price,
            gas_limit: tx.gas_limit,
            to: tx.kind,
            value: tx.value,
            access_list: tx.access_list.clone(),
            input: tx.data.clone(),
        }
        .signature_hash(),
        2 => TxEip1559 {
            chain_id,
            nonce: tx.nonce,
            gas_limit: tx.gas_limit,
            max_fee_per_gas: tx.gas_price,
            max_priority_fee_per_gas: tx.gas_priority_fee.unwrap_or_default(),
            to: tx.kind,
            value: tx.value,
            access_list: tx.access_list.clone(),
            input: tx.data.clone(),
        }
        .signature_hash(),
        3 => TxEip4844 {
            chain_id,
            nonce: tx.nonce,
            gas_limit: tx.gas_limit,
            max_fee_per_gas: tx.gas_price,
            max_priority_fee_per_gas: tx.gas_priority_fee.unwrap_or_default(),
            to: call_target()?,
            value: tx.value,
            access_list: tx.access_list.clone(),
            blob_versioned_hashes: tx.blob_hashes.clone(),
            max_fee_per_blob_gas: tx.max_fee_per_blob_gas,
            input: tx.data.clone(),
        }
        .signature_hash(),
        4 => TxEip7702 {
            chain_id,
            nonce: tx.nonce,
            gas_limit: tx.gas_limit,
            max_fee_per_gas: tx.gas_price,
            max_priority_fee_per_gas: tx.gas_priority_fee.unwrap_or_default(),
            to: call_target()?,
            value: tx.value,
            access_list: tx.access_list.clone(),
            authorization_list: tx
                .authorization_list
                .iter()
                .filter_map(|a| match a {
                    Either::Left(signed) => Some(signed.clone()),
                    Either::Right(_) => None,
                })
                .collect(),
            input: tx.data.clone(),
        }
        .signature_hash(),
        other => return Err(format!("transaction type {other} is unknown")),
    };
    let y_parity = match (tx.tx_type, tx.chain_id) {
        (0, Some(id)) => v.checked_sub(U256::from(35 + 2 * id)),
        (0, None) => v.checked_sub(U256::from(27)),
        _ => Some(v),
    };
    let odd = match y_parity {
        Some(p) if p == U256::ZERO => false,
        Some(p) if p == U256::from(1) => true,
        _ => return Err(format!("signature v {v} is invalid")),
    };
    Signature::new(r, s, odd)
        .recover_address_from_prehash(&hash)
        .map_err(|e| format!("signature does not recover: {e}"))
}
