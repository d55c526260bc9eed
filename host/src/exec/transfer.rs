//! Plain value transfers executed without the interpreter.
//!
//! A transfer of ether between two accounts without code runs no bytecode: revm validates it,
//! charges 21,000 gas, moves the value and pays the beneficiary. Doing that arithmetic directly
//! costs a fraction of a pass through revm's handler, and such transfers are a third of mainnet's
//! transactions. Only the valid, ordinary case is taken here; every transaction that is not
//! clearly one (any doubt about validity, code at either end, a precompile, a transfer to
//! oneself, overflow, a fork this module does not know) goes to revm, which stays the authority.
//!
//! Invariant: for every transaction [`TransferRules::candidate`] accepts and whose accounts
//! [`Candidate::apply`] accepts, revm's result and state changes are exactly those returned
//! here (checked against revm alone in `tests/tests/native_transfers.rs` and
//! `tests/tests/differential.rs`).

use crate::options::ExecOptions;
use crate::output::AccountState;
use revm::context::result::{ExecutionResult, Output, ResultGas, SuccessReason};
use revm::context::{BlockEnv, TxEnv};
use revm::context_interface::Transaction;
use revm::precompile::Precompiles;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, KECCAK_EMPTY, U256};

/// Intrinsic gas of a call without input or access list; a call to an account without code
/// spends nothing more.
pub const TRANSFER_GAS: u64 = 21_000;

/// EIP-7825's per-transaction gas cap (Osaka): limits at or below it are valid in every fork.
const GAS_LIMIT_CAP: u64 = 1 << 24;

/// The block-wide facts a plain transfer's validity and fee depend on.
#[derive(Debug, Clone)]
pub struct TransferRules {
    spec: SpecId,
    chain_id: u64,
    basefee: u64,
    block_gas_limit: u64,
    beneficiary: Address,
    precompiles: &'static Precompiles,
}

/// A transaction that is a plain transfer as far as it alone can tell; whether it is one also
/// depends on the accounts at both ends ([`Candidate::apply`]).
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    /// The sender.
    pub caller: Address,
    /// The recipient.
    pub to: Address,
    value: U256,
    nonce: u64,
    /// What the sender must hold: gas limit times maximum fee, plus the value.
    max_spending: U256,
    /// Gas cost at the effective price, charged to the sender.
    gas_cost: U256,
    /// The beneficiary's fee.
    reward: U256,
    /// The sender is the block's beneficiary (a pool paying out): the fee returns to it.
    pays_itself: bool,
    /// EIP-7623's floor (Prague on), which revm reports in the result.
    floor_gas: u64,
}

/// The sender and recipient after a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transferred {
    /// The sender: nonce bumped, value and fee paid.
    pub sender: AccountState,
    /// The recipient: value added (created if it did not exist).
    pub recipient: AccountState,
}

impl TransferRules {
    /// The rules of a block, or `None` when transfers must all go through revm: the options
    /// say so, a fork after the ones this module was checked against, or a header revm would
    /// reject.
    pub fn for_block(spec: SpecId, block_env: &BlockEnv, options: &ExecOptions) -> Option<Self> {
        let enabled = options.native_transfers && !spec.is_enabled_in(SpecId::AMSTERDAM);
        let header_complete = (!spec.is_enabled_in(SpecId::MERGE)
            || block_env.prevrandao.is_some())
            && (!spec.is_enabled_in(SpecId::CANCUN)
                || block_env.blob_excess_gas_and_price.is_some());
        (enabled && header_complete).then(|| Self {
            spec,
            chain_id: options.chain_id,
            basefee: block_env.basefee,
            block_gas_limit: block_env.gas_limit,
            beneficiary: block_env.beneficiary,
            precompiles: Precompiles::new(spec.into()),
        })
    }

    /// The beneficiary the fee goes to.
    pub fn beneficiary(&self) -> Address {
        self.beneficiary
    }

    /// `tx` as a plain transfer, if it is a valid one as far as the transaction alone shows:
    /// nonzero value to another account that is neither a precompile nor the beneficiary, no
    /// input, access list, authorizations or blobs, and fees revm accepts. The sender may be
    /// the beneficiary.
    pub fn candidate(&self, tx: &TxEnv) -> Option<Candidate> {
        let TxKind::Call(to) = tx.kind else {
            return None;
        };
        let type_enabled = match tx.tx_type {
            0 => true,
            1 => self.spec.is_enabled_in(SpecId::BERLIN),
            2 => self.spec.is_enabled_in(SpecId::LONDON),
            _ => false,
        };
        let chain_ok = match tx.chain_id {
            Some(id) => id == self.chain_id,
            None => tx.tx_type == 0,
        };
        let plain = type_enabled
            && chain_ok
            && !tx.value.is_zero()
            && tx.data.is_empty()
            && tx.access_list.0.is_empty()
            && tx.authorization_list.is_empty()
            && tx.blob_hashes.is_empty()
            && to != tx.caller
            && to != self.beneficiary
            && (TRANSFER_GAS..=GAS_LIMIT_CAP.min(self.block_gas_limit)).contains(&tx.gas_limit)
            && tx.nonce < u64::MAX - 1
            && !is_precompile(self.precompiles, &to);
        if !plain {
            return None;
        }
        let basefee = u128::from(self.basefee);
        let max_fee = tx.max_fee_per_gas();
        let fees_ok = match tx.tx_type {
            2 => tx.max_priority_fee_per_gas().unwrap_or_default() <= max_fee && max_fee >= basefee,
            _ => tx.gas_price >= basefee,
        };
        if !fees_ok {
            return None;
        }
        let max_spending = tx.max_balance_spending().ok()?;
        let price = tx.effective_gas_price(basefee);
        let gas_cost = U256::from(price.checked_mul(u128::from(TRANSFER_GAS))?);
        let reward_price = if self.spec.is_enabled_in(SpecId::LONDON) {
            price - basefee
        } else {
            price
        };
        let reward = U256::from(reward_price * u128::from(TRANSFER_GAS));
        // A zero fee still touches the beneficiary, which may delete an empty one: revm's case.
        if reward.is_zero() {
            return None;
        }
        Some(Candidate {
            caller: tx.caller,
            to,
            value: tx.value,
            nonce: tx.nonce,
            max_spending,
            gas_cost,
            reward,
            pays_itself: tx.caller == self.beneficiary,
            floor_gas: if self.spec.is_enabled_in(SpecId::PRAGUE) {
                TRANSFER_GAS
            } else {
                0
            },
        })
    }
}

