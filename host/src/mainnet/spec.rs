//! Ethereum mainnet's fork schedule: the spec of a block by number and timestamp, and the blob
//! base fee update fraction in force.

use revm::primitives::eip4844::{
    BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
};
use revm::primitives::hardfork::SpecId;

/// Mainnet's chain id.
pub const MAINNET_CHAIN_ID: u64 = 1;

/// Block at which the merge (Paris) activated; later forks activate by timestamp.
pub const MERGE_BLOCK: u64 = 15_537_394;

/// Mainnet forks by block number, newest first. revm 43 has no variant for forks that changed
/// no EVM rule (Frontier Thawing, the DAO fork's irregular state change, the difficulty-bomb
/// delays Muir Glacier, Arrow Glacier and Gray Glacier) nor for Constantinople, which
/// Petersburg replaced at the same block: those blocks run under the fork before them.
const BY_NUMBER: &[(u64, SpecId)] = &[
    (MERGE_BLOCK, SpecId::MERGE),
    (15_050_000, SpecId::LONDON),  // Gray Glacier
    (13_773_000, SpecId::LONDON),  // Arrow Glacier
    (12_965_000, SpecId::LONDON),
    (12_244_000, SpecId::BERLIN),
    (9_200_000, SpecId::ISTANBUL), // Muir Glacier
    (9_069_000, SpecId::ISTANBUL),
    (7_280_000, SpecId::PETERSBURG),
    (4_370_000, SpecId::BYZANTIUM),
    (2_675_000, SpecId::SPURIOUS_DRAGON),
    (2_463_000, SpecId::TANGERINE),
    (1_920_000, SpecId::HOMESTEAD), // DAO fork
    (1_150_000, SpecId::HOMESTEAD),
    (0, SpecId::FRONTIER),
];

/// Mainnet forks after the merge, by timestamp, newest first.
const BY_TIME: &[(u64, SpecId)] = &[
    (1_764_798_551, SpecId::OSAKA),
    (1_746_612_311, SpecId::PRAGUE),
    (1_710_338_135, SpecId::CANCUN),
    (1_681_338_455, SpecId::SHANGHAI),
];

/// Blob-parameter-only forks (EIP-7892) by timestamp, newest first, with their base fee update
/// fraction: BPO2, BPO1.
const BLOB_FRACTION_BY_TIME: &[(u64, u64)] = &[(1_767_747_671, 11_684_671), (1_765_290_071, 8_346_193)];

/// The spec of mainnet block `number` with `timestamp`.
pub fn mainnet_spec(number: u64, timestamp: u64) -> SpecId {
    if number >= MERGE_BLOCK {
        if let Some((_, spec)) = BY_TIME.iter().find(|(at, _)| timestamp >= *at) {
            return *spec;
        }
    }
    BY_NUMBER
        .iter()
        .find(|(at, _)| number >= *at)
        .map_or(SpecId::FRONTIER, |(_, spec)| *spec)
}

/// The EIP-4844 blob base fee update fraction of a mainnet block under `spec` at `timestamp`
/// (Cancun's, Prague's from Prague, then the blob-parameter-only forks').
///
/// Only the fraction follows the BPO forks: the per-block blob limit the executor checks
/// follows `spec`, so a BPO block with more blobs than Osaka allows is not supported.
pub fn mainnet_blob_base_fee_update_fraction(spec: SpecId, timestamp: u64) -> u64 {
    if let Some((_, fraction)) = BLOB_FRACTION_BY_TIME.iter().find(|(at, _)| timestamp >= *at) {
        return *fraction;
    }
    if spec.is_enabled_in(SpecId::PRAGUE) {
        BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
    } else {
        BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_boundaries() {
        let cases = [
            (0, 0, SpecId::FRONTIER),
            (46_147, 1_438_918_233, SpecId::FRONTIER),
            (1_149_999, 0, SpecId::FRONTIER),
            (1_150_000, 0, SpecId::HOMESTEAD),
            (1_920_000, 0, SpecId::HOMESTEAD),
            (2_462_999, 0, SpecId::HOMESTEAD),
            (2_463_000, 0, SpecId::TANGERINE),
            (2_675_000, 0, SpecId::SPURIOUS_DRAGON),
            (4_369_999, 1_508_131_330, SpecId::SPURIOUS_DRAGON),
            (4_370_000, 1_508_131_331, SpecId::BYZANTIUM),
            (7_279_999, 0, SpecId::BYZANTIUM),
            (7_280_000, 0, SpecId::PETERSBURG),
            (9_069_000, 0, SpecId::ISTANBUL),
            (9_200_000, 0, SpecId::ISTANBUL),
            (12_244_000, 1_618_481_223, SpecId::BERLIN),
            (12_965_000, 0, SpecId::LONDON),
            (15_050_000, 0, SpecId::LONDON),
            (15_537_393, 1_663_224_162, SpecId::LONDON),
            (15_537_394, 1_663_224_179, SpecId::MERGE),
            (17_034_869, 1_681_338_443, SpecId::MERGE),
            (17_034_870, 1_681_338_479, SpecId::SHANGHAI),
            (19_426_586, 1_710_338_123, SpecId::SHANGHAI),
            (19_426_587, 1_710_338_135, SpecId::CANCUN),
            (22_431_084, 1_746_612_311, SpecId::PRAGUE),
            (23_935_694, 1_764_798_551, SpecId::OSAKA),
        ];
        for (number, timestamp, spec) in cases {
            assert_eq!(mainnet_spec(number, timestamp), spec, "block {number}");
        }
    }

    #[test]
    fn a_timestamp_alone_does_not_make_a_pre_merge_block_shanghai() {
        assert_eq!(mainnet_spec(15_000_000, 1_700_000_000), SpecId::LONDON);
    }

    #[test]
    fn blob_fractions() {
        assert_eq!(
            mainnet_blob_base_fee_update_fraction(SpecId::CANCUN, 1_710_338_135),
            3_338_477
        );
        assert_eq!(
            mainnet_blob_base_fee_update_fraction(SpecId::PRAGUE, 1_746_612_311),
            5_007_716
        );
        assert_eq!(
            mainnet_blob_base_fee_update_fraction(SpecId::OSAKA, 1_765_290_071),
            8_346_193
        );
        assert_eq!(
            mainnet_blob_base_fee_update_fraction(SpecId::OSAKA, 1_767_747_671),
            11_684_671
        );
    }
}
