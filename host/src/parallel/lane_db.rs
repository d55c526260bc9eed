//! The database a lane's revm reads through: the multi-version memory over the block's base
//! state, recording every read for validation.

use super::balance_uses::BalanceUses;
use super::delta::BalanceRange;
use super::lane_codes::LaneCodes;
use super::lane_originals::LaneOriginals;
use super::location::{Location, Observed, Read, TxIdx, Written};
use super::mv_memory::{BaseState, Blocked, MvMemory, Resolved};
use super::slot_hooks::{tracking_table, LaneInstruction, LaneTable};
use super::slot_taint::SlotTaint;
use crate::exec::transfer::{Candidate, Transferred};
use crate::output::AccountState;
use revm::bytecode::Bytecode;
use revm::database_interface::{DBErrorMarker, Database, DatabaseRef};
use revm::primitives::{Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, EvmState};

/// Deltas a read of a slot may walk before its reader writes the whole value again instead of
/// one more delta: every read walks back to the last whole value, so unbroken runs of deltas
/// (a deposit address taking a thousand transfers) would make reads ever slower.
const MAX_DELTA_RUN: usize = 16;

/// Why a lane's read did not return a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaneError {
    /// The read depends on a transaction that must execute again first.
    #[error("read blocked on transaction {0}")]
    Blocked(TxIdx),
    /// The base state failed.
    #[error("{0}")]
    Base(String),
}

impl DBErrorMarker for LaneError {}

/// Adapts any revm `DatabaseRef` (the block's base state) to [`BaseState`].
pub struct Base<'a, B>(pub &'a B);

impl<B: DatabaseRef> BaseState for Base<'_, B> {
    fn base_account(&self, address: Address) -> Result<Option<AccountState>, String> {
        self.0
            .basic_ref(address)
            .map(|info| {
                info.map(|i| AccountState {
                    balance: i.balance,
                    nonce: i.nonce,
                    code_hash: i.code_hash,
                })
            })
            .map_err(|e| e.to_string())
    }

    fn base_storage(&self, address: Address, slot: U256) -> Result<U256, String> {
        self.0.storage_ref(address, slot).map_err(|e| e.to_string())
    }
}

/// One lane's view for the incarnation it is running.
pub struct LaneDb<'a, B: DatabaseRef> {
    mv: &'a MvMemory,
    base: Base<'a, B>,
    txn: TxIdx,
    /// The recipient of a plain transfer whose balance is not read (its credit is lazy).
    lazy_recipient: Option<Address>,
    reads: Vec<Read>,
    codes: LaneCodes,
    originals: LaneOriginals,
    /// How the incarnation used balances (noted by the lane's instruction hooks).
    balance_uses: BalanceUses,
    /// Accounts whose reads became [`Observed::Balance`] or [`Observed::AnyBalance`], with the
    /// balance they started from.
    relaxed: Vec<(Address, U256)>,
    /// How a tracked incarnation used storage values (noted by the tracking table).
    slot_taint: SlotTaint,
    /// Slots whose reads became [`Observed::StorageRange`], with the value they started from.
    relaxed_slots: Vec<(Address, U256, U256)>,
    /// Slots read through [`MAX_DELTA_RUN`] deltas or more: never relaxed.
    anchors: Vec<(Address, U256)>,
    /// Slots this incarnation read from the base state, with their values.
    base_slots: Vec<(Address, U256, U256)>,
    /// The lane's own instructions, which the tracking table runs.
    untracked: Box<LaneTable<'a, B>>,
    /// The tracking table (built once per lane).
    tracking: Box<LaneTable<'a, B>>,
}

impl<'a, B: DatabaseRef> LaneDb<'a, B> {
    /// A view over `mv` and `base`, for a lane whose own instructions are `untracked`.
    pub fn new(mv: &'a MvMemory, base: &'a B, untracked: LaneTable<'a, B>) -> Self {
        Self {
            mv,
            base: Base(base),
            txn: 0,
            lazy_recipient: None,
            reads: Vec::new(),
            codes: LaneCodes::default(),
            originals: LaneOriginals::default(),
            balance_uses: BalanceUses::default(),
            relaxed: Vec::new(),
            slot_taint: SlotTaint::default(),
            relaxed_slots: Vec::new(),
            anchors: Vec::new(),
            base_slots: Vec::new(),
            untracked: Box::new(untracked),
            tracking: Box::new(tracking_table()),
        }
    }

    /// Starts an incarnation of `txn`.
    pub fn begin(&mut self, txn: TxIdx) {
        self.txn = txn;
        self.lazy_recipient = None;
        self.reads.clear();
        self.balance_uses.clear();
        self.relaxed.clear();
        self.slot_taint.clear();
        self.relaxed_slots.clear();
        self.anchors.clear();
        self.base_slots.clear();
    }

