//! The mainnet block snapshots of the shared corpus: `blocks/<number>/{block.json,pre_state.json}`,
//! `bytecodes.json.gz` and `block_hashes.json` (format in the corpus README).

mod rpc;
mod spec;

pub use rpc::{RpcBlock, RpcTransaction, RpcWithdrawal};
pub use spec::mainnet_spec;

use crate::options::BlockExtras;
use crate::output::AccountState;
use crate::state::{BlockHashes, InMemoryState};
use alloy_primitives::Bloom;
use revm::bytecode::Bytecode;
use revm::context::{BlockEnv, TxEnv};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{keccak256, Address, Bytes, B256, KECCAK_EMPTY, U256};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a snapshot could not be loaded: the file and the problem.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct MainnetError {
    /// The file (or folder) at fault.
    pub file: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

fn error(file: &Path, problem: impl ToString) -> MainnetError {
    MainnetError {
        file: file.to_path_buf(),
        problem: problem.to_string(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, MainnetError> {
    let text = std::fs::read(file).map_err(|e| error(file, e))?;
    serde_json::from_slice(&text).map_err(|e| error(file, format!("malformed JSON: {e}")))
}

/// What the header says the block must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Gas used.
    pub gas_used: u64,
    /// Logs bloom.
    pub logs_bloom: Bloom,
    /// Receipts root, from Byzantium on (earlier receipts carry state roots the snapshot cannot
    /// reproduce).
    pub receipts_root: Option<B256>,
}

/// One mainnet block, ready to execute.
pub struct MainnetBlock {
    /// Block number.
    pub number: u64,
    /// Its fork.
    pub spec: SpecId,
    /// Block environment.
    pub block_env: BlockEnv,
    /// Transactions, senders recovered.
    pub txs: Vec<TxEnv>,
    /// Beacon root, withdrawals, mining reward.
    pub extras: BlockExtras,
    /// The parent state of every account and slot the block touches.
    pub state: InMemoryState,
    /// Header fields to check.
    pub expected: Expected,
}

/// Code of every code hash the blocks reference, and the block hashes `BLOCKHASH` needs.
pub struct SharedData {
    codes: HashMap<B256, Bytes>,
    block_hashes: BTreeMap<u64, B256>,
}

#[derive(Deserialize)]
struct PreAccount {
    balance: U256,
    nonce: u64,
    #[serde(default)]
    code_hash: Option<B256>,
    #[serde(default)]
    storage: HashMap<U256, U256>,
}

impl SharedData {
    /// Loads `bytecodes.json.gz` and `block_hashes.json` from the corpus folder `dir`.
    pub fn load(dir: &Path) -> Result<Self, MainnetError> {
        let file = dir.join("bytecodes.json.gz");
        let compressed = std::fs::read(&file).map_err(|e| error(&file, e))?;
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .read_to_end(&mut text)
            .map_err(|e| error(&file, format!("not gzip: {e}")))?;
        let codes: HashMap<B256, Bytes> = serde_json::from_slice(&text)
            .map_err(|e| error(&file, format!("malformed JSON: {e}")))?;
        let file = dir.join("block_hashes.json");
        let hashes: BTreeMap<String, B256> = read_json(&file)?;
        let block_hashes = hashes
            .into_iter()
            .map(|(n, h)| {
                n.parse::<u64>()
                    .map(|n| (n, h))
                    .map_err(|_| error(&file, format!("`{n}` is not a block number")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            codes,
            block_hashes,
        })
    }
}

/// The block folders under `dir/blocks` (or `dir` itself when it is a block folder), by number.
pub fn list_blocks(dir: &Path) -> Result<Vec<PathBuf>, MainnetError> {
    if dir.join("block.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let blocks = dir.join("blocks");
    let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(&blocks)
        .map_err(|e| error(&blocks, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| Some((p.file_name()?.to_str()?.parse::<u64>().ok()?, p)))
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// The corpus folder a block folder belongs to (`.../blocks/<number>` → `...`).
pub fn corpus_of(block_dir: &Path) -> Option<&Path> {
    block_dir.parent()?.parent()
}

/// Loads one block folder.
pub fn load_block(block_dir: &Path, shared: &SharedData) -> Result<MainnetBlock, MainnetError> {
    let block_file = block_dir.join("block.json");
    let block: RpcBlock = read_json(&block_file)?;
    let number = block.number.to::<u64>();
    let spec = mainnet_spec(number, block.timestamp.to::<u64>());
    let txs = block
        .transactions
        .iter()
        .enumerate()
        .map(|(i, tx)| {
            tx.to_tx_env()
                .map_err(|e| error(&block_file, format!("transaction {i}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let pre_file = block_dir.join("pre_state.json");
    let pre: HashMap<Address, PreAccount> = read_json(&pre_file)?;
    let mut state = InMemoryState::new(BlockHashes::KnownOnly);
    for (address, account) in pre {
        let code_hash = account.code_hash.unwrap_or(KECCAK_EMPTY);
        if code_hash != KECCAK_EMPTY {
            let code = shared.codes.get(&code_hash).ok_or_else(|| {
                error(
                    &pre_file,
                    format!("no bytecode for code hash {code_hash} of {address}"),
                )
            })?;
            if keccak256(code) != code_hash {
                return Err(error(
                    &pre_file,
                    format!("bytecode of {code_hash} does not hash to it"),
                ));
            }
            let bytecode = Bytecode::new_raw_checked(code.clone())
                .unwrap_or_else(|_| Bytecode::new_legacy(code.clone()));
            state.insert_code(code_hash, bytecode);
        }
        let info = AccountState {
            balance: account.balance,
            nonce: account.nonce,
            code_hash,
        };
        state.insert_account_by_hash(address, info, account.storage);
    }
    for (n, hash) in shared
        .block_hashes
        .range(number.saturating_sub(256)..number)
    {
        state.insert_block_hash(*n, *hash);
    }
    let merged = spec.is_enabled_in(SpecId::MERGE);
    Ok(MainnetBlock {
        number,
        spec,
        block_env: block.block_env(spec),
        extras: block.extras(merged),
        txs,
        state,
        expected: Expected {
            gas_used: block.gas_used.to::<u64>(),
            logs_bloom: block.logs_bloom,
            receipts_root: spec
                .is_enabled_in(SpecId::BYZANTIUM)
                .then_some(block.receipts_root),
        },
    })
}
