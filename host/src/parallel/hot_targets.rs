//! Contracts learned to conflict within a block: a transaction calling one first tracks its
//! storage values, then waits for the previous transaction calling the same contract instead
//! of running beside it.
//!
//! Block-STM runs a transaction optimistically and throws its execution away when validation
//! finds that an earlier transaction changed what it read. Transfers to one exchange's deposit
//! address, swaps on one pool, or calls into one game or mint, do that one after another. Once
//! a validation fails for a call into contract `C`, later first executions of calls into `C`
//! are *tracked* ([`super::slot_taint`]): a token's balances then become ranges and deltas and
//! stop conflicting. Once tracking cannot help (a pool's reserves go through multiplications,
//! a range is left, or an account changed), later first executions wait (as on a dependency) until the
//! previous call into `C` has executed, and the lane takes other work meanwhile. Every
//! re-execution is tracked. Contracts whose calls never conflict (a token moving different
//! holders' balances) are never marked, so they keep running side by side untracked. Only
//! scheduling and the form of reads and writes change: results are exactly those of
//! Block-STM.

use super::location::TxIdx;
use super::mv_memory::Changed;
use revm::context::TxEnv;
use revm::primitives::{AddressMap, TxKind};
use std::sync::atomic::{AtomicU8, Ordering};

/// A target's state: no call into it failed validation yet.
const COLD: u8 = 0;
/// A call failed validation on a slot: calls track.
const TRACK: u8 = 1;
/// Tracking cannot help: calls wait.
const WAIT: u8 = 2;

/// Calls of one block grouped by the contract they call.
pub struct HotTargets {
    /// Per transaction: its call target's index, `None` for creations and calls without input.
    target: Vec<Option<u32>>,
    /// Per transaction: the previous transaction calling the same target.
    previous: Vec<Option<TxIdx>>,
    /// Per target: [`COLD`], [`TRACK`] or [`WAIT`].
    hot: Vec<AtomicU8>,
    /// Whether executions may track (else a conflict makes calls wait at once).
    lazy_storage: bool,
}

impl HotTargets {
    /// The call targets of `txs`; tracking only with `lazy_storage`.
    pub fn new(txs: &[TxEnv], lazy_storage: bool) -> Self {
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
        let hot = (0..index.len()).map(|_| AtomicU8::new(COLD)).collect();
        Self {
            target,
            previous,
            hot,
            lazy_storage,
        }
    }

    /// Notes that `txn`'s execution failed validation on what `changed`: its target's calls
    /// track after a slot that ranges may help with, and wait after anything else.
    pub fn conflicted(&self, txn: TxIdx, changed: Changed) {
        if let Some(t) = self.target[txn] {
            let next = match changed {
                Changed::Slot if self.lazy_storage => TRACK,
                _ => WAIT,
            };
            self.hot[t as usize].fetch_max(next, Ordering::Relaxed);
        }
    }

    fn state(&self, txn: TxIdx) -> u8 {
        self.target[txn].map_or(COLD, |t| self.hot[t as usize].load(Ordering::Relaxed))
    }

    /// The transaction `txn` should wait for, if its target is hot: the previous call into it.
    pub fn wait_for(&self, txn: TxIdx) -> Option<TxIdx> {
        if self.state(txn) == WAIT {
            self.previous[txn]
        } else {
            None
        }
    }

    /// Notes that a tracked execution of `txn` used a conflicting slot in a way no range keeps
    /// (a pool's reserves): calls into its target wait from now on.
    pub fn untrackable(&self, txn: TxIdx) {
        if let Some(t) = self.target[txn] {
            self.hot[t as usize].store(WAIT, Ordering::Relaxed);
        }
    }

    /// Whether `incarnation` of `txn` is to be tracked.
    pub fn track(&self, txn: TxIdx, incarnation: usize) -> bool {
        self.lazy_storage && (incarnation > 0 || self.state(txn) == TRACK)
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
    fn calls_into_a_contract_that_conflicted_track_then_wait_for_the_previous_call() {
        let txs = [
            call(1, &[1]),
            call(2, &[1]),
            call(1, &[]),
            call(1, &[2]),
            call(2, &[2]),
        ];
        let untracked = HotTargets::new(&txs, false);
        untracked.conflicted(1, Changed::Slot);
        assert!(
            !untracked.track(4, 1),
            "nothing tracks without lazy storage"
        );
        assert_eq!(
            untracked.wait_for(4),
            Some(1),
            "the first conflict makes calls wait"
        );
        let targets = HotTargets::new(&txs, true);
        assert_eq!(targets.wait_for(3), None, "nothing conflicted yet");
        assert!(!targets.track(1, 0));
        targets.conflicted(1, Changed::Slot);
        assert!(
            targets.track(4, 0),
            "contract 2 conflicted once: its calls track"
        );
        assert_eq!(targets.wait_for(4), None);
        targets.conflicted(4, Changed::Slot);
        assert!(
            targets.track(4, 0),
            "slots read as values change: they still track"
        );
        targets.conflicted(4, Changed::Other);
        assert!(!targets.track(4, 0), "anything else: they wait");
        assert!(targets.track(4, 1), "re-executions always track");
        assert_eq!(targets.wait_for(3), None, "contract 1 is not hot");
        assert_eq!(targets.wait_for(4), Some(1));
        targets.conflicted(3, Changed::Other);
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
