//! Synthetic blocks generated in code, with real contract bytecode: plain transfers, ERC-20
//! transfers, constant-product swaps across several pools (called directly or through one router),
//! a fully dependent chain, a mix, token deposits into one exchange address, and transfers with
//! one long call near the end.
//! Each is sized in transactions and deterministic for a seed.

mod asm;
mod contracts;

pub use contracts::{
    counter, erc20, mapping_slot, pool, router, BALANCE_OF_SELECTOR, SWAP0_SELECTOR,
    SWAP1_SELECTOR, TRANSFER_SELECTOR,
};

use crate::state::{BlockHashes, InMemoryState};
use revm::context::{BlockEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use std::fmt;
use std::str::FromStr;

/// The kinds of synthetic block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// Plain value transfers between distinct accounts.
    Raw,
    /// ERC-20 `transfer`s between distinct holders of one token.
    Erc20,
    /// Swaps on constant-product pools; swaps on the same pool conflict.
    Uniswap,
    /// The same swaps, each made through one router contract, as most swaps on mainnet are:
    /// every transaction calls the router, and only those reaching the same pool conflict.
    Routed,
    /// Every transaction increments one counter: each depends on the previous one.
    Chain,
    /// 40% raw, 40% ERC-20, 15% swaps, 5% chain, shuffled.
    Mixed,
    /// ERC-20 `transfer`s, every other one into one exchange's deposit address: those all
    /// change its balance (see `ExecOptions::lazy_storage`).
    Deposits,
    /// ERC-20 `transfer`s and, at 95% of the block, one long call, as a rollup's proof check
    /// is: [`PROOF_ROUNDS_PER_TX`] rounds of hashing per transaction of the block, about as
    /// long as half the transfers.
    Proof,
}

impl WorkloadKind {
    /// Every kind, in report order.
    pub const ALL: [WorkloadKind; 8] = [
        Self::Raw,
        Self::Erc20,
        Self::Uniswap,
        Self::Routed,
        Self::Chain,
        Self::Mixed,
        Self::Deposits,
        Self::Proof,
    ];
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Raw => "raw",
            Self::Erc20 => "erc20",
            Self::Uniswap => "uniswap",
            Self::Routed => "routed",
            Self::Chain => "chain",
            Self::Mixed => "mixed",
            Self::Deposits => "deposits",
            Self::Proof => "proof",
        })
    }
}

impl FromStr for WorkloadKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.to_string() == s)
            .ok_or_else(|| {
                format!(
                    "unknown workload `{s}` (expected raw, erc20, uniswap, routed, chain, \
                     mixed, deposits or proof)"
                )
            })
    }
}

/// A generated block with its pre-state.
pub struct Workload {
    /// What it is.
    pub kind: WorkloadKind,
    /// Its fork (Cancun).
    pub spec: SpecId,
    /// Block environment; the gas limit fits every transaction.
    pub block_env: BlockEnv,
    /// Transactions.
    pub txs: Vec<TxEnv>,
    /// Pre-state.
    pub state: InMemoryState,
}

/// Pools of the `uniswap` workload.
pub const POOLS: usize = 12;
const TOKEN_SUPPLY_PER_HOLDER: u64 = 1_000_000_000;
/// Rounds of hashing of the `proof` workload's long call, per transaction of the block.
pub const PROOF_ROUNDS_PER_TX: u64 = 10;
const POOL_RESERVE: u128 = 1_000_000_000_000_000_000_000;

/// A deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The address `number` of a family of accounts (senders, recipients, contracts...).
fn account(family: u64, number: u64) -> Address {
    Address::from_word(U256::from((family << 40) | number).into())
}

const SENDERS: u64 = 1;
const RECIPIENTS: u64 = 2;
const TOKEN: u64 = 3;
const POOL: u64 = 4;
const COUNTER: u64 = 5;
const ROUTER: u64 = 6;
const HASHER: u64 = 7;
/// The exchange's deposit address among the recipients (transactions number fewer).
const DEPOSIT: u64 = 1 << 39;

fn call(caller: Address, to: Address, value: U256, data: Vec<u8>, gas_limit: u64) -> TxEnv {
    TxEnv {
        tx_type: 2,
        caller,
        kind: TxKind::Call(to),
        value,
        data: Bytes::from(data),
        gas_limit,
        gas_price: 30_000_000_000,
        gas_priority_fee: Some(1_000_000_000),
        nonce: 0,
        chain_id: Some(1),
        ..TxEnv::default()
    }
}

fn calldata(selector: [u8; 4], words: &[U256]) -> Vec<u8> {
    let mut data = selector.to_vec();
    for word in words {
        data.extend_from_slice(&word.to_be_bytes::<32>());
    }
    data
}

