//! The block's results as they are committed in order: receipts, gas, skipped transactions.
//! Sequential and parallel execution both commit through it, so their outputs agree by
//! construction once each transaction's result and state agree.

use super::block_rules::max_blob_gas_per_block;
use crate::bloom::{add_later_topics, BloomMemo, PreparedBloom};
use crate::error::ExecError;
use crate::options::ExecMode;
use crate::output::{BlockOutput, InvalidTxReason, SkippedTx, StateChanges};
use crate::receipt::Receipt;
use alloy_primitives::Bloom;
use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, TxEnv};
use revm::primitives::eip4844::GAS_PER_BLOB;
use revm::primitives::hardfork::SpecId;
use revm::primitives::Log;

/// Results committed so far, in block order.
#[derive(Debug, Default)]
pub struct BlockAccumulator {
    results: Vec<ExecutionResult>,
    receipts: Vec<Receipt>,
    tx_indexes: Vec<usize>,
    skipped: Vec<SkippedTx>,
    gas_used: u64,
    blob_gas_used: u64,
    blooms: BloomMemo,
    /// The receipts whose blooms lack their events' topics after the first (see
    /// [`add_later_topics`]), in order.
    pairs_only: Vec<usize>,
}

impl BlockAccumulator {
    /// An empty accumulator for a block of `txs` transactions.
    pub fn with_capacity(txs: usize) -> Self {
        Self {
            results: Vec::with_capacity(txs),
            receipts: Vec::with_capacity(txs),
            tx_indexes: Vec::with_capacity(txs),
            ..Self::default()
        }
    }

    /// Checks that `tx` fits in the gas and blob gas the block has left.
    pub fn check_budget(
        &self,
        tx: &TxEnv,
        block_env: &BlockEnv,
        spec: SpecId,
    ) -> Result<(), InvalidTxReason> {
        let available = block_env.gas_limit.saturating_sub(self.gas_used);
        if tx.gas_limit > available {
            return Err(InvalidTxReason::BlockGasExceeded {
                gas_limit: tx.gas_limit,
                available,
            });
        }
        let blob_gas = GAS_PER_BLOB.saturating_mul(tx.blob_hashes.len() as u64);
        let available = max_blob_gas_per_block(spec).saturating_sub(self.blob_gas_used);
        if blob_gas > available {
            return Err(InvalidTxReason::BlobGasExceeded {
                blob_gas,
                available,
            });
        }
        Ok(())
    }

    /// Records an executed transaction and its receipt.
    pub fn push_executed(&mut self, index: usize, tx: &TxEnv, result: ExecutionResult) {
        let logs = result.logs().to_vec();
        let bloom = self.blooms.prepare(&logs);
        self.push_executed_with(index, tx, result, logs, bloom);
    }

    /// Records an executed transaction whose receipt logs and bloom ([`BloomMemo::prepare`])
    /// were prepared elsewhere (by a lane, off the in-order path).
    pub fn push_executed_with(
        &mut self,
        index: usize,
        tx: &TxEnv,
        result: ExecutionResult,
        logs: Vec<Log>,
        bloom: PreparedBloom,
    ) {
        self.gas_used += result.tx_gas_used();
        self.blob_gas_used += GAS_PER_BLOB * tx.blob_hashes.len() as u64;
        let bloom = match bloom {
            PreparedBloom::Pairs(bloom) => {
                self.pairs_only.push(self.receipts.len());
                bloom
            }
            PreparedBloom::Whole(bloom) => bloom,
        };
        let receipt =
            Receipt::with_bloom(tx.tx_type, result.is_success(), self.gas_used, logs, bloom);
        self.receipts.push(receipt);
        self.results.push(result);
        self.tx_indexes.push(index);
    }

