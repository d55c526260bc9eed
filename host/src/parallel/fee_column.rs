//! The beneficiary's fee credits, one slot per transaction, beside the multi-version memory's
//! tables.
//!
//! Every transaction credits the beneficiary. Kept as versions of one location, those credits
//! would have every lane write one vector under one lock for every transaction, passing their
//! cache lines from core to core; here each transaction's credit has a slot of its own, and only
//! the rare reader of the beneficiary's balance walks them.
//!
//! Invariant (kept by [`super::mv_memory::MvMemory::record`]): the beneficiary's versions in the
//! tables hold no credits, so its value below transaction `j` is its last full value below `j`
//! followed by the fee credits of the transactions after it, in order.

use super::location::TxIdx;
use super::mv_memory::lock;
use super::padded::Padded;
use revm::primitives::U256;
use std::sync::Mutex;

/// What a transaction's last incarnation credited the beneficiary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fee {
    /// The fee of a finished incarnation.
    Credit(U256),
    /// The incarnation that credited was aborted: readers wait for the next one.
    Estimate,
}

/// One fee slot per transaction of the block.
#[derive(Debug, Default)]
pub struct FeeColumn {
    slots: Vec<Padded<Mutex<Option<Fee>>>>,
}

impl FeeColumn {
    /// Empty slots for `txs` transactions (the allocation is kept from block to block).
    pub fn reset(&mut self, txs: usize) {
        for slot in &mut self.slots {
            *slot.0.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        }
        self.slots.resize_with(txs, Default::default);
    }

    /// Sets `txn`'s credit (`None`: it credited nothing); returns whether the slot held a credit
    /// or an estimate before.
    pub fn set(&self, txn: TxIdx, fee: Option<U256>) -> bool {
        let mut slot = lock(&self.slots[txn]);
        let before = slot.is_some();
        *slot = fee.map(Fee::Credit);
        before
    }

    /// Turns `txn`'s credit, if any, into an estimate.
    pub fn estimate(&self, txn: TxIdx) {
        let mut slot = lock(&self.slots[txn]);
        if slot.is_some() {
            *slot = Some(Fee::Estimate);
        }
    }

    /// `txn`'s credit.
    fn get(&self, txn: TxIdx) -> Option<Fee> {
        *lock(&self.slots[txn])
    }

    /// The credits and estimates of the transactions in `txs`, in order.
    pub fn within(&self, txs: std::ops::Range<TxIdx>) -> impl Iterator<Item = (TxIdx, Fee)> + '_ {
        txs.filter_map(|txn| self.get(txn).map(|fee| (txn, fee)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_reports_what_it_held_and_estimates_only_credits() {
        let mut column = FeeColumn::default();
        column.reset(3);
        assert!(!column.set(0, Some(U256::from(5))));
        column.estimate(0);
        column.estimate(1);
        assert_eq!(column.get(0), Some(Fee::Estimate));
        assert_eq!(column.get(1), None, "nothing credited, nothing to wait for");
        assert!(column.set(0, None));
        column.reset(2);
        assert_eq!(column.get(0), None);
    }
}
