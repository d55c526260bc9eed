//! One shard's slots of the multi-version memory: stored one after another in the order they
//! were first written or read, and found through an index of their positions.
//!
//! A slot (a location, its versions and its value before the block) takes 240 bytes. Kept
//! inline in a hash table, every lookup missed the cache twice, on the table's control bytes
//! and on the slot, and the table's spare buckets (an eighth to a half) spread the slots thin.
//! The index holds 4-byte positions: the indexes of all shards fit in a core's L2 cache, and the
//! slots lie densely, which the final extraction walks in order.
//!
//! Invariant: every position in the index is below `slots.len()`, and the slot at a position
//! never moves to another position until [`SlotTable::clear`].

use super::location::Location;
use super::mv_memory::Slot;
use hashbrown::HashTable;

/// The slots of one shard.
#[derive(Debug, Default)]
pub struct SlotTable {
    index: HashTable<u32>,
    slots: Vec<Slot>,
}

impl SlotTable {
    /// Room for `additional` more slots without growing.
    pub fn reserve(&mut self, additional: usize) {
        let Self { index, slots } = self;
        index.reserve(additional, |at| slots[*at as usize].location.table_hash());
        slots.reserve(additional);
    }

    /// Removes every slot, keeping the capacity.
    pub fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
    }

    /// How many slots fit without growing.
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// How many slots there are.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slots, in the order they were added.
    pub fn iter(&self) -> std::slice::Iter<'_, Slot> {
        self.slots.iter()
    }

    /// The slot of `location`, whose [`Location::table_hash`] is `hash`, if it exists.
    pub fn find_mut(&mut self, hash: u64, location: Location) -> Option<&mut Slot> {
        let Self { index, slots } = self;
        let at = *index.find(hash, |at| slots[*at as usize].location == location)?;
        Some(&mut slots[at as usize])
    }

    /// The slot of `location`, whose [`Location::table_hash`] is `hash`, added empty if new.
    pub fn get_or_insert(&mut self, hash: u64, location: Location) -> &mut Slot {
        let Self { index, slots } = self;
        let entry = index.entry(
            hash,
            |at| slots[*at as usize].location == location,
            |at| slots[*at as usize].location.table_hash(),
        );
        let at = match entry {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get() as usize,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let at = slots.len();
                let position = u32::try_from(at).expect("a shard holds fewer than 2^32 slots");
                slots.push(Slot::new(location));
                vacant.insert(position);
                at
            }
        };
        &mut slots[at]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::primitives::{Address, U256};

    #[test]
    fn finds_every_slot_it_added_and_nothing_else_through_growth_and_clearing() {
        let mut table = SlotTable::default();
        let location = |i: u64| Location::Storage(Address::repeat_byte(3), U256::from(i));
        for round in 0..2 {
            for i in 0..500 {
                let l = location(i);
                table.get_or_insert(l.table_hash(), l).original =
                    super::super::mv_memory::Original::Storage(U256::from(i));
            }
            assert_eq!(table.len(), 500, "round {round}");
            for i in 0..500 {
                let l = location(i);
                let slot = table.find_mut(l.table_hash(), l).expect("added");
                assert_eq!(slot.location, l);
                // Asked again, the same slot comes back, not a new one.
                assert_eq!(table.get_or_insert(l.table_hash(), l).location, l);
            }
            assert_eq!(table.len(), 500);
            let absent = location(500);
            assert!(table.find_mut(absent.table_hash(), absent).is_none());
            let order: Vec<_> = table.iter().map(|s| s.location).collect();
            assert_eq!(order, (0..500).map(location).collect::<Vec<_>>());
            table.clear();
            assert_eq!(table.len(), 0);
            assert!(table.capacity() >= 500, "the capacity is kept");
        }
    }
}