    /// The transactions `parts` recorded (each in block order, none skipped, blooms complete),
    /// as one record in block order: each receipt's cumulative gas counts every transaction
    /// before it in the block. `None` when a transaction no longer fits in the gas the block
    /// has left (its own record counted only its part's transactions).
    pub fn interleave(
        parts: [BlockAccumulator; 2],
        txs: &[TxEnv],
        block_env: &BlockEnv,
    ) -> Option<BlockAccumulator> {
        let mut merged = BlockAccumulator::with_capacity(txs.len());
        let [first, second] = parts;
        let indexes = [first.tx_indexes, second.tx_indexes];
        let mut receipts = [first.receipts.into_iter(), second.receipts.into_iter()];
        let mut results = [first.results.into_iter(), second.results.into_iter()];
        // Per part: records taken so far, and the part's cumulative gas before the next one.
        let mut taken = [0; 2];
        let mut gas_before = [0; 2];
        for _ in 0..indexes[0].len() + indexes[1].len() {
            let part = match (indexes[0].get(taken[0]), indexes[1].get(taken[1])) {
                (Some(a), Some(b)) => usize::from(b < a),
                (first, _) => usize::from(first.is_none()),
            };
            let index = indexes[part][taken[part]];
            taken[part] += 1;
            let tx = txs.get(index)?;
            if tx.gas_limit > block_env.gas_limit.saturating_sub(merged.gas_used) {
                return None;
            }
            let mut receipt = receipts[part].next()?;
            merged.gas_used += receipt.cumulative_gas_used - gas_before[part];
            gas_before[part] = receipt.cumulative_gas_used;
            receipt.cumulative_gas_used = merged.gas_used;
            merged.receipts.push(receipt);
            merged.results.push(results[part].next()?);
            merged.tx_indexes.push(index);
        }
        Some(merged)
    }

    /// Records an invalid transaction: an error in validate mode, a skip in build mode.
    pub fn push_invalid(
        &mut self,
        index: usize,
        reason: InvalidTxReason,
        mode: ExecMode,
    ) -> Result<(), ExecError> {
        match mode {
            ExecMode::Validate => Err(ExecError::InvalidTransaction { index, reason }),
            ExecMode::Build => {
                self.skipped.push(SkippedTx { index, reason });
                Ok(())
            }
        }
    }

    /// Completes the blooms of the receipts recorded so far, hashing their later topics
    /// together. [`Self::finish`] does it for the rest.
    pub fn complete_blooms(&mut self) {
        add_later_topics(&mut self.receipts, &self.pairs_only);
        self.pairs_only.clear();
    }

    /// The block output with the block's state changes.
    pub fn finish(mut self, state: StateChanges) -> BlockOutput {
        self.complete_blooms();
        let mut logs_bloom = Bloom::ZERO;
        for receipt in &self.receipts {
            logs_bloom.accrue_bloom(&receipt.bloom);
        }
        BlockOutput {
            results: self.results,
            receipts: self.receipts,
            tx_indexes: self.tx_indexes,
            skipped: self.skipped,
            state,
            gas_used: self.gas_used,
            blob_gas_used: self.blob_gas_used,
            logs_bloom,
            report: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::context::result::{Output, ResultGas, SuccessReason};
    use revm::primitives::Bytes;

    fn spent(gas: u64) -> ExecutionResult {
        ExecutionResult::Success {
            reason: SuccessReason::Stop,
            gas: ResultGas::default().with_total_gas_spent(gas),
            logs: Vec::new(),
            output: Output::Call(Bytes::new()),
        }
    }

    /// A part that ran the transactions `indexes` of `txs`, spending `gas` each.
    fn part(indexes: &[usize], txs: &[TxEnv], gas: u64) -> BlockAccumulator {
        let mut acc = BlockAccumulator::with_capacity(indexes.len());
        for &index in indexes {
            acc.push_executed(index, &txs[index], spent(gas));
        }
        acc
    }

    #[test]
    fn interleaved_parts_are_in_block_order_with_the_block_cumulative_gas() {
        let txs = vec![
            TxEnv {
                gas_limit: 50_000,
                ..TxEnv::default()
            };
            5
        ];
        let block_env = BlockEnv {
            gas_limit: 200_000,
            ..BlockEnv::default()
        };
        let parts = [part(&[0, 3], &txs, 21_000), part(&[1, 2, 4], &txs, 30_000)];
        let merged = BlockAccumulator::interleave(parts, &txs, &block_env).expect("fits");
        assert_eq!(merged.tx_indexes, [0, 1, 2, 3, 4]);
        let cumulative: Vec<u64> = merged
            .receipts
            .iter()
            .map(|r| r.cumulative_gas_used)
            .collect();
        assert_eq!(cumulative, [21_000, 51_000, 81_000, 102_000, 132_000]);
        assert_eq!(merged.gas_used, 132_000);
        // Each part alone left room for its transactions; together, the fifth one's limit no
        // longer fits in what the block has left.
        let tight = BlockEnv {
            gas_limit: 150_000,
            ..block_env
        };
        let parts = [part(&[0, 3], &txs, 21_000), part(&[1, 2, 4], &txs, 30_000)];
        assert!(BlockAccumulator::interleave(parts, &txs, &tight).is_none());
    }
}
