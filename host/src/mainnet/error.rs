//! Why a mainnet snapshot could not be loaded: always the file at fault and the problem.

use super::rpc_block::BlockFieldError;
use super::rpc_tx::TxError;
use revm::primitives::{Address, B256};
use std::path::PathBuf;

/// A snapshot file that cannot be read or does not hold what the corpus format promises.
#[derive(Debug, thiserror::Error)]
pub enum MainnetError {
    /// The file or folder cannot be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file or folder.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `bytecodes.json.gz` is not gzip data.
    #[error("{file}: not gzip data: {source}")]
    Gzip {
        /// The file.
        file: PathBuf,
        /// The decompression error.
        source: std::io::Error,
    },
    /// The file is not JSON, or not JSON of the expected shape (bad hex, missing field, ...).
    #[error("{file}: malformed: {source}")]
    Json {
        /// The file.
        file: PathBuf,
        /// The parser's error (it gives line and column).
        source: serde_json::Error,
    },
    /// A key of `block_hashes.json` is not a decimal block number.
    #[error("{file}: `{key}` is not a block number")]
    BlockNumber {
        /// The file.
        file: PathBuf,
        /// The offending key.
        key: String,
    },
    /// A code entry does not hash to its key.
    #[error("{file}: the code under {code_hash} hashes to {actual}")]
    CodeHash {
        /// The file.
        file: PathBuf,
        /// The key it is stored under.
        code_hash: B256,
        /// keccak256 of the code.
        actual: B256,
    },
    /// An account refers to code that `bytecodes.json.gz` lacks.
    #[error("{file}: account {address} has code hash {code_hash}, which the corpus's bytecodes lack")]
    MissingCode {
        /// The pre-state file.
        file: PathBuf,
        /// The account.
        address: Address,
        /// Its code hash.
        code_hash: B256,
    },
    /// A block field is missing or inconsistent with the block's fork.
    #[error("{file}: {source}")]
    Block {
        /// The block file.
        file: PathBuf,
        /// What is wrong.
        source: BlockFieldError,
    },
    /// A transaction cannot be converted to revm's `TxEnv`.
    #[error("{file}: transaction {index}: {source}")]
    Transaction {
        /// The block file.
        file: PathBuf,
        /// Index of the transaction in the block.
        index: usize,
        /// What is wrong.
        source: TxError,
    },
    /// The folder's name is a number other than the block it holds.
    #[error("{file}: holds block {number}, but its folder is named {folder}")]
    FolderMismatch {
        /// The block file.
        file: PathBuf,
        /// The block's number.
        number: u64,
        /// The folder's number.
        folder: u64,
    },
}
