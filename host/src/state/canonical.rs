//! Raw state changes (what a strategy recorded) into the canonical form a block returns.
//!
//! Canonical form, the same whichever strategy ran: an account appears only if its value, its
//! storage or its existence changed; a removed account has `info: None`, `storage_cleared` and
//! no slots; an account that existed before and whose storage was wiped (self-destruct and
//! re-creation) has `storage_cleared` and its non-zero slots; otherwise `storage` holds the
//! slots whose value differs from the pre-block value. `codes` holds the code of every account
//! whose code hash changed.

use super::DbError;
use crate::output::{AccountChange, AccountState, StateChanges};
use revm::bytecode::Bytecode;
use revm::database_interface::DatabaseRef;
use revm::primitives::{Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::AccountInfo;
use std::collections::BTreeMap;

/// Applies `later` on top of `earlier` (both raw): a later wipe discards earlier slots.
pub fn overlay(earlier: &mut StateChanges, later: StateChanges) {
    if earlier.accounts.is_empty() && earlier.codes.is_empty() {
        *earlier = later;
        return;
    }
    earlier.codes.extend(later.codes);
    for (address, change) in later.accounts {
        match earlier.accounts.get_mut(&address) {
            Some(existing) if !change.storage_cleared => {
                existing.info = change.info;
                existing.storage.extend(change.storage);
            }
            _ => {
                earlier.accounts.insert(address, change);
            }
        }
    }
}

/// The pre-block values canonicalization compares with.
pub trait Originals {
    /// The account before the block.
    fn original_account(&self, address: Address) -> Result<Option<AccountState>, DbError>;
    /// The slot before the block.
    fn original_slot(&self, address: Address, slot: U256) -> Result<U256, DbError>;
}

/// A pre-state read directly.
pub struct FromDb<'a, DB>(pub &'a DB);

impl<DB: DatabaseRef> Originals for FromDb<'_, DB> {
    fn original_account(&self, address: Address) -> Result<Option<AccountState>, DbError> {
        self.0
            .basic_ref(address)
            .map(|i| i.map(AccountState::from))
            .map_err(|e| DbError(e.to_string()))
    }

    fn original_slot(&self, address: Address, slot: U256) -> Result<U256, DbError> {
        self.0
            .storage_ref(address, slot)
            .map_err(|e| DbError(e.to_string()))
    }
}

/// Turns raw changes into the canonical form, comparing with the pre-block values `db`.
pub fn canonicalize(raw: StateChanges, db: &dyn Originals) -> Result<StateChanges, DbError> {
    let mut accounts = Vec::with_capacity(raw.accounts.len());
    let mut codes = BTreeMap::new();
    for (address, change) in raw.accounts {
        if let Some((change, code_changed)) = canonical_account(address, change, db)? {
            if let (true, Some(info)) = (code_changed, change.info) {
                if let Some(code) = raw.codes.get(&info.code_hash) {
                    codes.insert(info.code_hash, code.clone());
                }
            }
            accounts.push((address, change));
        }
    }
    Ok(StateChanges {
        accounts: sorted_accounts(accounts),
        codes,
    })
}

/// The canonical form of one account's raw change against the pre-block state `db`, and
/// whether its code hash changed (its code then belongs in the output); `None` when the
/// account ends as it began.
pub fn canonical_account(
    address: Address,
    change: AccountChange,
    db: &dyn Originals,
) -> Result<Option<(AccountChange, bool)>, DbError> {
    let original = db.original_account(address)?;
    canonical_change(change, original, |slot| db.original_slot(address, slot))
}

