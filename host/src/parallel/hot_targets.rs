//! Contracts learned to conflict within a block: a transaction calling one waits for the
//! previous transaction calling the same contract instead of running beside it, unless lazy
//! storage showed that ranges take the conflict away.
//!
//! Block-STM runs a transaction optimistically and throws its execution away when validation
//! finds that an earlier transaction changed what it read. Swaps on one pool, transfers into
//! one exchange's deposit address, or calls into one game or mint, do that one after another.
//! Once a validation fails for a call into contract `C`, later first executions of calls into
//! `C` wait (as on a dependency) until the previous call into `C` has executed, and the lane
//! takes other work meanwhile. Contracts whose calls never conflict (a token moving different
//! holders' balances) are never marked, so they keep running side by side.
//!
//! With lazy storage every execution after a failed validation is *tracked* ([`super::slot_taint`]). When a tracked
//! execution of a call into `C` reads the slots that conflicted as ranges (a token's balance of
//! a deposit address), calls into `C` stop waiting and are all tracked; once tracking fails them
//! (a range is left, an account changed, a pool's reserves go through multiplications), they
//! wait for good. Only scheduling and the form of reads and writes change: results are exactly
//! those of Block-STM.

use super::location::TxIdx;
use super::mv_memory::Changed;
use revm::context::TxEnv;
use revm::primitives::{AddressMap, TxKind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// A target's state: no call into it failed validation yet.
const COLD: u8 = 0;
/// A call failed validation: calls wait.
const WAIT: u8 = 1;
/// Ranges took a conflict away: calls track and do not wait.
const TRACK: u8 = 2;
/// Tracking failed calls: they wait for good.
const STUCK: u8 = 3;

/// Calls of one block grouped by the contract they call. The grouping is made when a call
/// first conflicts: until then every target is cold, and a block without conflicts (transfers,
/// a token's transfers) never pays for it (a scan of a 2,000-transaction block took 110-120 us
/// back to back and up to 370 us after idle, most of a block's setup).
pub struct HotTargets<'a> {
    txs: &'a [TxEnv],
    grouped: OnceLock<Grouped>,
    /// Whether executions may track.
    lazy_storage: bool,
}

/// The block's calls grouped by target.
struct Grouped {
    /// Per transaction: its call target's index, `None` for creations and calls without input.
    target: Vec<Option<u32>>,
    /// Per transaction: the previous transaction calling the same target.
    previous: Vec<Option<TxIdx>>,
    /// Per target: [`COLD`], [`WAIT`], [`TRACK`] or [`STUCK`].
    hot: Vec<AtomicU8>,
}

impl Grouped {
    fn new(txs: &[TxEnv]) -> Self {
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
        }
    }

    fn hot(&self, txn: TxIdx) -> Option<&AtomicU8> {
        self.target[txn].map(|t| &self.hot[t as usize])
    }
}

impl<'a> HotTargets<'a> {
    /// The call targets of `txs`; tracking only with `lazy_storage`.
    pub fn new(txs: &'a [TxEnv], lazy_storage: bool) -> Self {
        Self {
            txs,
            grouped: OnceLock::new(),
            lazy_storage,
        }
    }

    /// The state of `txn`'s target for a change of it: grouping the calls first if no call
    /// conflicted before.
    fn hot_to_change(&self, txn: TxIdx) -> Option<&AtomicU8> {
        self.grouped.get_or_init(|| Grouped::new(self.txs)).hot(txn)
    }

    /// The state of `txn`'s target, once calls are grouped.
    fn hot(&self, txn: TxIdx) -> Option<&AtomicU8> {
        self.grouped.get()?.hot(txn)
    }

    fn state(&self, txn: TxIdx) -> u8 {
        self.hot(txn).map_or(COLD, |h| h.load(Ordering::Relaxed))
    }

    /// Notes that `txn`'s execution failed validation on what `changed`.
    pub fn conflicted(&self, txn: TxIdx, changed: Changed) {
        if let Some(hot) = self.hot_to_change(txn) {
            let next = match (hot.load(Ordering::Relaxed), changed) {
                (TRACK, Changed::Other) => STUCK,
                (COLD, _) => WAIT,
                (state, _) => state,
            };
            hot.fetch_max(next, Ordering::Relaxed);
        }
    }

    /// Notes that a tracked execution of `txn` read the slots that conflicted as ranges: calls
    /// into its target stop waiting, unless tracking already failed them.
    pub fn relaxed(&self, txn: TxIdx) {
        if let Some(hot) = self.hot(txn) {
            let _ = hot.compare_exchange(WAIT, TRACK, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Notes that a tracked execution of `txn` used a conflicting slot in a way no range keeps
    /// (a pool's reserves): calls into its target wait for good.
    pub fn untrackable(&self, txn: TxIdx) {
        if let Some(hot) = self.hot_to_change(txn) {
            hot.store(STUCK, Ordering::Relaxed);
        }
    }

    /// The transaction `txn` should wait for, if its target is hot: the previous call into it.
    pub fn wait_for(&self, txn: TxIdx) -> Option<TxIdx> {
        match self.state(txn) {
            WAIT | STUCK => self.grouped.get().and_then(|grouped| grouped.previous[txn]),
            _ => None,
        }
    }

    /// Whether an execution of `txn` is to be tracked: with lazy storage, when calls into its
    /// target track or when it failed validation before (asked last: it takes a lock).
    pub fn track(&self, txn: TxIdx, aborted_before: impl FnOnce() -> bool) -> bool {
        self.lazy_storage && (self.state(txn) == TRACK || aborted_before())
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
    fn calls_into_a_contract_that_conflicted_wait_unless_ranges_took_the_conflict_away() {
        let txs = [
            call(1, &[1]),
            call(2, &[1]),
            call(1, &[]),
            call(1, &[2]),
            call(2, &[2]),
        ];
        for lazy_storage in [false, true] {
            let targets = HotTargets::new(&txs, lazy_storage);
            assert_eq!(targets.wait_for(3), None, "nothing conflicted yet");
            assert!(!targets.track(1, || false));
            assert_eq!(
                targets.track(1, || true),
                lazy_storage,
                "re-executions track"
            );
            targets.relaxed(4);
            assert!(
                targets.grouped.get().is_none(),
                "calls are grouped only once one conflicts"
            );
            targets.conflicted(1, Changed::Slot);
            assert_eq!(targets.wait_for(3), None, "contract 1 is not hot");
            assert_eq!(
                targets.wait_for(4),
                Some(1),
                "the first conflict makes calls wait"
            );
            assert!(!targets.track(4, || false));
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
        let targets = HotTargets::new(&txs, true);
        targets.conflicted(1, Changed::Slot);
        targets.relaxed(1);
        assert_eq!(targets.wait_for(4), None, "ranges took the conflict away");
        assert!(targets.track(4, || false), "so calls track instead");
        targets.conflicted(4, Changed::Slot);
        assert!(
            targets.track(4, || false),
            "a slot read as a value: still tracking"
        );
        targets.conflicted(4, Changed::Other);
        assert_eq!(targets.wait_for(4), Some(1), "tracking failed: calls wait");
        targets.relaxed(4);
        assert_eq!(targets.wait_for(4), Some(1), "for good");
        targets.conflicted(0, Changed::Slot);
        targets.untrackable(0);
        targets.relaxed(0);
        assert_eq!(
            targets.wait_for(3),
            Some(0),
            "a slot used otherwise: for good too"
        );
    }
}
