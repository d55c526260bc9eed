//! The lowest transaction that ever began writing each location of a block, kept per hashed
//! bucket without a lock, so that validation can skip re-reading what no earlier transaction
//! wrote.
//!
//! Invariant: a writer is noted before its entry enters the multi-version memory, and a
//! bucket's value only decreases during a block (locations sharing a bucket only make it
//! lower). So while a bucket holds a value of at least `txn`, no transaction below `txn` has
//! begun writing any location of that bucket: a read by `txn` resolved to the value before the
//! block, and a new read would again.

use super::location::{Location, TxIdx};
use std::sync::atomic::{AtomicU32, Ordering};

/// A bucket no transaction wrote.
const NONE: u32 = u32::MAX;
/// Buckets per transaction: few enough to clear quickly, enough that most locations have a
/// bucket of their own.
const BUCKETS_PER_TX: usize = 16;

/// Per bucket of location hashes: the lowest transaction index that wrote there.
#[derive(Debug, Default)]
pub struct LowestWriters {
    buckets: Box<[AtomicU32]>,
}

impl LowestWriters {
    /// Sizes the buckets for a block of `txs` transactions. A memory only changes size here,
    /// and a new one starts clear; [`Self::clear`] clears a reused one.
    pub fn fit(&mut self, txs: usize) {
        let wanted = (txs.max(64) * BUCKETS_PER_TX).next_power_of_two();
        if self.buckets.len() != wanted {
            self.buckets = (0..wanted).map(|_| AtomicU32::new(NONE)).collect();
        }
    }

    /// Forgets every writer.
    pub fn clear(&mut self) {
        for bucket in self.buckets.iter_mut() {
            *bucket.get_mut() = NONE;
        }
    }

    fn bucket(&self, location: &Location) -> Option<&AtomicU32> {
        let mask = self.buckets.len().checked_sub(1)?;
        self.buckets.get(location.table_hash() as usize & mask)
    }

    /// Starts bringing `location`'s bucket into the cache.
    pub fn prefetch(&self, location: &Location) {
        if let Some(bucket) = self.bucket(location) {
            super::prefetch::prefetch(bucket);
        }
    }

    /// Notes that `txn` is about to write `location`.
    pub fn note(&self, location: &Location, txn: TxIdx) {
        // Indexes past `u32` saturate: they are never below a reader that can skip (see
        // `none_below`), so they need no exact value.
        let txn = u32::try_from(txn).unwrap_or(NONE - 1).min(NONE - 1);
        if let Some(bucket) = self.bucket(location) {
            if bucket.load(Ordering::SeqCst) > txn {
                bucket.fetch_min(txn, Ordering::SeqCst);
            }
        }
    }

    /// Whether no transaction below `txn` ever began writing `location` (`false` when unsure).
    pub fn none_below(&self, location: &Location, txn: TxIdx) -> bool {
        match (self.bucket(location), u32::try_from(txn)) {
            (Some(bucket), Ok(txn)) if txn < NONE - 1 => bucket.load(Ordering::SeqCst) >= txn,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Address, U256};

    #[test]
    fn only_writers_below_the_reader_count() {
        let mut writers = LowestWriters::default();
        let slot = Location::Storage(Address::repeat_byte(1), U256::from(5));
        assert!(!writers.none_below(&slot, 0), "an unsized memory is unsure");
        writers.fit(10);
        assert!(writers.none_below(&slot, 7));
        writers.note(&slot, 7);
        assert!(
            writers.none_below(&slot, 7),
            "its own write is not below the reader"
        );
        assert!(!writers.none_below(&slot, 8));
        writers.note(&slot, 3);
        writers.note(&slot, 9);
        assert!(writers.none_below(&slot, 3));
        assert!(!writers.none_below(&slot, 4));
        writers.clear();
        assert!(writers.none_below(&slot, 9));
    }

    #[test]
    fn indexes_past_u32_are_never_skipped() {
        let mut writers = LowestWriters::default();
        writers.fit(1);
        let account = Location::Account(Address::repeat_byte(2));
        let huge = u32::MAX as usize + 5;
        assert!(!writers.none_below(&account, huge));
        writers.note(&account, huge);
        assert!(writers.none_below(&account, 1_000));
    }
}
