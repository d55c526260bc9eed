//! Ethereum mainnet's fork schedule: the spec of a block by number and timestamp.

use revm::primitives::hardfork::SpecId;

/// Blocks at which mainnet forks that change execution activated, newest first (the glacier
/// forks and the DAO fork change no EVM rule revm models per block).
const BY_NUMBER: &[(u64, SpecId)] = &[
    (15_537_394, SpecId::MERGE),
    (12_965_000, SpecId::LONDON),
    (12_244_000, SpecId::BERLIN),
    (9_069_000, SpecId::ISTANBUL),
    (7_280_000, SpecId::PETERSBURG),
    (4_370_000, SpecId::BYZANTIUM),
    (2_675_000, SpecId::SPURIOUS_DRAGON),
    (2_463_000, SpecId::TANGERINE),
    (1_150_000, SpecId::HOMESTEAD),
    (0, SpecId::FRONTIER),
];

/// Timestamps at which mainnet forks activated after the merge, newest first.
const BY_TIME: &[(u64, SpecId)] = &[
    (1_746_612_311, SpecId::PRAGUE),
    (1_710_338_135, SpecId::CANCUN),
    (1_681_338_455, SpecId::SHANGHAI),
];

/// The spec of mainnet block `number` with `timestamp`.
pub fn mainnet_spec(number: u64, timestamp: u64) -> SpecId {
    if number >= 15_537_394 {
        if let Some((_, spec)) = BY_TIME.iter().find(|(at, _)| timestamp >= *at) {
            return *spec;
        }
    }
    BY_NUMBER
        .iter()
        .find(|(at, _)| number >= *at)
        .map_or(SpecId::FRONTIER, |(_, spec)| *spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fork_boundaries() {
        assert_eq!(mainnet_spec(46_147, 1_438_918_233), SpecId::FRONTIER);
        assert_eq!(mainnet_spec(4_370_000, 1_508_131_331), SpecId::BYZANTIUM);
        assert_eq!(
            mainnet_spec(4_369_999, 1_508_131_330),
            SpecId::SPURIOUS_DRAGON
        );
        assert_eq!(mainnet_spec(12_244_000, 1_618_481_223), SpecId::BERLIN);
        assert_eq!(mainnet_spec(15_537_394, 1_663_224_179), SpecId::MERGE);
        assert_eq!(mainnet_spec(17_034_870, 1_681_338_479), SpecId::SHANGHAI);
        assert_eq!(mainnet_spec(19_426_587, 1_710_338_135), SpecId::CANCUN);
    }
}
