//! A value alone on its cache lines.
//!
//! Lanes work on neighbouring transactions at the same time; per-transaction state packed
//! densely would put two lanes' locks on one cache line, which then moves between cores on
//! every access. 128 bytes covers the adjacent-line prefetcher as well.

use std::ops::{Deref, DerefMut};

/// `T`, aligned (and so padded) to 128 bytes.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Padded<T>(pub T);

impl<T> Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Padded<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}