/// Generates a block of `txs` transactions of `kind`, deterministic for `seed`.
pub fn generate(kind: WorkloadKind, txs: usize, seed: u64) -> Workload {
    let mut rng = Rng(seed);
    let mut state = InMemoryState::new(BlockHashes::KnownOnly);
    let token = account(TOKEN, 0);
    let counter = account(COUNTER, 0);
    state.insert_account(token, U256::ZERO, 1, Bytes::from(contracts::erc20()), []);
    state.insert_account(
        counter,
        U256::ZERO,
        1,
        Bytes::from(contracts::counter()),
        [],
    );
    let router = account(ROUTER, 0);
    if kind == WorkloadKind::Routed {
        state.insert_account(router, U256::ZERO, 1, Bytes::from(contracts::router()), []);
    }
    let hasher = account(HASHER, 0);
    if kind == WorkloadKind::Proof {
        state.insert_account(hasher, U256::ZERO, 1, Bytes::from(contracts::hasher()), []);
    }
    let long_call_at = (txs as u64 - txs as u64 / 20).saturating_sub(1);
    let pool_code = Bytes::from(contracts::pool());
    for p in 0..POOLS as u64 {
        let mut storage = vec![
            (U256::ZERO, U256::from(POOL_RESERVE)),
            (U256::from(1), U256::from(POOL_RESERVE)),
        ];
        if kind == WorkloadKind::Routed {
            // The router trades for everyone: it holds both tokens in every pool.
            storage.push((contracts::mapping_slot(router, 2), U256::from(POOL_RESERVE)));
            storage.push((contracts::mapping_slot(router, 3), U256::from(POOL_RESERVE)));
        }
        state.insert_account(account(POOL, p), U256::ZERO, 1, pool_code.clone(), storage);
    }
    let mut token_holders = Vec::new();
    let mut list = Vec::with_capacity(txs);
    for i in 0..txs as u64 {
        let sender = account(SENDERS, i);
        state.insert_account(sender, U256::from(10u128.pow(21)), 0, Bytes::new(), []);
        let kind = match kind {
            WorkloadKind::Mixed => match rng.below(100) {
                0..=39 => WorkloadKind::Raw,
                40..=79 => WorkloadKind::Erc20,
                80..=94 => WorkloadKind::Uniswap,
                _ => WorkloadKind::Chain,
            },
            WorkloadKind::Proof if i != long_call_at => WorkloadKind::Erc20,
            other => other,
        };
        let tx = match kind {
            WorkloadKind::Raw => {
                let value = U256::from(1_000_000_000 + rng.below(1_000_000_000));
                call(sender, account(RECIPIENTS, i), value, Vec::new(), 21_000)
            }
            WorkloadKind::Proof => {
                let rounds = PROOF_ROUNDS_PER_TX * txs as u64;
                let data = U256::from(rounds).to_be_bytes::<32>().to_vec();
                // A proof check's gas limit: 5M (mainnet block 18426253's), more if needed.
                let gas_limit = (100_000 + 100 * rounds).max(5_000_000);
                call(sender, hasher, U256::ZERO, data, gas_limit)
            }
            WorkloadKind::Erc20 | WorkloadKind::Deposits => {
                token_holders.push((
                    contracts::mapping_slot(sender, 0),
                    U256::from(TOKEN_SUPPLY_PER_HOLDER),
                ));
                let amount = U256::from(1 + rng.below(TOKEN_SUPPLY_PER_HOLDER));
                let to = match kind {
                    WorkloadKind::Deposits if i % 2 == 0 => account(RECIPIENTS, DEPOSIT),
                    _ => account(RECIPIENTS, i),
                };
                let data = calldata(TRANSFER_SELECTOR, &[to.into_word().into(), amount]);
                call(sender, token, U256::ZERO, data, 100_000)
            }
            WorkloadKind::Uniswap | WorkloadKind::Routed => {
                let pool = account(POOL, rng.below(POOLS as u64));
                let zero_for_one = rng.below(2) == 0;
                let amount = U256::from(1_000_000 + rng.below(1_000_000_000));
                let selector = if zero_for_one {
                    SWAP0_SELECTOR
                } else {
                    SWAP1_SELECTOR
                };
                let swap = calldata(selector, &[amount]);
                if kind == WorkloadKind::Routed {
                    let mut data = pool.into_word().to_vec();
                    data.extend(swap);
                    call(sender, router, U256::ZERO, data, 180_000)
                } else {
                    // The trader's balance of the token going in, kept by the pool (mapping 2
                    // or 3).
                    let map = if zero_for_one { 2 } else { 3 };
                    let mut storage = state.storage_of(&pool);
                    storage.insert(contracts::mapping_slot(sender, map), amount);
                    let info = state.account(&pool).expect("pools are created above");
                    state.insert_account_by_hash(pool, info, storage);
                    call(sender, pool, U256::ZERO, swap, 150_000)
                }
            }
            WorkloadKind::Chain | WorkloadKind::Mixed => {
                call(sender, counter, U256::ZERO, Vec::new(), 60_000)
            }
        };
        list.push(tx);
    }
    if !token_holders.is_empty() {
        let info = state.account(&token).expect("the token is created above");
        state.insert_account_by_hash(token, info, token_holders);
    }
    let gas_limit = list
        .iter()
        .map(|t| t.gas_limit)
        .sum::<u64>()
        .max(30_000_000);
    let block_env = BlockEnv {
        number: U256::from(20_000_000),
        beneficiary: Address::repeat_byte(0xbe),
        timestamp: U256::from(1_720_000_000),
        gas_limit,
        basefee: 10_000_000_000,
        prevrandao: Some(Default::default()),
        ..BlockEnv::default()
    };
    Workload {
        kind,
        spec: SpecId::CANCUN,
        block_env,
        txs: list,
        state,
    }
}

#[cfg(test)]
mod tests;
