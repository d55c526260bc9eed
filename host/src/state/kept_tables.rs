//! The overlay's two large tables, kept from block to block.
//!
//! A block of a few thousand transactions fills an account map and a change list of a few
//! megabytes. Allocated afresh, every page of them costs the operating system a page fault on
//! first touch, and is given back to it when the block's state is dropped: measured on the
//! 2-core machine, about a thousand faults per block of plain transfers, a quarter of its time.
//! Kept tables are cleared (their entries dropped) but keep their memory.

use super::overlay::{Changed, Entry};
use revm::primitives::AddressMap;
use std::sync::Mutex;

/// An account map and a change list, empty.
#[derive(Default)]
pub(super) struct Tables {
    pub accounts: AddressMap<Entry>,
    pub changed: Vec<Changed>,
}

/// Tables kept for later blocks: one pair per block executing at once is plenty.
struct Kept(Mutex<Vec<Tables>>);

const KEPT_MAX: usize = 2;
/// Tables above this many accounts are freed, not kept: one huge block does not pin its
/// memory for ever.
const KEPT_ACCOUNTS_MAX: usize = 1 << 16;

static KEPT: Kept = Kept(Mutex::new(Vec::new()));

impl Kept {
    fn tables(&self) -> std::sync::MutexGuard<'_, Vec<Tables>> {
        // Kept tables are always empty, so a panic elsewhere cannot leave them inconsistent.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, accounts: usize) -> Tables {
        let mut tables = self.tables().pop().unwrap_or_default();
        tables.accounts.reserve(accounts);
        tables.changed.reserve(accounts);
        tables
    }

    fn give_back(&self, mut tables: Tables) {
        let capacity = tables.accounts.capacity();
        if capacity == 0 || capacity > KEPT_ACCOUNTS_MAX {
            return;
        }
        tables.accounts.clear();
        tables.changed.clear();
        let mut kept = self.tables();
        if kept.len() < KEPT_MAX {
            kept.push(tables);
        }
    }
}

/// Empty tables with room for `accounts` accounts: kept ones when there are.
pub(super) fn take(accounts: usize) -> Tables {
    KEPT.take(accounts)
}

/// Clears `tables` and keeps them for a later block (or frees them when enough are kept).
pub(super) fn give_back(tables: Tables) {
    KEPT.give_back(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::Address;

    #[test]
    fn tables_come_back_empty_with_their_room() {
        let kept = Kept(Mutex::new(Vec::new()));
        let mut tables = kept.take(1000);
        assert!(tables.accounts.capacity() >= 1000);
        tables
            .accounts
            .insert(Address::repeat_byte(1), Entry::default());
        let room = tables.accounts.capacity();
        kept.give_back(tables);
        let again = kept.take(10);
        assert!(again.accounts.is_empty() && again.changed.is_empty());
        assert_eq!(again.accounts.capacity(), room);
        // At most `KEPT_MAX` are kept, and huge ones never.
        let many: Vec<Tables> = (0..KEPT_MAX + 1).map(|_| kept.take(1000)).collect();
        many.into_iter().for_each(|tables| kept.give_back(tables));
        kept.give_back(Tables {
            accounts: AddressMap::with_capacity_and_hasher(
                KEPT_ACCOUNTS_MAX + 1,
                Default::default(),
            ),
            changed: Vec::new(),
        });
        assert_eq!(kept.tables().len(), KEPT_MAX);
        assert!(kept
            .tables()
            .iter()
            .all(|t| t.accounts.capacity() <= KEPT_ACCOUNTS_MAX));
    }
}
