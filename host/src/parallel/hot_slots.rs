//! Storage slots whose reads failed validation in this block: the only slots a tracked
//! incarnation follows (see [`super::slot_taint`]). Following every slot it loads would make
//! a complex transaction's whole execution slower; the slots that conflict are few (a token's
//! balance of a busy deposit address, a pool's reserves).
//!
//! A fixed bitmap of location hashes: a false positive only follows one more slot.

use super::location::Location;
use revm::primitives::{Address, U256};
use std::sync::atomic::{AtomicU64, Ordering};

const WORDS: usize = 16;

/// The block's conflicting slots, by hash.
#[derive(Debug, Default)]
pub struct HotSlots {
    bits: [AtomicU64; WORDS],
}

fn bit(address: Address, key: U256) -> (usize, u64) {
    let hash = Location::Storage(address, key).table_hash();
    let index = (hash >> 20) as usize % (WORDS * 64);
    (index / 64, 1 << (index % 64))
}

impl HotSlots {
    /// Notes that a read of `key` in `address`'s storage failed validation.
    pub fn mark(&self, address: Address, key: U256) {
        let (word, mask) = bit(address, key);
        if self.bits[word].load(Ordering::Relaxed) & mask == 0 {
            self.bits[word].fetch_or(mask, Ordering::Relaxed);
        }
    }

    /// Whether a read of the slot failed validation (or one of the same hash did).
    pub fn contains(&self, address: Address, key: U256) -> bool {
        let (word, mask) = bit(address, key);
        self.bits[word].load(Ordering::Relaxed) & mask != 0
    }

    /// Forgets every slot (for the next block).
    pub fn clear(&mut self) {
        self.bits.iter_mut().for_each(|w| *w.get_mut() = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_marked_slots_are_hot() {
        let mut hot = HotSlots::default();
        let token = Address::repeat_byte(1);
        hot.mark(token, U256::from(5));
        assert!(hot.contains(token, U256::from(5)));
        let others = (0..200u64).filter(|k| *k != 5);
        let false_positives = others
            .filter(|k| hot.contains(token, U256::from(*k)))
            .count();
        assert!(false_positives <= 2, "{false_positives} of 199");
        hot.clear();
        assert!(!hot.contains(token, U256::from(5)));
    }
}
