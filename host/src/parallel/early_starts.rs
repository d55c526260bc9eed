//! Transactions the lanes start first, out of block order: the few whose gas limits say they
//! may run long.
//!
//! Lanes claim transactions lowest first, so a long transaction near the end of a block (a
//! rollup's proof check: a few ms of pairings) starts only once the lanes have worked through
//! everything before it, and then runs alone while the other lanes wait: at two lanes, mainnet
//! block 18426253 (one transaction at index 138 of 147 takes half its time) gained 0.96-1.35x
//! where 2x was possible. Started first, it runs beside the rest of the block.
//!
//! Starting a transaction early changes nothing else: Block-STM's exactness does not depend on
//! the order of executions. An early execution read what was there before the transactions
//! below it ran; validation, which comes to it in block order as to any other, re-executes it
//! if one of them wrote what it read. That is the risk, and why so few are chosen: a
//! transaction that conflicts wastes one execution of itself.

use super::location::TxIdx;
use revm::context::TxEnv;
use revm::primitives::TxKind;

/// The gas limit from which a transaction may be started early: below it, a transaction runs
/// too briefly for its place in the block to matter. (From 1M, mainnet block 19933612 started
/// three calls of about 0.5 ms early, and all three conflicted and ran again.)
pub(super) const MIN_GAS_LIMIT: u64 = 2_000_000;

/// At most this many early starts per block: each one that conflicts wastes its execution.
const MOST: usize = 4;

/// At most this many candidates are looked at, highest gas limit first: each look scans the
/// transactions before it, and a block of thousands of high-limit calls into one contract (a
/// mint) would otherwise scan the block once per call.
const LOOKED_AT: usize = 2 * MOST;

/// The transactions to start first, highest gas limit first: calls with input or creations
/// with a gas limit of at least [`MIN_GAS_LIMIT`], beyond the first `2 * lanes` (which start
/// at once anyway), whose sender sent nothing earlier in the block (its nonce would make the
/// early execution wait or fail) and whose contract no earlier transaction calls (a bot's
/// contract or a router: what the earlier call changes, the early one likely reads). Empty for
/// a single lane. Written into `early`, reused.
///
/// Cost: at most [`LOOKED_AT`] scans of the transactions before a candidate.
pub fn choose_early_starts(txs: &[TxEnv], lanes: usize, early: &mut Vec<TxIdx>) {
    early.clear();
    if lanes < 2 {
        return;
    }
    let long = |tx: &TxEnv| {
        tx.gas_limit >= MIN_GAS_LIMIT && (tx.kind == TxKind::Create || !tx.data.is_empty())
    };
    let skip = 2 * lanes;
    early.extend((skip..txs.len()).filter(|&i| long(&txs[i])));
    early.sort_by_key(|&i| (std::cmp::Reverse(txs[i].gas_limit), i));
    let alone = |i: TxIdx| {
        let (caller, kind) = (txs[i].caller, txs[i].kind);
        !txs[..i].iter().any(|tx| {
            tx.caller == caller
                || (tx.kind == kind && kind != TxKind::Create && !tx.data.is_empty())
        })
    };
    early.truncate(LOOKED_AT);
    early.retain(|&i| alone(i));
    early.truncate(MOST);
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Address, Bytes};

    /// A call from `from` into a contract of its own.
    fn call(from: u8, gas_limit: u64, input: &[u8]) -> TxEnv {
        TxEnv {
            caller: Address::repeat_byte(from),
            kind: TxKind::Call(Address::repeat_byte(0x80 | from)),
            gas_limit,
            data: Bytes::copy_from_slice(input),
            ..TxEnv::default()
        }
    }

    #[test]
    fn long_calls_of_their_own_past_the_first_claims_start_early_longest_first() {
        let mut txs: Vec<TxEnv> = (0..20).map(|i| call(i, 100_000, &[1])).collect();
        txs[2] = call(2, 5_000_000, &[1]); // among the first claims at two lanes
        txs[8] = call(8, 2_000_000, &[1]);
        txs[9] = call(9, 9_000_000, &[]); // a plain transfer, however high its limit
        txs[12] = call(3, 8_000_000, &[1]); // its sender sent transaction 3
        txs[14] = call(14, 6_000_000, &[1]);
        txs[15] = call(40, 3_000_000, &[1]);
        txs[17] = call(41, 1_900_000, &[1]); // below the limit
        txs[18] = call(42, 7_000_000, &[1]);
        txs[18].kind = txs[5].kind; // a contract transaction 5 calls
        let mut early = Vec::new();
        choose_early_starts(&txs, 2, &mut early);
        assert_eq!(early, [14, 15, 8]);
        choose_early_starts(&txs, 1, &mut early);
        assert!(early.is_empty(), "one lane runs in block order");
    }

    #[test]
    fn at_most_a_few_start_early_from_the_few_highest_limits() {
        let mut txs: Vec<TxEnv> = (0..30)
            .map(|i| call(i, 2_000_000 + i as u64, &[1]))
            .collect();
        let mut early = Vec::new();
        choose_early_starts(&txs, 2, &mut early);
        assert_eq!(early, [29, 28, 27, 26]);
        // The 8 highest limits call a contract transaction 0 calls: the rest is not looked at.
        let shared = txs[0].kind;
        for tx in &mut txs[22..] {
            tx.kind = shared;
        }
        choose_early_starts(&txs, 2, &mut early);
        assert!(early.is_empty(), "{early:?}");
    }
}
