//! Logs blooms with the part that repeats remembered.
//!
//! A bloom costs a Keccak-256 of each log's address and of each topic. In a block, the same
//! contracts emit the same events again and again (a token's `Transfer`, a pool's `Swap`), so
//! the pair (address, first topic) repeats: its bloom bits are hashed once and remembered
//! (the address alone for events without topics). The other topics' hashes come from the
//! thread's Keccak memo ([`crate::offload::keccak_memo`]): an address in a topic (a pool, a
//! router) comes back too.

use crate::offload::keccak_memo::keccak256_remembered;
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
    /// The bloom filter of `logs`, equal to [`crate::receipt::logs_bloom`].
    pub fn logs_bloom(&mut self, logs: &[Log]) -> Bloom {
        let mut bloom = Bloom::ZERO;
        for log in logs {
            let (first, rest) = match log.topics().split_first() {
                Some((first, rest)) => (Some(*first), rest),
                None => (None, &[][..]),
            };
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
            for topic in rest {
                bloom.m3_2048_hashed(&B256::from(keccak256_remembered(topic.as_slice())));
            }
        }
        bloom
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
    fn remembered_pairs_give_the_plain_bloom() {
        let mut memo = BloomMemo::default();
        let blocks = [
            vec![log(1, &[7, 8, 9])],
            vec![log(1, &[7, 3]), log(2, &[]), log(1, &[7, 8, 9])],
            vec![log(2, &[7]), log(1, &[8, 7])],
            vec![],
        ];
        for logs in blocks.iter().cycle().take(12) {
            assert_eq!(memo.logs_bloom(logs), logs_bloom(logs));
        }
        assert_eq!(memo.pairs.len(), 4);
    }
}
