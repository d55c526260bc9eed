//! Contracts learned to conflict within a block: a transaction calling one waits for the
//! previous transaction calling the same contract instead of running beside it.
//!
//! Block-STM runs a transaction optimistically and throws its execution away when validation
//! finds that an earlier transaction changed what it read. Swaps on one pool, or calls into one
//! game or mint, do that one after another. Once a validation fails for a call into contract
//! `C`, later first executions of calls into `C` wait (as on a dependency) until the previous
//! call into `C` has executed, and the lane takes other work meanwhile. Contracts whose calls
//! never conflict (a token moving different holders' balances) are never marked, so they keep
//! running side by side. Only scheduling changes: results are exactly those of Block-STM.

use super::location::TxIdx;
use revm::context::TxEnv;
use revm::primitives::{AddressMap, TxKind};
use std::sync::atomic::{AtomicBool, Ordering};

/// Calls of one block grouped by the contract they call.
pub struct HotTargets {
    /// Per transaction: its call target's index, `None` for creations and calls without input.
    target: Vec<Option<u32>>,
    /// Per transaction: the previous transaction calling the same target.
    previous: Vec<Option<TxIdx>>,
    /// Per target: whether a call into it failed validation in this block.
    hot: Vec<AtomicBool>,
}

impl HotTargets {
    /// The call targets of `txs`.
    pub fn new(txs: &[TxEnv]) -> Self {
        // Per target: its index and the last call into it so far.
        let mut index: AddressMap<(u32, Option<TxIdx>)> = AddressMap::default();
        let mut target = Vec::with_capacity(txs.len());
        let mut previous = Vec::with_capacity(txs.len());
        for (txn, tx) in txs.iter().enumerate() {
            let (t, last) = match tx.kind {
                TxKind::Call(to) if !tx.data.is_empty() => {
                    let next = index.len() as u32;
                    let entry = index.entry(to).or_insert((next, None));
                    (Some(entry.0), entry.1.replace(txn))
                }
                _ => (None, None),
            };
            target.push(t);
            previous.push(last);
        }
        let hot = (0..index.len()).map(|_| AtomicBool::new(false)).collect();
        Self {
            target,
            previous,
            hot,
        }
    }

    /// Notes that `txn`'s execution failed validation.
    pub fn conflicted(&self, txn: TxIdx) {
        if let Some(t) = self.target[txn] {
            self.hot[t as usize].store(true, Ordering::Relaxed);
        }
    }

    /// The transaction `txn` should wait for, if its target is hot: the previous call into it.
    pub fn wait_for(&self, txn: TxIdx) -> Option<TxIdx> {
        let t = self.target[txn]?;
        if self.hot[t as usize].load(Ordering::Relaxed) {
            self.previous[txn]
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Address, Bytes};

    fn call(to: u8, data: &'static [u8]) -> TxEnv {
        TxEnv {
            kind: TxKind::Call(Address::repeat_byte(to)),
            data: Bytes::from_static(data),
            ..TxEnv::default()
        }
    }

    #[test]
    fn only_calls_into_a_contract_that_conflicted_wait_for_the_previous_call() {
        let txs = [
            call(1, &[1]),
            call(2, &[1]),
            call(1, &[]),
            call(1, &[2]),
            call(2, &[2]),
        ];
        let targets = HotTargets::new(&txs);
        assert_eq!(targets.wait_for(3), None, "nothing conflicted yet");
        targets.conflicted(1);
        assert_eq!(targets.wait_for(3), None, "contract 1 is not hot");
        assert_eq!(targets.wait_for(4), Some(1));
        targets.conflicted(3);
        // A call without input (a plain transfer) is not a call into the contract.
        assert_eq!(targets.wait_for(3), Some(0));
        assert_eq!(
            targets.wait_for(0),
            None,
            "the first call waits for nothing"
        );
        assert_eq!(targets.wait_for(2), None);
    }
}