/// Whether `to` is one of the fork's precompiles; they all sit at small addresses, which an
/// ordinary recipient never has, so the set is only asked about those.
fn is_precompile(precompiles: &Precompiles, to: &Address) -> bool {
    to.0[..16].iter().all(|b| *b == 0) && precompiles.contains(to)
}

impl Candidate {
    /// The transfer applied to the sender and recipient as they are before it, or `None` when
    /// revm must decide (a missing sender, a wrong nonce, too little balance, code at either
    /// end, an overflowing recipient).
    pub fn apply(
        &self,
        sender: Option<AccountState>,
        recipient: Option<AccountState>,
    ) -> Option<Transferred> {
        let sender = sender?;
        let recipient = recipient.unwrap_or(AccountState {
            code_hash: KECCAK_EMPTY,
            ..AccountState::default()
        });
        let ordinary = sender.code_hash == KECCAK_EMPTY
            && recipient.code_hash == KECCAK_EMPTY
            && sender.nonce == self.nonce
            && sender.balance >= self.max_spending;
        if !ordinary {
            return None;
        }
        let paid = sender.balance - self.gas_cost - self.value;
        Some(Transferred {
            sender: AccountState {
                // revm pays the beneficiary last, after the sender's refund.
                balance: if self.pays_itself {
                    paid.checked_add(self.reward)?
                } else {
                    paid
                },
                nonce: sender.nonce + 1,
                code_hash: KECCAK_EMPTY,
            },
            recipient: AccountState {
                balance: recipient.balance.checked_add(self.value)?,
                ..recipient
            },
        })
    }

    /// The fee the beneficiary receives, unless it is the sender (see [`Self::pays_itself`]).
    pub fn reward(&self) -> U256 {
        self.reward
    }

    /// Whether the sender is the beneficiary: [`Self::apply`] then already credits the fee.
    pub fn pays_itself(&self) -> bool {
        self.pays_itself
    }

    /// The value the recipient receives.
    pub fn value(&self) -> U256 {
        self.value
    }

    /// revm's result for the transfer.
    pub fn result(&self) -> ExecutionResult {
        ExecutionResult::Success {
            reason: SuccessReason::Stop,
            gas: ResultGas::default()
                .with_total_gas_spent(TRANSFER_GAS)
                .with_floor_gas(self.floor_gas),
            logs: Vec::new(),
            output: Output::Call(Bytes::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{generate, WorkloadKind};

    #[test]
    fn the_raw_workload_is_all_native_transfers() {
        let w = generate(WorkloadKind::Raw, 50, 1);
        let rules = TransferRules::for_block(w.spec, &w.block_env, &ExecOptions::default())
            .expect("Cancun with a complete header");
        for tx in &w.txs {
            let transfer = rules.candidate(tx).expect("a plain transfer");
            let sender = w.state.account(&tx.caller);
            let done = transfer.apply(sender, None).expect("an ordinary one");
            assert_eq!(done.recipient.balance, tx.value);
            assert_eq!(done.sender.nonce, 1);
        }
    }

    #[test]
    fn unusual_transactions_are_left_to_revm() {
        let w = generate(WorkloadKind::Raw, 1, 1);
        let options = ExecOptions::default();
        let rules = TransferRules::for_block(w.spec, &w.block_env, &options).unwrap();
        let tx = &w.txs[0];
        let changed = |f: fn(&mut TxEnv)| {
            let mut tx = tx.clone();
            f(&mut tx);
            rules.candidate(&tx).is_none()
        };
        assert!(changed(|t| t.value = U256::ZERO));
        assert!(changed(|t| t.data = Bytes::from_static(&[1])));
        assert!(changed(|t| t.kind = TxKind::Create));
        assert!(changed(|t| t.kind = TxKind::Call(t.caller)));
        assert!(changed(
            |t| t.kind = TxKind::Call(Address::with_last_byte(1))
        ));
        assert!(changed(|t| t.chain_id = Some(5)));
        assert!(changed(|t| t.gas_limit = 20_999));
        assert!(changed(|t| t.gas_price = 1));
        assert!(changed(|t| t.tx_type = 4));
        let off = ExecOptions {
            native_transfers: false,
            ..options
        };
        assert!(TransferRules::for_block(w.spec, &w.block_env, &off).is_none());
        let no_randao = BlockEnv {
            prevrandao: None,
            ..w.block_env.clone()
        };
        assert!(TransferRules::for_block(w.spec, &no_randao, &ExecOptions::default()).is_none());
    }
}