/// [`canonical_account`] with the original account given and the original slots looked up by
/// `original_slot`.
pub fn canonical_change(
    mut change: AccountChange,
    original: Option<AccountState>,
    mut original_slot: impl FnMut(U256) -> Result<U256, DbError>,
) -> Result<Option<(AccountChange, bool)>, DbError> {
    if change.info.is_some() {
        let wiped = storage_wiped(&change, original);
        let mut failure = None;
        change.storage.retain(|slot, value| {
            match slot_changed(*value, wiped, || original_slot(*slot)) {
                Ok(changed) => changed,
                Err(e) => {
                    failure.get_or_insert(e);
                    true
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
    }
    Ok(canonical_with_changed_slots(change, original))
}

/// Whether an account's storage before the block counts as empty for its change: wiped by
/// the block, or the account did not exist.
pub fn storage_wiped(change: &AccountChange, original: Option<AccountState>) -> bool {
    change.storage_cleared || original.is_none()
}

/// Whether a slot the block wrote to `value` changed: against zero when the account's storage
/// counts as empty ([`storage_wiped`]), else against its value before the block, `before()`.
pub fn slot_changed<E>(
    value: U256,
    wiped: bool,
    before: impl FnOnce() -> Result<U256, E>,
) -> Result<bool, E> {
    let before = if wiped { U256::ZERO } else { before()? };
    Ok(value != before)
}

/// [`canonical_change`] for a change whose `storage` already holds only the slots that differ
/// from their value before the block (zero for a wiped or new account).
pub fn canonical_with_changed_slots(
    mut change: AccountChange,
    original: Option<AccountState>,
) -> Option<(AccountChange, bool)> {
    let Some(info) = change.info else {
        let removed = AccountChange {
            info: None,
            storage_cleared: true,
            storage: BTreeMap::new(),
        };
        return original.is_some().then_some((removed, false));
    };
    change.storage_cleared &= original.is_some();
    let original_code = original.as_ref().map_or(KECCAK_EMPTY, |o| o.code_hash);
    let unchanged = original.as_ref().is_some_and(|o| {
        o.balance == info.balance && o.nonce == info.nonce && o.code_hash == info.code_hash
    });
    if unchanged && !change.storage_cleared && change.storage.is_empty() {
        return None;
    }
    let code_changed = info.code_hash != original_code && info.code_hash != KECCAK_EMPTY;
    Some((change, code_changed))
}

/// A key that orders addresses exactly as `Address`'s own `Ord` does (big-endian bytes), as two
/// integers: comparing them is a few instructions instead of a 20-byte `memcmp` call.
pub fn address_order_key(address: &Address) -> (u128, u32) {
    let bytes = address.0 .0;
    let mut high = [0u8; 16];
    let mut low = [0u8; 4];
    high.copy_from_slice(&bytes[..16]);
    low.copy_from_slice(&bytes[16..]);
    (u128::from_be_bytes(high), u32::from_be_bytes(low))
}

/// A key that orders slots exactly as `U256`'s own `Ord` does: the limbs, most significant
/// first, compared as an array.
pub fn slot_order_key(slot: &U256) -> [u64; 4] {
    let [a, b, c, d] = *slot.as_limbs();
    [d, c, b, a]
}

/// Orders slots by key: sorted on integer keys first, so the map's own sort finds one run.
pub fn sorted_slots(mut slots: Vec<(U256, U256)>) -> BTreeMap<U256, U256> {
    slots.sort_unstable_by_key(|(key, _)| slot_order_key(key));
    slots.into_iter().collect()
}

/// Orders accounts by address; the map is built from the sorted vector without sorting again.
pub fn sorted_accounts(
    mut accounts: Vec<(Address, AccountChange)>,
) -> BTreeMap<Address, AccountChange> {
    // The order is found on integer keys, then each account is moved at most twice.
    let mut order: Vec<((u128, u32), usize)> = accounts
        .iter()
        .enumerate()
        .map(|(i, (a, _))| (address_order_key(a), i))
        .collect();
    order.sort_unstable();
    // Position k receives the account at order[k]: follow each cycle of the permutation once.
    let mut placed = vec![false; accounts.len()];
    for start in 0..accounts.len() {
        let mut current = start;
        while !placed[current] {
            placed[current] = true;
            let next = order[current].1;
            if next == start {
                break;
            }
            accounts.swap(current, next);
            current = next;
        }
    }
    accounts.into_iter().collect()
}

/// Re-canonicalizes the accounts `raw` touches after `changes` (already canonical) was built:
/// a few accounts changed by a later phase (withdrawals, rewards).
pub fn overlay_canonical(
    changes: &mut StateChanges,
    raw: StateChanges,
    db: &dyn Originals,
) -> Result<(), DbError> {
    if raw.accounts.is_empty() {
        return Ok(());
    }
    let mut subset = StateChanges {
        accounts: raw
            .accounts
            .keys()
            .filter_map(|a| changes.accounts.remove(a).map(|c| (*a, c)))
            .collect(),
        codes: changes.codes.clone(),
    };
    overlay(&mut subset, raw);
    let fixed = canonicalize(subset, db)?;
    changes.accounts.extend(fixed.accounts);
    changes.codes.extend(fixed.codes);
    Ok(())
}

/// A pre-state with raw changes applied on top, read-only (the state after part of a block).
pub struct ChangesOverlay<'a, DB> {
    /// The pre-state.
    pub db: &'a DB,
    /// Raw changes on top of it.
    pub changes: &'a StateChanges,
}

impl<DB: DatabaseRef> DatabaseRef for ChangesOverlay<'_, DB> {
    type Error = DbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        match self.changes.accounts.get(&address) {
            Some(change) => Ok(change.info.map(|s| AccountInfo {
                balance: s.balance,
                nonce: s.nonce,
                code_hash: s.code_hash,
                code: self.changes.codes.get(&s.code_hash).cloned(),
                ..AccountInfo::default()
            })),
            None => self
                .db
                .basic_ref(address)
                .map_err(|e| DbError(e.to_string())),
        }
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, DbError> {
        match self.changes.codes.get(&code_hash) {
            Some(code) => Ok(code.clone()),
            None => self
                .db
                .code_by_hash_ref(code_hash)
                .map_err(|e| DbError(e.to_string())),
        }
    }

    fn storage_ref(&self, address: Address, index: StorageKey) -> Result<StorageValue, DbError> {
        if let Some(change) = self.changes.accounts.get(&address) {
            if let Some(value) = change.storage.get(&index) {
                return Ok(*value);
            }
            if change.storage_cleared || change.info.is_none() {
                return Ok(U256::ZERO);
            }
        }
        self.db
            .storage_ref(address, index)
            .map_err(|e| DbError(e.to_string()))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, DbError> {
        self.db
            .block_hash_ref(number)
            .map_err(|e| DbError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_order_key_orders_as_addresses_do() {
        let mut addresses: Vec<Address> = (0u64..500)
            .map(|i| {
                let mut bytes = [0u8; 20];
                let mix = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                bytes[(i % 20) as usize] = mix as u8;
                bytes[19 - (i % 7) as usize] = (mix >> 8) as u8;
                bytes[0] = (i % 3) as u8;
                Address::from(bytes)
            })
            .collect();
        let mut by_key = addresses.clone();
        addresses.sort();
        by_key.sort_by_key(address_order_key);
        assert_eq!(addresses, by_key);
    }

    #[test]
    fn slot_order_key_orders_as_u256_does() {
        let values: Vec<U256> = (0u64..64)
            .map(|i| {
                let limb = |k: u64| {
                    (i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left((k * 17) as u32) % 3
                };
                U256::from_limbs([limb(0), limb(1), limb(2), limb(3)])
            })
            .collect();
        for a in &values {
            for b in &values {
                assert_eq!(slot_order_key(a).cmp(&slot_order_key(b)), a.cmp(b));
            }
        }
    }

    #[test]
    fn sorted_accounts_keeps_every_account_with_its_change() {
        let accounts: Vec<(Address, AccountChange)> = (0u64..300)
            .map(|i| {
                let address = Address::left_padding_from(&(i * 7919 % 1000).to_be_bytes());
                let change = AccountChange {
                    info: Some(AccountState {
                        balance: U256::from(i),
                        nonce: i,
                        code_hash: KECCAK_EMPTY,
                    }),
                    ..AccountChange::default()
                };
                (address, change)
            })
            .collect();
        let expected: BTreeMap<Address, AccountChange> = accounts.iter().cloned().collect();
        assert_eq!(sorted_accounts(accounts), expected);
    }
}
