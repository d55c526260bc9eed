//! Per-block structures kept from block to block, so that a block in steady state allocates
//! and first-touches none of them on its way in.

use super::mv_memory::lock;
use std::sync::Mutex;

/// At most this many values are kept per kind: one per block executing at once is plenty.
const KEPT_MAX: usize = 2;

/// Values of one kind given back by finished blocks, cleared and ready for the next.
pub(super) struct Kept<T>(Mutex<Vec<T>>);

impl<T> Kept<T> {
    /// An empty store (for a `static`).
    pub const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    /// A kept value, if there is one.
    pub fn take(&self) -> Option<T> {
        lock(&self.0).pop()
    }

    /// Keeps `value` (cleared by the caller) for a later block, or drops it when enough are
    /// kept.
    pub fn keep(&self, value: T) {
        let mut kept = lock(&self.0);
        if kept.len() < KEPT_MAX {
            kept.push(value);
        }
    }
}

/// Sizes a kept per-transaction vector for a block of `txs` transactions, new entries default;
/// a huge block's capacity is not kept for ever.
pub(super) fn fit<T: Default>(values: &mut Vec<T>, txs: usize) {
    values.resize_with(txs, Default::default);
    values.shrink_to(4 * txs.max(1024));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_the_maximum_and_gives_them_back() {
        let kept = Kept::new();
        for value in 0..KEPT_MAX + 3 {
            kept.keep(value);
        }
        let back: Vec<usize> = std::iter::from_fn(|| kept.take()).collect();
        assert_eq!(back.len(), KEPT_MAX);
        assert!(kept.take().is_none());
    }

    #[test]
    fn fitting_sizes_to_the_block_and_drops_a_huge_capacity() {
        let mut values = vec![7u8; 3];
        fit(&mut values, 5);
        assert_eq!(values, [7, 7, 7, 0, 0]);
        fit(&mut values, 2);
        assert_eq!(values, [7, 7]);
        let mut huge: Vec<u8> = Vec::with_capacity(1 << 20);
        fit(&mut huge, 10);
        assert!(huge.len() == 10 && huge.capacity() < 1 << 20);
    }
}
