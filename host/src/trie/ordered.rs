//! Root of a trie keyed by RLP-encoded list index (transactions, receipts).

use super::{CpuKeccak, TrieForest};
use alloy_rlp::Encodable;
use revm::primitives::B256;

/// Root of the trie mapping `rlp(i)` to `items[i]`.
pub fn ordered_trie_root<T: AsRef<[u8]>>(items: &[T]) -> B256 {
    let mut pairs: Vec<(Vec<u8>, &[u8])> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut key = Vec::new();
            i.encode(&mut key);
            (key, item.as_ref())
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut forest = TrieForest::new();
    forest.add_trie(&pairs);
    forest.roots(&CpuKeccak)[0]
}