    /// Decides whether `to` can be credited lazily: it must have no code (checked through its
    /// code hash only, which is recorded as a read).
    pub fn try_lazy_recipient(&mut self, to: Address) -> Result<bool, LaneError> {
        let hash = resolved(self.mv.code_hash(to, self.txn, &self.base))?;
        if hash != KECCAK_EMPTY {
            return Ok(false);
        }
        self.reads.push(Read {
            location: Location::Account(to),
            observed: Observed::CodeHash(hash),
        });
        self.lazy_recipient = Some(to);
        Ok(true)
    }

    /// Executes a plain transfer natively: the sender is read, the recipient only through its
    /// code hash (its credit is lazy). `None` when revm must run it; the caller then starts
    /// the incarnation again, dropping these reads.
    pub fn plain_transfer(
        &mut self,
        transfer: &Candidate,
    ) -> Result<Option<Transferred>, LaneError> {
        if !self.try_lazy_recipient(transfer.to)? {
            return Ok(None);
        }
        let sender = resolved(self.mv.account(transfer.caller, self.txn, &self.base))?;
        self.reads.push(Read {
            location: Location::Account(transfer.caller),
            observed: Observed::Account(sender),
        });
        // The placeholder recipient: its real balance is never read, as for revm's transfers.
        let recipient = AccountState {
            code_hash: KECCAK_EMPTY,
            ..AccountState::default()
        };
        Ok(transfer.apply(sender, Some(recipient)))
    }

    /// The reads of the incarnation so far.
    pub fn reads(&self) -> &[Read] {
        &self.reads
    }

    /// The reads of the incarnation so far (the memory swaps them out when it records them).
    pub fn reads_mut(&mut self) -> &mut Vec<Read> {
        &mut self.reads
    }

    /// The value this incarnation read for `address`, if it read the whole account.
    pub fn observed_account(&self, address: Address) -> Option<Option<AccountState>> {
        self.reads
            .iter()
            .find_map(|r| match (&r.location, &r.observed) {
                (Location::Account(a), Observed::Account(v)) if *a == address => Some(*v),
                _ => None,
            })
    }

    /// Where the lane's instruction hooks note the incarnation's balance uses.
    pub fn balance_uses_mut(&mut self) -> &mut BalanceUses {
        &mut self.balance_uses
    }

    /// After the incarnation ran to `state`: every account with code it read whole, except
    /// those in `exact` (the sender and the beneficiary), whose nonce and code it left as they
    /// were and whose balance it used only through transfers, is read again at validation
    /// only as a [`BalanceRange`], and its balance is to be written as a delta from
    /// [`Self::relaxed_start`].
    pub fn relax_balance_reads(&mut self, state: &EvmState, exact: [Address; 2]) {
        for read in &mut self.reads {
            let (Location::Account(address), Observed::Account(Some(seen))) =
                (read.location, &read.observed)
            else {
                continue;
            };
            let seen = *seen;
            if seen.code_hash == KECCAK_EMPTY || exact.contains(&address) {
                continue;
            }
            let kept = state.get(&address).is_none_or(|account| {
                !account.is_created()
                    && !account.is_selfdestructed()
                    && account.info.nonce == seen.nonce
                    && account.info.code_hash == seen.code_hash
            });
            let range = self.balance_uses.range(address, seen.balance);
            let Some((low, high)) = range.filter(|_| kept) else {
                continue;
            };
            let range = BalanceRange {
                nonce: seen.nonce,
                code_hash: seen.code_hash,
                low,
                high,
            };
            read.observed = if range == BalanceRange::any(seen.nonce, seen.code_hash) {
                Observed::AnyBalance {
                    nonce: seen.nonce,
                    code_hash: seen.code_hash,
                }
            } else {
                Observed::Balance(Box::new(range))
            };
            self.relaxed.push((address, seen.balance));
        }
    }

    /// The balance a relaxed account started from (see [`Self::relax_balance_reads`]).
    pub fn relaxed_start(&self, address: Address) -> Option<U256> {
        self.relaxed
            .iter()
            .find_map(|(a, start)| (*a == address).then_some(*start))
    }

