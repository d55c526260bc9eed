//! Transactions of one block from one sender. Each reads the nonce the one before it wrote, so
//! a later one run beside an earlier one always fails validation (an exchange's hot wallet
//! sends dozens in a block). A first execution waits for the previous transaction from its
//! sender instead, when that one is still to execute; only scheduling changes.
//!
//! The block's beneficiary is paid by every transaction: one it sends (a pool paying out from
//! its coinbase, a builder paying the proposer) waits for the transaction just before it, whose
//! fee its balance takes. Run beside it, 40 payouts at the start of mainnet block 8889776 each
//! read the balance without that fee, failed validation one after another, and sent the block
//! to the sequential path (about 1 run in 6).

use super::location::TxIdx;
use revm::context::TxEnv;
use revm::primitives::{Address, AddressMap};
use std::sync::OnceLock;

/// The previous transaction from each transaction's sender: found within a window until a
/// transaction conflicts, and exactly from then on.
pub struct SenderChains<'a> {
    txs: &'a [TxEnv],
    beneficiary: Address,
    /// Per transaction: the previous one from its sender, anywhere before it.
    linked: OnceLock<Vec<Option<TxIdx>>>,
}

impl<'a> SenderChains<'a> {
    /// The senders of `txs` in a block paying `beneficiary`, not linked yet.
    pub fn new(txs: &'a [TxEnv], beneficiary: Address) -> Self {
        Self {
            txs,
            beneficiary,
            linked: OnceLock::new(),
        }
    }

    /// Links every transaction to the previous one from its sender (once; about 30 us for
    /// 2,000 transactions). Called at the first conflict: a block that conflicts may re-run
    /// an earlier transaction of a sender while later ones run, and a batch from one sender
    /// interleaved with other transactions spreads wider than the window (an exchange's
    /// `transferFrom` calls in mainnet block 19932148, 7 transactions apart).
    pub fn link(&self) {
        self.linked.get_or_init(|| {
            let mut last: AddressMap<TxIdx> = AddressMap::default();
            (0..self.txs.len())
                .map(|txn| last.insert(self.txs[txn].caller, txn))
                .collect()
        });
    }

    /// The previous transaction from `txn`'s sender: anywhere before it once linked, else if
    /// it is at most `window` before it. For the beneficiary, the transaction just before.
    pub fn previous(&self, txn: TxIdx, window: usize) -> Option<TxIdx> {
        if self.txs[txn].caller == self.beneficiary {
            return txn.checked_sub(1);
        }
        match self.linked.get() {
            Some(linked) => linked[txn],
            None => previous_from_sender(self.txs, txn, window),
        }
    }
}

/// The previous transaction from `txs[txn]`'s sender, if it is at most `window` before it.
/// Lanes run transactions a few indexes apart, so one further back has almost always executed
/// already: a window of twice the lanes does. (A map of all senders, built before the lanes
/// start, cost a 2,000-transaction block 30 us of setup; a window of 16 at 2 lanes slowed
/// ERC-20 blocks by 2%: every look at a neighbour's sender may miss the cache.)
fn previous_from_sender(txs: &[TxEnv], txn: TxIdx, window: usize) -> Option<TxIdx> {
    let caller = txs[txn].caller;
    (txn.saturating_sub(window)..txn)
        .rev()
        .find(|&earlier| txs[earlier].caller == caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transaction_follows_its_senders_previous_one_within_the_window() {
        let from = |n: u8| TxEnv {
            caller: Address::repeat_byte(n),
            ..TxEnv::default()
        };
        let txs = [from(1), from(2), from(1), from(1), from(3), from(2)];
        let previous: Vec<_> = (0..6)
            .map(|txn| previous_from_sender(&txs, txn, 4))
            .collect();
        assert_eq!(previous, [None, None, Some(0), Some(2), None, Some(1)]);
        assert_eq!(
            previous_from_sender(&txs, 5, 3),
            None,
            "4 transactions back"
        );
        let chains = SenderChains::new(&txs, Address::repeat_byte(3));
        assert_eq!(chains.previous(5, 3), None, "not linked: within the window");
        chains.link();
        assert_eq!(chains.previous(5, 3), Some(1), "linked: anywhere before");
        assert_eq!(chains.previous(3, 0), Some(2));
        assert_eq!(
            chains.previous(4, 9),
            Some(3),
            "the beneficiary: the one before"
        );
        let first = SenderChains::new(&txs, Address::repeat_byte(1));
        assert_eq!(first.previous(0, 9), None, "nothing before the first");
    }
}
