//! BlockchainTests: every block of a chain goes through [`crate::execute_block`] on its parent's state;
//! each header's `stateRoot`, `receiptTrie`, `gasUsed`, `logsBloom` (and blob gas) are checked,
//! blocks that expect an exception must be rejected, and the canonical head's state must equal
//! `postState`. Side branches are followed by parent hash.

use super::fork::{fork_unsupported_reason, Network};
use super::header_rules::{
    check_against_parent, withdrawals_root, HeaderFacts, WithdrawalFields, EMPTY_OMMERS_HASH,
};
use super::sender::recover_sender;
use super::statetest::read_json;
use super::{execute_checked, CaseReport, ForkSelection, Outcome, RunOptions};
use crate::options::{BlockExtras, Ommer, Withdrawal};
use crate::output::AccountState;
use crate::receipt::receipts_root;
use crate::state::{BlockHashes, InMemoryState};
use revm::context::either::Either;
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{keccak256, Address, TxKind, B256, KECCAK_EMPTY, U256};
use revm_statetest_types::blockchain::{
    Account, Block, BlockHeader, BlockchainTestCase, Transaction,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Runs every selected test of one file; returns how many tests were outside the selection.
pub fn run_file(
    path: &Path,
    forks: &ForkSelection,
    options: &RunOptions,
    report: &mut dyn FnMut(CaseReport),
) -> usize {
    let file = path.display().to_string();
    let tests: BTreeMap<String, serde_json::Value> = match read_json(path) {
        Ok(tests) => tests,
        Err(problem) => {
            report(CaseReport {
                file,
                test: String::new(),
                case: String::new(),
                outcome: Outcome::Failed(problem),
            });
            return 0;
        }
    };
    let mut unselected = 0;
    for (name, value) in tests {
        let network = value
            .get("network")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        let known =
            Network::parse(&network).is_some() || fork_unsupported_reason(&network).is_some();
        if known && !forks.contains(&network) {
            unselected += 1;
            continue;
        }
        let outcome = match (fork_unsupported_reason(&network), Network::parse(&network)) {
            (Some(reason), _) => Outcome::Skipped(reason.to_string()),
            (None, None) => Outcome::Failed(format!("unknown network `{network}`")),
            (None, Some(net)) => match serde_json::from_value::<BlockchainTestCase>(value) {
                Err(e) => Outcome::Failed(format!("malformed test: {e}")),
                Ok(case) => run_case(&case, net, options),
            },
        };
        report(CaseReport {
            file: file.clone(),
            test: name,
            case: network,
            outcome,
        });
    }
    unselected
}

/// A block accepted into the chain: its post-state and header facts.
struct ChainTip {
    state: InMemoryState,
    facts: HeaderFacts,
    spec: SpecId,
}

fn run_case(case: &BlockchainTestCase, network: Network, options: &RunOptions) -> Outcome {
    match run_chain(case, network, options) {
        Ok(outcome) => outcome,
        Err(problem) => Outcome::Failed(problem),
    }
}

fn run_chain(
    case: &BlockchainTestCase,
    network: Network,
    options: &RunOptions,
) -> Result<Outcome, String> {
    let genesis = header_facts(&case.genesis_block_header)?;
    let mut state = InMemoryState::new(BlockHashes::KnownOnly);
    for (address, account) in &case.pre.0 {
        insert_account(&mut state, *address, account)?;
    }
    state.insert_block_hash(genesis.number, case.genesis_block_header.hash);
    let spec = network.spec_at(genesis.number, genesis.timestamp);
    let mut chain: HashMap<B256, ChainTip> = HashMap::new();
    chain.insert(
        case.genesis_block_header.hash,
        ChainTip {
            state,
            facts: genesis,
            spec,
        },
    );

    for (i, block) in case.blocks.iter().enumerate() {
        let Some(header) = &block.block_header else {
            return Ok(Outcome::Skipped(format!(
                "block {i} is given only as RLP; decoding raw blocks is not implemented"
            )));
        };
        match apply_block(&chain, header, block, network, options) {
            Ok(tip) => {
                if let Some(exception) = &block.expect_exception {
                    return Err(format!(
                        "block {i} was accepted but should be rejected ({exception})"
                    ));
                }
                chain.insert(header.hash, tip);
            }
            Err(BlockError::Broken(reason)) => {
                return Err(format!("block {i} (number {}): {reason}", header.number));
            }
            Err(BlockError::Rejected(reason)) if block.expect_exception.is_none() => {
                return Err(format!("block {i} (number {}): {reason}", header.number));
            }
            Err(BlockError::Rejected(_)) => {} // rejected, as expected
        }
    }
    let head = chain.get(&case.lastblockhash).ok_or_else(|| {
        format!(
            "last block {} is not a block of the chain",
            case.lastblockhash
        )
    })?;
    if let Some(post) = &case.post_state {
        compare_post_state(&head.state, post)?;
    }
    Ok(Outcome::Passed)
}

fn insert_account(
    state: &mut InMemoryState,
    address: Address,
    account: &Account,
) -> Result<(), String> {
    let nonce =
        u64::try_from(account.nonce).map_err(|_| format!("nonce of {address} overflows"))?;
    let storage = account.storage.iter().map(|(k, v)| (*k, *v));
    state.insert_account(
        address,
        account.balance,
        nonce,
        account.code.clone(),
        storage,
    );
    Ok(())
}

fn to_u64(value: U256, what: &str) -> Result<u64, String> {
    u64::try_from(value).map_err(|_| format!("{what} {value} overflows 64 bits"))
}

fn header_facts(h: &BlockHeader) -> Result<HeaderFacts, String> {
    Ok(HeaderFacts {
        number: to_u64(h.number, "block number")?,
        timestamp: to_u64(h.timestamp, "timestamp")?,
        gas_limit: to_u64(h.gas_limit, "gas limit")?,
        gas_used: to_u64(h.gas_used, "gas used")?,
        base_fee: h
            .base_fee_per_gas
            .map(|v| to_u64(v, "base fee"))
            .transpose()?,
        blob_gas_used: h
            .blob_gas_used
            .map(|v| to_u64(v, "blob gas used"))
            .transpose()?,
        excess_blob_gas: h
            .excess_blob_gas
            .map(|v| to_u64(v, "excess blob gas"))
            .transpose()?,
    })
}

/// Why a block was not added to the chain.
enum BlockError {
    /// The block breaks a rule: correct when the test expects an exception.
    Rejected(String),
    /// fpevm itself is inconsistent (parallel and sequential disagree): always a failure.
    Broken(String),
}

impl From<String> for BlockError {
    fn from(reason: String) -> Self {
        Self::Rejected(reason)
    }
}

impl From<&str> for BlockError {
    fn from(reason: &str) -> Self {
        Self::Rejected(reason.to_string())
    }
}

/// Validates and executes one block on top of its parent.
fn apply_block(
    chain: &HashMap<B256, ChainTip>,
    header: &BlockHeader,
    block: &Block,
    network: Network,
    options: &RunOptions,
) -> Result<ChainTip, BlockError> {
    let facts = header_facts(header)?;
    let parent = chain
        .get(&header.parent_hash)
        .ok_or("unknown parent block")?;
    let spec = network.spec_at(facts.number, facts.timestamp);
    check_against_parent(&facts, spec, &parent.facts, parent.spec)?;
    if header.extra_data.len() > 32 {
        return Err(BlockError::Rejected(format!(
            "extra data is {} bytes, more than 32",
            header.extra_data.len()
        )));
    }
    let uncles = block.uncle_headers.as_deref().unwrap_or_default();
    if spec.is_enabled_in(SpecId::MERGE)
        && (!header.difficulty.is_zero()
            || header.nonce != [0u8; 8]
            || header.uncle_hash != EMPTY_OMMERS_HASH
            || !uncles.is_empty())
    {
        return Err(
            "a proof-of-stake header must have zero difficulty and nonce and no ommers".into(),
        );
    }
    let withdrawals = withdrawals(block)?;
    if spec.is_enabled_in(SpecId::SHANGHAI) {
        let root = withdrawals_root(&withdrawals);
        if header.withdrawals_root != Some(root) {
            return Err(BlockError::Rejected(format!(
                "withdrawals root {:?} differs from computed {root}",
                header.withdrawals_root
            )));
        }
    }
    if spec.is_enabled_in(SpecId::CANCUN) && header.parent_beacon_block_root.is_none() {
        return Err(BlockError::Rejected(
            "a Cancun header must carry the parent beacon block root".into(),
        ));
    }

    let block_env = block_env(header, &facts, spec);
    let txs = block
        .transactions
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, tx)| tx_env(tx, spec).map_err(|e| format!("transaction {i}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut exec = options.exec.clone();
    exec.extras = BlockExtras {
        parent_beacon_block_root: header.parent_beacon_block_root,
        withdrawals: withdrawals
            .iter()
            .map(|w| Withdrawal {
                address: w.address,
                amount_gwei: w.amount_gwei,
            })
            .collect(),
        mining_reward: (!spec.is_enabled_in(SpecId::MERGE)).then(|| {
            uncles
                .iter()
                .map(|u| Ommer {
                    beneficiary: u.coinbase,
                    number: u.number,
                })
                .collect()
        }),
    };
    let output = execute_checked(spec, &block_env, &txs, &parent.state, &exec)
        .map_err(BlockError::Broken)?
        .map_err(|e| match e {
            // A device that cannot be opened is no rejection of the block.
            crate::error::ExecError::Device(_) => BlockError::Broken(e.to_string()),
            e => BlockError::Rejected(e.to_string()),
        })?;

    if output.gas_used != facts.gas_used {
        return Err(BlockError::Rejected(format!(
            "gas used {} differs from header's {}",
            output.gas_used, facts.gas_used
        )));
    }
    if output.logs_bloom.as_slice() != header.bloom.as_ref() {
        return Err(BlockError::Rejected(format!(
            "logs bloom differs from header's: {}",
            output.logs_bloom
        )));
    }
    if spec.is_enabled_in(SpecId::CANCUN) && Some(output.blob_gas_used) != facts.blob_gas_used {
        return Err(BlockError::Rejected(format!(
            "blob gas used {} differs from header's {:?}",
            output.blob_gas_used, facts.blob_gas_used
        )));
    }
    let receipts = receipts_root(&output.receipts);
    if spec.is_enabled_in(SpecId::BYZANTIUM) && receipts != header.receipt_trie {
        return Err(BlockError::Rejected(format!(
            "receipts root {receipts} differs from header's {}",
            header.receipt_trie
        )));
    }
    let mut state = parent.state.clone();
    state.apply(&output.state);
    state.insert_block_hash(facts.number, header.hash);
    let root = state.state_root_with(options.hasher.as_ref());
    if root != header.state_root {
        return Err(BlockError::Rejected(format!(
            "state root {root} differs from header's {}",
            header.state_root
        )));
    }
    Ok(ChainTip { state, facts, spec })
}

fn withdrawals(block: &Block) -> Result<Vec<WithdrawalFields>, String> {
    block
        .withdrawals
        .iter()
        .flatten()
        .map(|w| {
            Ok(WithdrawalFields {
                index: to_u64(w.index, "withdrawal index")?,
                validator_index: to_u64(w.validator_index, "validator index")?,
                address: w.address,
                amount_gwei: to_u64(w.amount, "withdrawal amount")?,
            })
        })
        .collect()
}

fn block_env(header: &BlockHeader, facts: &HeaderFacts, spec: SpecId) -> BlockEnv {
    let mut env = BlockEnv {
        number: header.number,
        beneficiary: header.coinbase,
        timestamp: header.timestamp,
        gas_limit: facts.gas_limit,
        basefee: facts.base_fee.unwrap_or_default(),
        difficulty: header.difficulty,
        prevrandao: spec.is_enabled_in(SpecId::MERGE).then_some(header.mix_hash),
        ..BlockEnv::default()
    };
    if let (true, Some(excess)) = (spec.is_enabled_in(SpecId::CANCUN), facts.excess_blob_gas) {
        env.set_blob_excess_gas_and_price(
            excess,
            CfgEnv::new_with_spec(spec).blob_base_fee_update_fraction(),
        );
    }
    env
}

/// A decoded blockchain-test transaction as revm's `TxEnv`; the error names the bad field.
fn tx_env(tx: &Transaction, spec: SpecId) -> Result<TxEnv, String> {
    let tx_type = match tx.transaction_type {
        None => 0,
        Some(t) => u8::try_from(t).map_err(|_| format!("transaction type {t} is unknown"))?,
    };
    let to_u128 = |v: U256, what: &str| {
        u128::try_from(v).map_err(|_| format!("{what} {v} overflows 128 bits"))
    };
    let (gas_price, gas_priority_fee) = if tx_type >= 2 {
        let max_fee = tx
            .max_fee_per_gas
            .ok_or("a dynamic-fee transaction needs maxFeePerGas")?;
        let priority = tx
            .max_priority_fee_per_gas
            .ok_or("a dynamic-fee transaction needs maxPriorityFeePerGas")?;
        (
            to_u128(max_fee, "max fee")?,
            Some(to_u128(priority, "priority fee")?),
        )
    } else {
        (
            to_u128(
                tx.gas_price.ok_or("a legacy transaction needs gasPrice")?,
                "gas price",
            )?,
            None,
        )
    };
    // Legacy transactions carry their chain id in `v` (EIP-155); v of 27 or 28 means none.
    let chain_id = match tx.chain_id {
        Some(id) => Some(to_u64(id, "chain id")?),
        None if tx_type == 0 && tx.v >= U256::from(35) => {
            Some(to_u64((tx.v - U256::from(35)) / U256::from(2), "chain id")?)
        }
        None => None,
    };
    let mut env = TxEnv {
        tx_type,
        caller: Address::ZERO,
        gas_limit: to_u64(tx.gas_limit, "gas limit")?,
        gas_price,
        gas_priority_fee,
        kind: tx.to.map_or(TxKind::Create, TxKind::Call),
        value: tx.value,
        data: tx.data.clone(),
        nonce: to_u64(tx.nonce, "nonce")?,
        chain_id,
        access_list: tx.access_list.clone().unwrap_or_default(),
        blob_hashes: tx.blob_versioned_hashes.clone().unwrap_or_default(),
        max_fee_per_blob_gas: tx
            .max_fee_per_blob_gas
            .map(|v| to_u128(v, "blob fee"))
            .transpose()?
            .unwrap_or_default(),
        authorization_list: tx
            .authorization_list
            .iter()
            .flatten()
            .map(|auth| Either::Left(auth.clone().into()))
            .collect(),
    };
    env.caller = match tx.sender {
        Some(sender) => sender,
        None => recover_sender(&env, tx.v, tx.r, tx.s, spec)?,
    };
    Ok(env)
}

/// Compares the head state with `postState`: same accounts, fields, code and storage.
fn compare_post_state(
    state: &InMemoryState,
    post: &BTreeMap<Address, Account>,
) -> Result<(), String> {
    for (address, want) in post {
        let got = state
            .account(address)
            .ok_or_else(|| format!("post-state account {address} is missing"))?;
        let code_hash = if want.code.is_empty() {
            KECCAK_EMPTY
        } else {
            keccak256(&want.code)
        };
        let expected = AccountState {
            balance: want.balance,
            nonce: to_u64(want.nonce, "nonce")?,
            code_hash,
        };
        if got != expected {
            return Err(format!(
                "account {address}: got {got:?}, expected {expected:?}"
            ));
        }
        let want_storage: BTreeMap<U256, U256> = want
            .storage
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|(k, v)| (*k, *v))
            .collect();
        if state.storage_of(address) != want_storage {
            return Err(format!("storage of {address} differs from postState"));
        }
    }
    let extra: Vec<Address> = state
        .addresses()
        .into_iter()
        .filter(|a| !post.contains_key(a))
        .collect();
    if !extra.is_empty() {
        return Err(format!("accounts not in postState: {extra:?}"));
    }
    Ok(())
}
