//! The seam between trie building and whoever computes Keccak-256: the CPU or the device.

use revm::primitives::{keccak256, B256};

/// Computes Keccak-256 of many independent inputs at once.
///
/// Invariant: `out` receives exactly one digest per input, in input order.
pub trait KeccakBatch {
    /// Appends `keccak256(input)` for each input to `out`.
    fn keccak_batch(&self, inputs: &[&[u8]], out: &mut Vec<B256>);
}

/// Hashes on the calling CPU thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuKeccak;

impl KeccakBatch for CpuKeccak {
    fn keccak_batch(&self, inputs: &[&[u8]], out: &mut Vec<B256>) {
        out.extend(inputs.iter().map(keccak256));
    }
}
