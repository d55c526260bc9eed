//! A lane's own copies of contract accounts as they were before the block, for contracts no
//! earlier transaction writes.
//!
//! Every transaction of a hot contract loads its account (a token, a pool), and the block
//! rarely changes it. Read through the multi-version memory, each load takes its table's lock,
//! which the other lane took last: the lock's cache line crosses between cores every time. A
//! lane keeps the accounts with code it read and answers again from its copy while
//! [`MvMemory::unwritten_below`] still holds for the reader. Accounts without code (senders,
//! recipients) are read once or twice a block: copying them would only cost.
//!
//! Invariant: a copy is the account's value before the block. It is kept only when no
//! transaction below the reader had begun writing the account after the read (writers are
//! noted before their entries exist, and the noted lowest writer only decreases), so the read
//! resolved to the value before the block.
//!
//! The lane also keeps the slots its transactions read from the base state and did not write
//! (a proxy's implementation slot, a token's settings), so that each is read from the database
//! once per lane rather than once per transaction. Slots a transaction writes (balances) are
//! rarely read by another: keeping them would only cost. Such a copy is served under the same
//! rule, by the lane's database, only while nothing below the reader began writing the slot or
//! wiping its account.

use super::location::{Location, TxIdx};
use super::mv_memory::MvMemory;
use crate::output::AccountState;
use revm::primitives::{Address, AddressMap, HashMap, KECCAK_EMPTY, U256};

/// Contract accounts kept by one lane for one block.
#[derive(Default)]
pub struct LaneOriginals {
    contracts: AddressMap<AccountState>,
    /// Slots read from the base state (values before the block) and not written by their reader.
    slots: HashMap<(Address, U256), U256>,
}

impl LaneOriginals {
    /// The account `address` before the block, when this lane has a copy and no transaction
    /// below `txn` has begun writing it.
    pub fn get(&self, mv: &MvMemory, address: Address, txn: TxIdx) -> Option<AccountState> {
        let account = self.contracts.get(&address)?;
        mv.unwritten_below(&Location::Account(address), txn)
            .then_some(*account)
    }

    /// Keeps `account`, just read by `txn` through `mv`, if it has code and is the account's
    /// value before the block.
    pub fn keep(&mut self, mv: &MvMemory, address: Address, txn: TxIdx, account: AccountState) {
        if account.code_hash != KECCAK_EMPTY && mv.unwritten_below(&Location::Account(address), txn)
        {
            self.contracts.insert(address, account);
        }
    }

    /// The value before the block of slot `key` of `address`, when this lane kept it. The
    /// caller serves it only where a read would fall through to the base state.
    pub fn slot(&self, address: Address, key: U256) -> Option<U256> {
        self.slots.get(&(address, key)).copied()
    }

    /// Keeps `value`, read from the base state, as slot `key` of `address` before the block.
    pub fn keep_slot(&mut self, address: Address, key: U256, value: U256) {
        self.slots.insert((address, key), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::location::Written;
    use revm::primitives::hardfork::SpecId;
    use revm::primitives::{B256, U256};

    fn account(code_hash: B256) -> AccountState {
        AccountState {
            balance: U256::from(3),
            nonce: 1,
            code_hash,
        }
    }

    #[test]
    fn copies_serve_only_contracts_that_nothing_below_wrote() {
        let (token, sender) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let contract = account(B256::repeat_byte(9));
        let memory = MvMemory::take(8, SpecId::CANCUN, Address::ZERO);
        let mut originals = LaneOriginals::default();
        originals.keep(&memory, sender, 3, account(KECCAK_EMPTY));
        assert_eq!(originals.get(&memory, sender, 3), None, "no code: not kept");
        originals.keep(&memory, token, 3, contract);
        assert_eq!(originals.get(&memory, token, 5), Some(contract));
        // Transaction 4 writes the token: readers above it go through the memory again, the
        // ones below keep the copy.
        let written = Written::Account(Some(account(B256::repeat_byte(9))));
        memory.record(
            4,
            &mut Vec::new(),
            &mut vec![(Location::Account(token), written)],
        );
        assert_eq!(originals.get(&memory, token, 5), None);
        assert_eq!(originals.get(&memory, token, 4), Some(contract));
        // A value read after a write below it is not the value before the block: not kept.
        let mut fresh = LaneOriginals::default();
        fresh.keep(&memory, token, 6, contract);
        assert_eq!(fresh.get(&memory, token, 2), None);
        memory.recycle();
    }
}
