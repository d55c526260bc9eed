//! Transactions of one block from one sender. Each reads the nonce the one before it wrote, so
//! a later one run beside an earlier one always fails validation (an exchange's hot wallet
//! sends dozens in a block). A first execution waits for the previous transaction from its
//! sender instead, when that one is near enough to be running still; only scheduling changes.

use super::location::TxIdx;
use revm::context::TxEnv;

/// The previous transaction from `txs[txn]`'s sender, if it is at most `window` before it.
/// Lanes run transactions a few indexes apart, so one further back has almost always executed
/// already: a window of twice the lanes does. (A map of all senders, built before the lanes
/// start, cost a 2,000-transaction block 30 us of setup; a window of 16 at 2 lanes slowed
/// ERC-20 blocks by 2%: every look at a neighbour's sender may miss the cache.)
pub fn previous_from_sender(txs: &[TxEnv], txn: TxIdx, window: usize) -> Option<TxIdx> {
    let caller = txs[txn].caller;
    (txn.saturating_sub(window)..txn)
        .rev()
        .find(|&earlier| txs[earlier].caller == caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::Address;

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
    }
}
