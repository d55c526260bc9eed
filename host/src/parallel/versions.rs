//! The versions of one location: entries ordered by transaction index in a sorted vector.
//!
//! Most locations are written by one transaction, so the first entry lives inline (no
//! allocation) and the rest in a sorted vector, far smaller and faster than a tree; lanes write
//! roughly in block order, so inserts are mostly appends.

use super::location::TxIdx;
use smallvec::SmallVec;

/// Entries keyed by transaction index, kept sorted.
#[derive(Debug, Clone)]
pub struct VersionList<E> {
    items: SmallVec<[(TxIdx, E); 1]>,
}

impl<E> Default for VersionList<E> {
    fn default() -> Self {
        Self {
            items: SmallVec::new(),
        }
    }
}

impl<E> VersionList<E> {
    /// `Ok` with `txn`'s index if it has an entry, else `Err` with where its entry would go.
    fn position(&self, txn: TxIdx) -> Result<usize, usize> {
        let i = self.count_below(txn);
        match self.items.get(i) {
            Some((k, _)) if *k == txn => Ok(i),
            _ => Err(i),
        }
    }

    /// Sets `txn`'s entry.
    pub fn insert(&mut self, txn: TxIdx, entry: E) {
        match self.position(txn) {
            Ok(i) => self.items[i].1 = entry,
            Err(i) => self.items.insert(i, (txn, entry)),
        }
    }

    /// `txn`'s entry, if any.
    pub fn get(&self, txn: TxIdx) -> Option<&E> {
        self.position(txn).ok().map(|i| &self.items[i].1)
    }

    /// Removes `txn`'s entry, if any.
    pub fn remove(&mut self, txn: TxIdx) {
        if let Ok(i) = self.position(txn) {
            self.items.remove(i);
        }
    }

    /// How many entries are of transactions below `txn`. Readers mostly come after every
    /// writer so far, or a few writers before the last (a validation shortly after its
    /// execution): the last entries are looked at one by one before searching the rest. A
    /// search of a busy location's list (a pool's reserves: one entry per swap on the pool)
    /// touches a cache line at every step, lines the other lane is writing.
    fn count_below(&self, txn: TxIdx) -> usize {
        const NEAR_END: usize = 8;
        let rest = self.items.len().saturating_sub(NEAR_END);
        match self.items[rest..].iter().rposition(|(k, _)| *k < txn) {
            Some(i) => rest + i + 1,
            None => self.items[..rest].partition_point(|(k, _)| *k < txn),
        }
    }

    /// Entries of transactions below `txn`, in order.
    pub fn below(
        &self,
        txn: TxIdx,
    ) -> impl DoubleEndedIterator<Item = (&TxIdx, &E)> + ExactSizeIterator {
        self.items[..self.count_below(txn)]
            .iter()
            .map(|(k, e)| (k, e))
    }

    /// Entries of transactions from `txn` on, in order.
    pub fn from(&self, txn: TxIdx) -> impl DoubleEndedIterator<Item = (&TxIdx, &E)> {
        self.items[self.count_below(txn)..]
            .iter()
            .map(|(k, e)| (k, e))
    }

    /// All entries, in order.
    #[cfg(test)]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&TxIdx, &E)> {
        self.items.iter().map(|(k, e)| (k, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_sorted_under_any_insert_order() {
        let mut list = VersionList::default();
        for txn in [5, 1, 9, 3, 9, 0] {
            list.insert(txn, txn * 10);
        }
        list.remove(3);
        let all: Vec<_> = list.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(all, [(0, 0), (1, 10), (5, 50), (9, 90)]);
        assert_eq!(list.below(5).map(|(k, _)| *k).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(list.from(5).map(|(k, _)| *k).collect::<Vec<_>>(), [5, 9]);
        assert_eq!(list.below(0).count(), 0);
        assert_eq!((list.get(5), list.get(3)), (Some(&50), None));
    }

    #[test]
    fn long_lists_split_where_a_full_search_would() {
        // Every third transaction wrote: readers near the end, far from it, and past both ends.
        let mut list = VersionList::default();
        for txn in (0..90).step_by(3) {
            list.insert(txn, ());
        }
        for reader in 0..95 {
            let expected = (0..90).step_by(3).filter(|w| *w < reader).count();
            assert_eq!(list.below(reader).count(), expected, "reader {reader}");
            assert_eq!(list.from(reader).count(), 30 - expected, "reader {reader}");
        }
    }
}
