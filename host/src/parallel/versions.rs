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

    /// Removes `txn`'s entry, if any.
    pub fn remove(&mut self, txn: TxIdx) {
        if let Ok(i) = self.position(txn) {
            self.items.remove(i);
        }
    }

    /// How many entries are of transactions below `txn`. Readers mostly come after every
    /// writer so far: the last entry is checked before searching.
    fn count_below(&self, txn: TxIdx) -> usize {
        match self.items.last() {
            Some((last, _)) if *last < txn => self.items.len(),
            _ => self.items.partition_point(|(k, _)| *k < txn),
        }
    }

    /// Entries of transactions below `txn`, in order.
    pub fn below(&self, txn: TxIdx) -> impl DoubleEndedIterator<Item = (&TxIdx, &E)> {
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
    }
}
