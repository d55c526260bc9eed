//! Contracts learned to conflict within a block: a transaction calling one waits for the
//! previous transaction calling the same contract instead of running beside it, while most
//! calls into it depend on the previous one, unless lazy storage showed that ranges take the
//! conflict away.
//!
//! Block-STM runs a transaction optimistically and throws its execution away when validation
//! finds that an earlier transaction changed what it read. Swaps on one pool, or calls into one
//! counter, game or mint, do that one after another. Once a validation fails in the block,
//! calls are grouped by the contract they call, and each call into `C` is checked once, by the
//! first of its executions that ends after the previous call into `C` executed: did it read
//! anything that call wrote? (Re-executions count: a call that depends on the one before often
//! fails its first execution, and checking first executions alone would hide the dependency.)
//! While more than half of the checked calls into `C` did, later first executions of calls into
//! `C` wait (as on a dependency) until the previous call into `C` has executed, and the lane
//! takes other work meanwhile. Calls into a token moving different holders' balances, or into a
//! router of which only the swaps reaching the same pool conflict, run side by side.
//!
//! A conflict alone does not make calls wait: the calls after it would pile up in line at once,
//! before any of them executed to be checked (53 of 105 in a test block whose calls do not
//! depend on each other), and the dependency monitor would hand the block to the sequential
//! path.
//!
//! With lazy storage every execution after a failed validation is *tracked* ([`super::slot_taint`]). When a tracked
//! execution of a call into `C` reads the slots that conflicted as ranges (a token's balance of
//! a deposit address), calls into `C` are all tracked and do not wait; once tracking fails them
//! (a range is left, an account changed, a pool's reserves go through multiplications), they are
//! no longer tracked, and wait by the checks. Only scheduling and the form of reads and writes
//! change: results are exactly those of Block-STM.

use super::location::TxIdx;
use super::mv_memory::Changed;
use revm::context::TxEnv;
use revm::primitives::{AddressMap, TxKind};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::OnceLock;

/// Tracking (lazy storage only): not tried.
const UNTRIED: u8 = 0;
/// Ranges took a conflict away: calls track, and do not wait.
const TRACK: u8 = 1;
/// Tracking failed: calls do not track, and wait by the checks.
const FAILED: u8 = 2;

/// Checks before calls may wait. Once they do, the calls behind fall in line at once, before a
/// later check could tell they need not: one dependency in the first check or two would make
/// a router's calls wait (1 run in 10 of a 600-swap test block fell back to sequential).
const MIN_CHECKS: u32 = 8;

/// Calls of one block grouped by the contract they call. The grouping is made when a call
/// first conflicts: until then no call waits, and a block without conflicts (transfers,
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
    /// Per target: whether its calls wait or track, and what their checks showed.
    hot: Vec<Target>,
    /// Per transaction: whether it was checked against its previous call.
    checked: Vec<AtomicBool>,
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
        let hot = (0..index.len()).map(|_| Target::default()).collect();
        let checked = (0..txs.len()).map(|_| AtomicBool::new(false)).collect();
        Self {
            target,
            previous,
            hot,
            checked,
        }
    }

    fn hot(&self, txn: TxIdx) -> Option<&Target> {
        self.target[txn].map(|t| &self.hot[t as usize])
    }
}

/// A contract called in the block.
#[derive(Default)]
struct Target {
    /// [`UNTRIED`], [`TRACK`] or [`FAILED`].
    tracking: AtomicU8,
    /// Calls checked against their previous call into the contract.
    checked: AtomicU32,
    /// Those that read something the previous call wrote.
    dependent: AtomicU32,
}

impl Target {
    /// Whether more than half of at least [`MIN_CHECKS`] checked calls depended on their
    /// previous call.
    fn mostly_dependent(&self) -> bool {
        let checked = self.checked.load(Ordering::Relaxed);
        checked >= MIN_CHECKS && 2 * self.dependent.load(Ordering::Relaxed) > checked
    }

