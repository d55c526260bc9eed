//! What a vector run needs beyond [`ExecOptions`]: the Keccak batcher the post-state root is
//! hashed with (the CPU, or the device's batched trie hashing).

use std::ops::Deref;
use std::sync::Arc;

use crate::trie::{CpuKeccak, KeccakBatch};
use crate::ExecOptions;

/// Execution options plus the state-root hasher. Derefs to the [`ExecOptions`].
#[derive(Clone)]
pub struct RunOptions {
    /// Options of every block's execution.
    pub exec: ExecOptions,
    /// Hashes the post-state trie, level by level.
    pub hasher: Arc<dyn KeccakBatch + Send + Sync>,
}

impl RunOptions {
    /// `exec` with roots hashed on the CPU.
    pub fn new(exec: ExecOptions) -> Self {
        Self {
            exec,
            hasher: Arc::new(CpuKeccak),
        }
    }

    /// `exec` with roots hashed by `hasher`.
    pub fn with_hasher(exec: ExecOptions, hasher: Arc<dyn KeccakBatch + Send + Sync>) -> Self {
        Self { exec, hasher }
    }
}

impl Deref for RunOptions {
    type Target = ExecOptions;
    fn deref(&self) -> &ExecOptions {
        &self.exec
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("exec", &self.exec)
            .finish_non_exhaustive()
    }
}
