//! JSON-RPC blocks (`eth_getBlockByNumber` with full transactions) into revm's types.

use crate::options::{BlockExtras, Withdrawal};
use alloy_primitives::{Bloom, U128, U64};
use revm::context::either::Either;
use revm::context::transaction::{AccessList, SignedAuthorization};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, B256, U256};
use serde::Deserialize;

/// A block as JSON-RPC returns it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcBlock {
    /// Block number.
    pub number: U64,
    /// Timestamp.
    pub timestamp: U64,
    /// Beneficiary.
    pub miner: Address,
    /// Gas limit.
    pub gas_limit: U64,
    /// Gas used (checked).
    pub gas_used: U64,
    /// EIP-1559 base fee.
    pub base_fee_per_gas: Option<U64>,
    /// Proof-of-work difficulty.
    pub difficulty: U256,
    /// PREVRANDAO after the merge.
    pub mix_hash: Option<B256>,
    /// Logs bloom (checked).
    pub logs_bloom: Bloom,
    /// Receipts root (checked from Byzantium on).
    pub receipts_root: B256,
    /// EIP-4844 excess blob gas.
    pub excess_blob_gas: Option<U64>,
    /// EIP-4788 parent beacon block root.
    pub parent_beacon_block_root: Option<B256>,
    /// EIP-4895 withdrawals.
    #[serde(default)]
    pub withdrawals: Vec<RpcWithdrawal>,
    /// Transactions, senders included.
    pub transactions: Vec<RpcTransaction>,
}

/// A withdrawal as JSON-RPC returns it.
#[derive(Debug, Deserialize)]
pub struct RpcWithdrawal {
    /// Recipient.
    pub address: Address,
    /// Amount in gwei.
    pub amount: U64,
}

/// A transaction as JSON-RPC returns it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcTransaction {
    /// Type (absent on old nodes: legacy).
    #[serde(rename = "type")]
    pub tx_type: Option<U64>,
    /// Recovered sender.
    pub from: Address,
    /// Recipient; none for contract creation.
    pub to: Option<Address>,
    /// Value in wei.
    pub value: U256,
    /// Input data.
    pub input: Bytes,
    /// Nonce.
    pub nonce: U64,
    /// Gas limit.
    pub gas: U64,
    /// Legacy gas price (also present, as the effective price, on newer types).
    pub gas_price: Option<U128>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<U128>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<U128>,
    /// Chain id (EIP-155 and typed transactions).
    pub chain_id: Option<U64>,
    /// EIP-2930 access list.
    pub access_list: Option<AccessList>,
    /// EIP-4844 blob hashes.
    pub blob_versioned_hashes: Option<Vec<B256>>,
    /// EIP-4844 blob fee cap.
    pub max_fee_per_blob_gas: Option<U128>,
    /// EIP-7702 authorizations.
    pub authorization_list: Option<Vec<SignedAuthorization>>,
}

impl RpcTransaction {
    /// The transaction as revm's `TxEnv`; the error names what is missing.
    pub fn to_tx_env(&self) -> Result<TxEnv, String> {
        let tx_type = u8::try_from(self.tx_type.unwrap_or_default())
            .map_err(|_| "transaction type out of range")?;
        let (gas_price, gas_priority_fee) = if tx_type >= 2 {
            let max_fee = self
                .max_fee_per_gas
                .ok_or("a dynamic-fee transaction without maxFeePerGas")?;
            let tip = self
                .max_priority_fee_per_gas
                .ok_or("a dynamic-fee transaction without maxPriorityFeePerGas")?;
            (max_fee.to::<u128>(), Some(tip.to::<u128>()))
        } else {
            (
                self.gas_price
                    .ok_or("a legacy transaction without gasPrice")?
                    .to::<u128>(),
                None,
            )
        };
        Ok(TxEnv {
            tx_type,
            caller: self.from,
            gas_limit: self.gas.to::<u64>(),
            gas_price,
            gas_priority_fee,
            kind: self.to.map_or(TxKind::Create, TxKind::Call),
            value: self.value,
            data: self.input.clone(),
            nonce: self.nonce.to::<u64>(),
            chain_id: self.chain_id.map(|c| c.to::<u64>()),
            access_list: self.access_list.clone().unwrap_or_default(),
            blob_hashes: self.blob_versioned_hashes.clone().unwrap_or_default(),
            max_fee_per_blob_gas: self.max_fee_per_blob_gas.map_or(0, |f| f.to::<u128>()),
            authorization_list: self
                .authorization_list
                .iter()
                .flatten()
                .cloned()
                .map(Either::Left)
                .collect(),
        })
    }
}

impl RpcBlock {
    /// The block environment under `spec`.
    pub fn block_env(&self, spec: SpecId) -> BlockEnv {
        let merged = spec.is_enabled_in(SpecId::MERGE);
        let mut env = BlockEnv {
            number: U256::from(self.number.to::<u64>()),
            beneficiary: self.miner,
            timestamp: U256::from(self.timestamp.to::<u64>()),
            gas_limit: self.gas_limit.to::<u64>(),
            basefee: self.base_fee_per_gas.map_or(0, |f| f.to::<u64>()),
            difficulty: self.difficulty,
            prevrandao: if merged { self.mix_hash } else { None },
            ..BlockEnv::default()
        };
        if let Some(excess) = self.excess_blob_gas {
            let fraction = CfgEnv::new_with_spec(spec).blob_base_fee_update_fraction();
            env.set_blob_excess_gas_and_price(excess.to::<u64>(), fraction);
        }
        env
    }

    /// The block's non-transaction inputs. Before the merge the block reward is credited; the
    /// corpus carries only ommer hashes, so ommer rewards cannot be (they change no checked
    /// header field).
    pub fn extras(&self, merged: bool) -> BlockExtras {
        BlockExtras {
            parent_beacon_block_root: self.parent_beacon_block_root,
            withdrawals: self
                .withdrawals
                .iter()
                .map(|w| Withdrawal {
                    address: w.address,
                    amount_gwei: w.amount.to::<u64>(),
                })
                .collect(),
            mining_reward: (!merged).then(Vec::new),
        }
    }
}
