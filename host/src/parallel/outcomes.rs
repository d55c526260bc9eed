//! Each transaction's last execution, set by the lane that ran it and taken in block order.
//!
//! Slots are kept from block to block ([`Kept`]): taking a result leaves its slot empty, so a
//! finished block's slots need clearing only past what it took.

use super::kept::{fit, Kept};
use super::lane::TxExecution;
use super::location::TxIdx;
use super::mv_memory::lock;
use super::padded::Padded;
use std::sync::Mutex;

static KEPT: Kept<Outcomes> = Kept::new();

/// One slot per transaction, each on its own cache lines: lanes finish neighbours at once.
pub struct Outcomes(Vec<Padded<Mutex<Option<TxExecution>>>>);

impl Outcomes {
    /// Empty slots for `txs` transactions: kept ones when there are (give them back with
    /// [`Self::recycle`]).
    pub fn take(txs: usize) -> Self {
        let mut outcomes = KEPT.take().unwrap_or(Self(Vec::new()));
        fit(&mut outcomes.0, txs);
        outcomes
    }

    /// Asks for `txn`'s slot ahead of [`Self::set`] (it is cold since the previous block).
    pub fn prefetch(&self, txn: TxIdx) {
        super::prefetch::prefetch(&self.0[txn]);
    }

    /// Sets `txn`'s last execution.
    pub fn set(&self, txn: TxIdx, execution: TxExecution) {
        *lock(&self.0[txn]) = Some(execution);
    }

    /// Takes `txn`'s last execution, leaving its slot empty.
    pub fn take_result(&self, txn: TxIdx) -> Option<TxExecution> {
        lock(&self.0[txn]).take()
    }

    /// Empties the slots and keeps them for a later block.
    pub fn recycle(mut self) {
        for slot in &mut self.0 {
            let slot = slot.0.get_mut().unwrap_or_else(|e| e.into_inner());
            if slot.is_some() {
                *slot = None;
            }
        }
        KEPT.keep(self);
    }
}

#[cfg(test)]
mod tests {
    use super::super::lane::TxFailure;
    use super::*;

    fn fatal(why: &str) -> TxExecution {
        Err(TxFailure::Fatal(why.into()))
    }

    #[test]
    fn recycled_slots_come_back_empty_at_the_new_size() {
        let outcomes = Outcomes::take(3);
        outcomes.set(0, fatal("taken"));
        outcomes.set(2, fatal("left behind"));
        assert!(outcomes.take_result(0).is_some());
        assert!(outcomes.take_result(0).is_none(), "a result is taken once");
        outcomes.recycle();
        for txs in [5, 2] {
            let outcomes = Outcomes::take(txs);
            assert!((0..txs).all(|txn| outcomes.take_result(txn).is_none()));
            outcomes.set(txs - 1, fatal("set"));
            outcomes.recycle();
        }
    }
}
