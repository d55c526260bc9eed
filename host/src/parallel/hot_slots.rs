//! Storage slots whose reads failed validation in this block: the only slots a tracked
//! incarnation follows (see [`super::slot_taint`]). Following every slot it loads would make
//! a complex transaction's whole execution slower; the slots that conflict are few (a token's
//! balance of a busy deposit address, a pool's reserves).
//!
//! A fixed bitmap of location hashes answers most asks; when a bit is set, the exact list of
//! the first [`EXACT`] slots marked decides. A false positive would not only follow one more
//! slot: when that slot's use escapes (a token checks a sender's balance through a deep
//! `DUP`), its contract's calls wait for the rest of the block. In a 2,000-transaction block
//! of deposits, about two senders' balances shared the deposit balance's bit, and the block
//! ran in line (564 waits).

use super::location::Location;
use revm::primitives::{Address, U256};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

const WORDS: usize = 16;
/// Slots kept exactly; past them, the bitmap alone answers.
const EXACT: usize = 32;

/// The block's conflicting slots.
///
/// Invariant: a slot's entry in the exact list is set before its bit, so an ask that finds
/// the bit set by that slot finds its entry too.
#[derive(Debug, Default)]
pub struct HotSlots {
    bits: [AtomicU64; WORDS],
    exact: [OnceLock<(Address, U256)>; EXACT],
    /// Slots marked so far (entries claimed in `exact`, past its end when it overflowed).
    marked: AtomicUsize,
}

fn bit(address: Address, key: U256) -> (usize, u64) {
    let hash = Location::Storage(address, key).table_hash();
    let index = (hash >> 20) as usize % (WORDS * 64);
    (index / 64, 1 << (index % 64))
}

impl HotSlots {
    /// Notes that a read of `key` in `address`'s storage failed validation.
    pub fn mark(&self, address: Address, key: U256) {
        if self.contains(address, key) {
            return;
        }
        let at = self.marked.fetch_add(1, Ordering::Relaxed);
        if let Some(entry) = self.exact.get(at) {
            let _ = entry.set((address, key));
        }
        let (word, mask) = bit(address, key);
        self.bits[word].fetch_or(mask, Ordering::Release);
    }

    /// Whether a read of the slot failed validation (or, once more than [`EXACT`] slots did,
    /// one of the same hash did).
    pub fn contains(&self, address: Address, key: U256) -> bool {
        let (word, mask) = bit(address, key);
        if self.bits[word].load(Ordering::Acquire) & mask == 0 {
            return false;
        }
        match self.marked.load(Ordering::Relaxed) {
            marked if marked > EXACT => true,
            marked => self.exact[..marked]
                .iter()
                .any(|entry| entry.get() == Some(&(address, key))),
        }
    }

    /// Forgets every slot (for the next block).
    pub fn clear(&mut self) {
        self.bits.iter_mut().for_each(|w| *w.get_mut() = 0);
        self.exact.iter_mut().for_each(|entry| {
            entry.take();
        });
        *self.marked.get_mut() = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_marked_slots_are_hot_even_when_they_share_a_bit() {
        let mut hot = HotSlots::default();
        let token = Address::repeat_byte(1);
        hot.mark(token, U256::from(5));
        assert!(hot.contains(token, U256::from(5)));
        let sharing = (6..100_000u64)
            .map(U256::from)
            .find(|k| bit(token, *k) == bit(token, U256::from(5)))
            .expect("1,024 bits: some key among 100,000 shares one");
        assert!(!hot.contains(token, sharing), "{sharing} shares the bit");
        assert!(!(0..5000u64).any(|k| k != 5 && hot.contains(token, U256::from(k))));
        hot.clear();
        assert!(!hot.contains(token, U256::from(5)));
    }

    #[test]
    fn past_the_exact_list_the_bitmap_answers() {
        let hot = HotSlots::default();
        let token = Address::repeat_byte(2);
        let keys: Vec<U256> = (0..EXACT as u64 + 8).map(U256::from).collect();
        for key in &keys {
            hot.mark(token, *key);
            hot.mark(token, *key);
        }
        assert!(keys.iter().all(|key| hot.contains(token, *key)));
        // Marking again added nothing while the list held them.
        assert!(hot.marked.load(Ordering::Relaxed) > EXACT);
        assert!(hot.marked.load(Ordering::Relaxed) <= keys.len());
    }
}
