//! Typed errors of block execution.

use crate::output::InvalidTxReason;
use revm::context::result::InvalidHeader;
use thiserror::Error;

/// Why a block could not be executed.
///
/// Every variant names the transaction (its index in the block) when one is to blame, so node
/// software can reject or trim the block precisely.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExecError {
    /// A transaction failed validation (nonce, balance, gas, fee, type, ...). In `validate` mode
    /// this rejects the block.
    #[error("transaction {index} is invalid: {reason}")]
    InvalidTransaction {
        /// Position of the transaction in the block.
        index: usize,
        /// What is wrong with it.
        reason: InvalidTxReason,
    },
    /// The block environment itself is unusable (for example no prevrandao after the merge).
    #[error("invalid block header: {0}")]
    InvalidHeader(InvalidHeader),
    /// A block-level rule was broken (gas or blob gas over the limit, a failing system call).
    #[error("invalid block: {0}")]
    InvalidBlock(String),
    /// The pre-state database failed.
    #[error("database error: {0}")]
    Database(String),
    /// A fatal error inside the EVM (a precompile's fatal error, an internal inconsistency).
    #[error("EVM error: {0}")]
    Evm(String),
    /// The offload device could not be opened.
    #[error("offload device: {0}")]
    Device(String),
}
