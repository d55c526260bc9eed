//! fpevm: execute Ethereum blocks in parallel lanes, with an FPGA core for Keccak-256 and hot
//! 256-bit opcodes.
//!
//! The entry point is [`execute_block`]: revm-native inputs (`BlockEnv`, `TxEnv`s with senders
//! recovered, a `DatabaseRef` pre-state), a [`BlockOutput`] with results, receipts and state
//! changes. Whatever strategy runs, the output equals the sequential one.

pub mod baseline;
mod bloom;
pub mod error;
pub mod exec;
mod keccak_words;
pub mod mainnet;
/// The FPGA offload driver: transports, rings, batches, and the software reference device.
pub mod offload;
pub mod options;
pub mod output;
mod parallel;
pub mod receipt;
pub mod state;
pub mod steady_heap;
pub mod trie;
pub mod vectors;
pub mod workload;

pub use error::ExecError;
pub use exec::execute_block;
pub use options::{BlockExtras, DeviceKind, ExecMode, ExecOptions, OffloadPolicy};
pub use output::{
    AccountChange, AccountState, BlockOutput, InvalidTxReason, SkippedTx, StateChanges,
};
pub use receipt::Receipt;

/// revm, re-exported so users build inputs with the exact version fpevm links.
pub use revm;