    /// Counts a check.
    fn count(&self, dependent: bool) {
        self.checked.fetch_add(1, Ordering::Relaxed);
        if dependent {
            self.dependent.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether calls into the contract wait for the previous one.
    fn waits(&self) -> bool {
        self.mostly_dependent() && !self.tracks()
    }

    fn tracks(&self) -> bool {
        self.tracking.load(Ordering::Relaxed) == TRACK
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

    /// The calls grouped by target, grouping them if no call conflicted before.
    fn grouped_to_change(&self) -> &Grouped {
        self.grouped.get_or_init(|| Grouped::new(self.txs))
    }

    /// `txn`'s target, once calls are grouped.
    fn hot(&self, txn: TxIdx) -> Option<&Target> {
        self.grouped.get()?.hot(txn)
    }

    /// Notes that `txn`'s execution failed validation on what `changed`: calls are grouped by
    /// target from now on, and checked against their previous call. A change ranges do not
    /// take away fails tracking.
    pub fn conflicted(&self, txn: TxIdx, changed: Changed) {
        if let Some(hot) = self.grouped_to_change().hot(txn) {
            if changed == Changed::Other {
                let _ = hot.tracking.compare_exchange(
                    TRACK,
                    FAILED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
        }
    }

    /// The previous call into `txn`'s target, once calls are grouped, while `txn` is not
    /// checked against it yet ([`Self::checked`]).
    pub fn unchecked_previous_call(&self, txn: TxIdx) -> Option<TxIdx> {
        let grouped = self.grouped.get()?;
        grouped.target[txn]?;
        (!grouped.checked[txn].load(Ordering::Relaxed))
            .then_some(grouped.previous[txn])
            .flatten()
    }

    /// Notes whether an execution of `txn` read something its previous call wrote, once per
    /// transaction: its target waits while most checks find a dependency, and stops waiting
    /// otherwise.
    pub fn checked(&self, txn: TxIdx, dependent: bool) {
        let Some(grouped) = self.grouped.get() else {
            return;
        };
        if let Some(hot) = grouped.hot(txn) {
            if !grouped.checked[txn].swap(true, Ordering::Relaxed) {
                hot.count(dependent);
            }
        }
    }

    /// Notes that a tracked execution of `txn` read the slots that conflicted as ranges: calls
    /// into its target track and stop waiting, unless tracking failed them.
    pub fn relaxed(&self, txn: TxIdx) {
        if let Some(hot) = self.hot(txn) {
            let _ =
                hot.tracking
                    .compare_exchange(UNTRIED, TRACK, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Notes that a tracked execution of `txn` used a conflicting slot in a way no range keeps
    /// (a pool's reserves): calls into its target no longer track.
    pub fn untrackable(&self, txn: TxIdx) {
        if let Some(hot) = self.grouped_to_change().hot(txn) {
            hot.tracking.store(FAILED, Ordering::Relaxed);
        }
    }

    /// The transaction `txn` should wait for, if its target is hot: the previous call into it.
    pub fn wait_for(&self, txn: TxIdx) -> Option<TxIdx> {
        let grouped = self.grouped.get()?;
        grouped.hot(txn)?.waits().then(|| grouped.previous[txn])?
    }

    /// Whether an execution of `txn` is to be tracked: with lazy storage, when calls into its
    /// target track or when it failed validation before (asked last: it takes a lock).
    pub fn track(&self, txn: TxIdx, aborted_before: impl FnOnce() -> bool) -> bool {
        self.lazy_storage && (self.hot(txn).is_some_and(Target::tracks) || aborted_before())
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

    /// Counts `n` checks of calls into `txn`'s target, `dependent` or not, as if of as many
    /// calls.
    fn check(targets: &HotTargets<'_>, txn: TxIdx, dependent: bool, n: u32) {
        let hot = targets.hot(txn).expect("grouped, and a call");
        for _ in 0..n {
            hot.count(dependent);
        }
    }

    #[test]
    fn each_call_is_checked_once_and_only_once_calls_are_grouped() {
        let txs = [call(1, &[1]), call(1, &[2]), call(1, &[3])];
        let targets = HotTargets::new(&txs, false);
        assert_eq!(targets.unchecked_previous_call(1), None, "not grouped yet");
        targets.checked(1, true);
        targets.conflicted(0, Changed::Slot);
        assert_eq!(targets.unchecked_previous_call(0), None, "the first call");
        assert_eq!(targets.unchecked_previous_call(2), Some(1));
        targets.checked(2, true);
        targets.checked(2, true);
        assert_eq!(targets.unchecked_previous_call(2), None, "checked");
        assert_eq!(targets.unchecked_previous_call(1), Some(0));
        let hot = targets.hot(2).unwrap();
        assert_eq!(
            (
                hot.checked.load(Ordering::Relaxed),
                hot.dependent.load(Ordering::Relaxed)
            ),
            (1, 1),
            "one check: before the grouping nothing counts, and a call counts once"
        );
    }

    #[test]
    fn calls_wait_while_most_of_them_depend_on_the_previous_call() {
        let txs = [call(1, &[1]), call(1, &[2]), call(1, &[3]), call(1, &[4])];
        let targets = HotTargets::new(&txs, false);
        targets.conflicted(1, Changed::Slot);
        assert_eq!(
            targets.wait_for(2),
            None,
            "a conflict does not make calls wait"
        );
        check(&targets, 2, true, MIN_CHECKS - 1);
        assert_eq!(targets.wait_for(2), None, "too few checks");
        check(&targets, 2, true, 1);
        assert_eq!(
            targets.wait_for(2),
            Some(1),
            "all checks found a dependency"
        );
        check(&targets, 3, false, MIN_CHECKS);
        assert_eq!(targets.wait_for(3), None, "half of them");
        check(&targets, 3, true, 1);
        assert_eq!(targets.wait_for(3), Some(2), "more than half");
        targets.conflicted(3, Changed::Slot);
        check(&targets, 3, false, 1);
        assert_eq!(targets.wait_for(3), None, "conflicts do not count");
    }

    #[test]
    fn calls_into_a_dependent_contract_wait_unless_ranges_took_the_conflict_away() {
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
            check(&targets, 4, true, MIN_CHECKS);
            assert_eq!(targets.wait_for(3), None, "contract 1 is not hot");
            assert_eq!(
                targets.wait_for(4),
                Some(1),
                "a dependent call makes calls wait"
            );
            assert!(!targets.track(4, || false));
            check(&targets, 3, true, MIN_CHECKS);
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
        check(&targets, 4, true, MIN_CHECKS);
        targets.relaxed(1);
        assert_eq!(targets.wait_for(4), None, "ranges took the conflict away");
        assert!(targets.track(4, || false), "so calls track instead");
        targets.conflicted(4, Changed::Slot);
        assert!(
            targets.track(4, || false),
            "a slot read as a value: still tracking"
        );
        targets.conflicted(4, Changed::Other);
        assert_eq!(
            targets.wait_for(4),
            Some(1),
            "tracking failed: calls wait by the checks"
        );
        targets.relaxed(4);
        assert!(!targets.track(4, || false), "for good");
        targets.untrackable(0);
        targets.relaxed(0);
        assert!(
            !targets.track(3, || false),
            "a slot used otherwise: for good too"
        );
        assert_eq!(targets.wait_for(3), None, "contract 1 was not checked");
    }
}
