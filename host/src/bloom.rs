//! Logs blooms with the part that repeats remembered.
//!
//! A bloom costs a Keccak-256 of each log's address and of each topic. In a block, the same
//! contracts emit the same events again and again (a token's `Transfer`, a pool's `Swap`), so
//! the pair (address, first topic) repeats: its bloom bits are hashed once and remembered
//! (the address alone for events without topics). The other topics are hashed once the
//! block's receipts are in, all together: eight at a time where the CPU can
//! ([`crate::keccak_words`]), or from the thread's Keccak memo
//! ([`crate::offload::keccak_memo`]) when they came before (an address in a topic: a pool, a
//! router). One at a time, those topics were most of a token block's bloom cost.
//!
//! A transaction that logs many later topics has them hashed where its pairs are, as a batch of
//! its own ([`BloomMemo::prepare`]): on the parallel path that is its lane, beside the other
//! transactions, instead of the final phase's one unit of blooms (mainnet 15537394: one mint
//! logs 10,001 events, 30,106 later topics).

use crate::offload::keccak_memo::keccak256_words_remembered;
use crate::receipt::Receipt;
use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, Bloom, B256};
use revm::primitives::Log;

/// Pairs kept at most; past it the memo starts again (a block rarely has that many events).
const CAPACITY: usize = 4096;
/// Later topics from which a transaction's are hashed as a batch of their own: enough for
/// eight-wide hashing to run full.
const OWN_BATCH: usize = 256;

/// A receipt's bloom as [`BloomMemo::prepare`] leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreparedBloom {
    /// Each event's address and first topic: the later topics are still to be added
    /// ([`add_later_topics`]).
    Pairs(Bloom),
    /// The whole bloom.
    Whole(Bloom),
}

/// A memo of the bloom bits of (address, first topic) pairs.
#[derive(Debug, Default)]
pub struct BloomMemo {
    pairs: HashMap<(Address, Option<B256>), Bloom>,
}

impl BloomMemo {
    /// The part of `logs`' bloom filter that repeats: each event's address and first topic.
    /// [`add_later_topics`] adds the rest.
    pub fn pair_bloom(&mut self, logs: &[Log]) -> Bloom {
        let mut bloom = Bloom::ZERO;
        for log in logs {
            let first = log.topics().first().copied();
            if self.pairs.len() >= CAPACITY {
                self.pairs.clear();
            }
            bloom |= *self.pairs.entry((log.address, first)).or_insert_with(|| {
                let mut pair = Bloom::ZERO;
                pair.m3_2048(log.address.as_slice());
                if let Some(first) = first {
                    pair.m3_2048(first.as_slice());
                }
                pair
            });
        }
        bloom
    }

    /// `logs`' bloom: whole when they have at least [`OWN_BATCH`] later topics, else their pairs'.
    pub fn prepare(&mut self, logs: &[Log]) -> PreparedBloom {
        let mut bloom = self.pair_bloom(logs);
        let words = later_topics(logs).count();
        if words < OWN_BATCH {
            return PreparedBloom::Pairs(bloom);
        }
        let words: Vec<B256> = later_topics(logs).collect();
        let mut hashes = Vec::with_capacity(words.len());
        keccak256_words_remembered(&words, &mut hashes);
        for hash in &hashes {
            bloom.m3_2048_hashed(hash);
        }
        PreparedBloom::Whole(bloom)
    }
}

/// The topics of `logs`' events after each one's first.
fn later_topics(logs: &[Log]) -> impl Iterator<Item = B256> + '_ {
    logs.iter()
        .flat_map(|log| log.topics().iter().skip(1).copied())
}

/// Completes the blooms of `receipts[i]` for each `i` of `pairs_only` (each made by
/// [`BloomMemo::pair_bloom`]): adds the topics of their events after the first, all of them
/// hashed together ([`keccak256_words_remembered`]).
pub fn add_later_topics(receipts: &mut [Receipt], pairs_only: &[usize]) {
    let words: Vec<B256> = pairs_only
        .iter()
        .flat_map(|&i| later_topics(&receipts[i].logs))
        .collect();
    let mut hashes = Vec::with_capacity(words.len());
    keccak256_words_remembered(&words, &mut hashes);
    let mut hashes = hashes.iter();
    for &i in pairs_only {
        let receipt = &mut receipts[i];
        for log in &receipt.logs {
            for hash in hashes.by_ref().take(log.topics().len().saturating_sub(1)) {
                receipt.bloom.m3_2048_hashed(hash);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::logs_bloom;
    use revm::primitives::{Bytes, LogData};

    fn log(address: u8, topics: &[u8]) -> Log {
        Log {
            address: Address::repeat_byte(address),
            data: LogData::new_unchecked(
                topics.iter().map(|t| B256::repeat_byte(*t)).collect(),
                Bytes::new(),
            ),
        }
    }

    #[test]
    fn prepared_blooms_completed_give_the_plain_bloom() {
        let mut memo = BloomMemo::default();
        // 260 later topics: hashed as the receipt's own batch.
        let mint: Vec<Log> = (0..130u8).map(|id| log(3, &[9, 0, id])).collect();
        let blocks = [
            vec![log(1, &[7, 8, 9])],
            vec![log(1, &[7, 3]), log(2, &[]), log(1, &[7, 8, 9])],
            mint,
            vec![log(2, &[7]), log(1, &[8, 7, 7, 5])],
            vec![],
        ];
        let mut pairs_only = Vec::new();
        let mut receipts: Vec<Receipt> = blocks
            .iter()
            .cycle()
            .take(15)
            .enumerate()
            .map(|(i, logs)| {
                let bloom = match memo.prepare(logs) {
                    PreparedBloom::Pairs(bloom) => {
                        pairs_only.push(i);
                        bloom
                    }
                    PreparedBloom::Whole(bloom) => bloom,
                };
                Receipt::with_bloom(2, true, 0, logs.clone(), bloom)
            })
            .collect();
        assert_eq!(pairs_only.len(), 12);
        add_later_topics(&mut receipts, &pairs_only);
        for receipt in &receipts {
            assert_eq!(receipt.bloom, logs_bloom(&receipt.logs));
        }
        assert_eq!(memo.pairs.len(), 5);
    }
}
