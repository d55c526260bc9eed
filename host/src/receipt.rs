//! Consensus receipts: status, cumulative gas, logs and bloom, their encoding and the receipts root.

use crate::trie::ordered_trie_root;
use alloy_primitives::Bloom;
use alloy_rlp::{BufMut, Encodable, Header};
use revm::primitives::{keccak256, Log, B256};

/// The receipt of one transaction (EIP-658 status form; typed per EIP-2718).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Transaction type byte (0 legacy, 1 access list, 2 dynamic fee, 3 blob, 4 set-code).
    pub tx_type: u8,
    /// Whether the transaction succeeded.
    pub success: bool,
    /// Gas used by the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// Logs in emission order.
    pub logs: Vec<Log>,
    /// Bloom filter of `logs`.
    pub bloom: Bloom,
}

impl Receipt {
    /// Builds a receipt and its bloom.
    pub fn new(tx_type: u8, success: bool, cumulative_gas_used: u64, logs: Vec<Log>) -> Self {
        let bloom = logs_bloom(&logs);
        Self::with_bloom(tx_type, success, cumulative_gas_used, logs, bloom)
    }

    /// Builds a receipt whose bloom was already computed from `logs`.
    pub fn with_bloom(
        tx_type: u8,
        success: bool,
        cumulative_gas_used: u64,
        logs: Vec<Log>,
        bloom: Bloom,
    ) -> Self {
        Self {
            tx_type,
            success,
            cumulative_gas_used,
            logs,
            bloom,
        }
    }

    fn payload_length(&self) -> usize {
        u8::from(self.success).length()
            + self.cumulative_gas_used.length()
            + self.bloom.length()
            + alloy_rlp::list_length(&self.logs)
    }

    /// The consensus encoding: `type || rlp([status, cumulative_gas, bloom, logs])`, with no type
    /// byte for legacy receipts.
    pub fn encode_2718(&self, out: &mut Vec<u8>) {
        if self.tx_type != 0 {
            out.put_u8(self.tx_type);
        }
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        u8::from(self.success).encode(out);
        self.cumulative_gas_used.encode(out);
        self.bloom.encode(out);
        alloy_rlp::encode_list(&self.logs, out);
    }
}

/// The bloom filter of `logs`.
pub fn logs_bloom(logs: &[Log]) -> Bloom {
    let mut bloom = Bloom::ZERO;
    bloom.accrue_logs(logs);
    bloom
}

/// Root of the receipts trie (key: RLP of the index, value: the 2718 encoding).
pub fn receipts_root(receipts: &[Receipt]) -> B256 {
    let encoded: Vec<Vec<u8>> = receipts
        .iter()
        .map(|r| {
            let mut out = Vec::new();
            r.encode_2718(&mut out);
            out
        })
        .collect();
    ordered_trie_root(&encoded)
}

/// Keccak-256 of the RLP list of logs (the `logs` hash of state tests).
pub fn logs_hash(logs: &[Log]) -> B256 {
    let mut out = Vec::new();
    alloy_rlp::encode_list(logs, &mut out);
    keccak256(out)
}
