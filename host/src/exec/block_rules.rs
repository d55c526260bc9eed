//! Block-level limits that revm does not check per transaction.

use revm::primitives::eip4844::{MAX_BLOB_GAS_PER_BLOCK_CANCUN, MAX_BLOB_GAS_PER_BLOCK_PRAGUE};
use revm::primitives::hardfork::SpecId;

/// Maximum blob gas a block may use under `spec` (zero before Cancun).
pub fn max_blob_gas_per_block(spec: SpecId) -> u64 {
    if spec.is_enabled_in(SpecId::PRAGUE) {
        MAX_BLOB_GAS_PER_BLOCK_PRAGUE
    } else if spec.is_enabled_in(SpecId::CANCUN) {
        MAX_BLOB_GAS_PER_BLOCK_CANCUN
    } else {
        0
    }
}
