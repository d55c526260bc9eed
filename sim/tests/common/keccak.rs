//! Keccak-256 (Ethereum padding) on the CPU, the reference the raw core tests compare with.

use tiny_keccak::{Hasher, Keccak};

/// Keccak-256 of `data`.
pub fn keccak(data: &[u8]) -> [u8; 32] {
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}
