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

use crate::offload::keccak_memo::keccak256_words_remembered;
use crate::receipt::Receipt;
use alloy_primitives::map::HashMap;
use alloy_primitives::{Address, Bloom, B256};
use revm::primitives::Log;

/// Pairs kept at most; past it the memo starts again (a block rarely has that many events).
const CAPACITY: usize = 4096;

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
}

/// Completes blooms made by [`BloomMemo::pair_bloom`]: adds to each receipt's bloom the topics
/// of its events after the first, all of them hashed together ([`keccak256_words_remembered`]).
pub fn add_later_topics(receipts: &mut [Receipt]) {
    let words: Vec<B256> = receipts
        .iter()
        .flat_map(|receipt| &receipt.logs)
        .flat_map(|log| log.topics().iter().skip(1).copied())
        .collect();
    let mut hashes = Vec::with_capacity(words.len());
    keccak256_words_remembered(&words, &mut hashes);
    let mut hashes = hashes.iter();
    for receipt in receipts {
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
    fn pairs_then_later_topics_give_the_plain_bloom() {
        let mut memo = BloomMemo::default();
        let blocks = [
            vec![log(1, &[7, 8, 9])],
            vec![log(1, &[7, 3]), log(2, &[]), log(1, &[7, 8, 9])],
            vec![log(2, &[7]), log(1, &[8, 7, 7, 5])],
            vec![],
        ];
        let mut receipts: Vec<Receipt> = blocks
            .iter()
            .cycle()
            .take(12)
            .map(|logs| Receipt::with_bloom(2, true, 0, logs.clone(), memo.pair_bloom(logs)))
            .collect();
        add_later_topics(&mut receipts);
        for receipt in &receipts {
            assert_eq!(receipt.bloom, logs_bloom(&receipt.logs));
        }
        assert_eq!(memo.pairs.len(), 4);
    }
}