    /// The lane's own instruction for `op` (what the tracking table runs).
    pub fn untracked(&self, op: u8) -> LaneInstruction<'a, B> {
        self.untracked[op as usize]
    }

    /// The instruction table of a `tracked` incarnation, or the lane's own.
    pub fn table(&self, tracked: bool) -> LaneTable<'a, B> {
        match tracked {
            true => *self.tracking,
            false => *self.untracked,
        }
    }

    /// Whether a read of the slot failed validation in this block (see [`super::hot_slots`]).
    pub fn is_hot_slot(&self, address: Address, key: U256) -> bool {
        self.mv.hot_slots.contains(address, key)
    }

    /// What the tracking table noted of this incarnation's storage values.
    pub fn slot_taint(&self) -> &SlotTaint {
        &self.slot_taint
    }

    /// Where the tracking table notes this incarnation's storage values.
    pub fn slot_taint_mut(&mut self) -> &mut SlotTaint {
        &mut self.slot_taint
    }

    /// After a tracked incarnation: every slot it used only in ways that a range of starting
    /// values would have used the same (see [`SlotTaint`]) is read again at validation only as
    /// an [`Observed::StorageRange`], and written as a delta from [`Self::relaxed_slot_start`].
    pub fn relax_storage_reads(&mut self) {
        for relaxed in self.slot_taint.relaxed() {
            let anchor = self.anchors.contains(&(relaxed.address, relaxed.key));
            if relaxed.low == relaxed.high || anchor {
                continue;
            }
            let location = Location::Storage(relaxed.address, relaxed.key);
            let read = self
                .reads
                .iter_mut()
                .find(|r| r.location == location && r.observed == Observed::Storage(relaxed.start));
            if let Some(read) = read {
                read.observed = Observed::StorageRange(relaxed.low, relaxed.high);
                self.relaxed_slots
                    .push((relaxed.address, relaxed.key, relaxed.start));
            }
        }
    }

    /// How many slots this incarnation read as ranges.
    pub fn relaxed_slots(&self) -> usize {
        self.relaxed_slots.len()
    }

    /// The value a relaxed slot started from (see [`Self::relax_storage_reads`]).
    pub fn relaxed_slot_start(&self, address: Address, key: U256) -> Option<U256> {
        self.relaxed_slots
            .iter()
            .find_map(|(a, k, start)| (*a == address && *k == key).then_some(*start))
    }

    /// Keeps the slots this incarnation read from the base state and did not write (see
    /// [`LaneOriginals`]), after it ran to `writes`.
    pub fn keep_read_only_slots(&mut self, writes: &[(Location, Written)]) {
        for (address, key, value) in self.base_slots.drain(..) {
            let location = Location::Storage(address, key);
            if !writes.iter().any(|(written, _)| *written == location) {
                self.originals.keep_slot(address, key, value);
            }
        }
    }

    /// The lazily credited recipient of this incarnation.
    pub fn lazy_recipient(&self) -> Option<Address> {
        self.lazy_recipient
    }
}

fn resolved<T>(r: Resolved<T>) -> Result<T, LaneError> {
    match r {
        Resolved::Value(v) => Ok(v),
        Resolved::Blocked(Blocked(txn)) => Err(LaneError::Blocked(txn)),
        Resolved::Failed(e) => Err(LaneError::Base(e)),
    }
}

impl<B: DatabaseRef> Database for LaneDb<'_, B> {
    type Error = LaneError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, LaneError> {
        if self.lazy_recipient == Some(address) {
            // A placeholder: the transfer adds to it and the lane records the difference as a
            // credit. Its real balance is never read, so it creates no dependency.
            return Ok(Some(AccountState::to_info(AccountState {
                balance: U256::ZERO,
                nonce: 0,
                code_hash: KECCAK_EMPTY,
            })));
        }
        let value = match self.originals.get(self.mv, address, self.txn) {
            Some(account) => Some(account),
            None => {
                let value = resolved(self.mv.account(address, self.txn, &self.base))?;
                if let Some(account) = value {
                    self.originals.keep(self.mv, address, self.txn, account);
                }
                value
            }
        };
        self.reads.push(Read {
            location: Location::Account(address),
            observed: Observed::Account(value),
        });
        Ok(value.map(|v| self.codes.info(v)))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, LaneError> {
        let (mv, base) = (self.mv, self.base.0);
        self.codes.get(code_hash, || match mv.code(&code_hash) {
            Some(code) => Ok(code),
            None => base
                .code_by_hash_ref(code_hash)
                .map_err(|e| LaneError::Base(e.to_string())),
        })
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, LaneError> {
        let location = Location::Storage(address, index);
        // No transaction below began writing the slot or wiping its account (see
        // `LowestWriters`): the value before the block, read without the memory's lock.
        let (value, deltas) = match self.mv.unwritten_below(&location, self.txn) {
            true => {
                let value = match self.originals.slot(address, index) {
                    Some(value) => value,
                    None => {
                        let value = self
                            .base
                            .base_storage(address, index)
                            .map_err(LaneError::Base)?;
                        self.base_slots.push((address, index, value));
                        value
                    }
                };
                (Resolved::Value(value), 0)
            }
            false => self
                .mv
                .storage_and_deltas(address, index, self.txn, &self.base),
        };
        let value = resolved(value)?;
        if deltas >= MAX_DELTA_RUN {
            self.anchors.push((address, index));
        }
        self.reads.push(Read {
            location,
            observed: Observed::Storage(value),
        });
        Ok(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, LaneError> {
        self.base
            .0
            .block_hash_ref(number)
            .map_err(|e| LaneError::Base(e.to_string()))
    }
}
