//! Fork names of the test vectors and the revm spec each one means.

use revm::primitives::hardfork::SpecId;

/// The spec a fork name of the test suites denotes, or `None` for an unknown name.
///
/// `Constantinople` (with EIP-1283, withdrawn before mainnet) maps to `None` through
/// [`unsupported_reason`]; everything else that shipped on mainnet is here.
pub fn spec_by_name(name: &str) -> Option<SpecId> {
    Some(match name {
        "Frontier" => SpecId::FRONTIER,
        "Homestead" => SpecId::HOMESTEAD,
        "EIP150" | "TangerineWhistle" => SpecId::TANGERINE,
        "EIP158" | "SpuriousDragon" => SpecId::SPURIOUS_DRAGON,
        "Byzantium" => SpecId::BYZANTIUM,
        "ConstantinopleFix" | "Petersburg" => SpecId::PETERSBURG,
        "Istanbul" => SpecId::ISTANBUL,
        "Berlin" => SpecId::BERLIN,
        "London" => SpecId::LONDON,
        "Paris" | "Merge" => SpecId::MERGE,
        "Shanghai" => SpecId::SHANGHAI,
        "Cancun" => SpecId::CANCUN,
        "Prague" => SpecId::PRAGUE,
        "Osaka" => SpecId::OSAKA,
        _ => return None,
    })
}

/// Known fork names that are deliberately not run, with the reason printed for them.
pub fn unsupported_reason(name: &str) -> Option<&'static str> {
    match name {
        "Constantinople" => Some("Constantinople with EIP-1283 never shipped; revm skips it too"),
        "HomesteadToDaoAt5" => Some("the DAO fork's irregular state change is not modelled"),
        _ => None,
    }
}

/// A blockchain test's network: one spec, or a switch at a block number or timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// The same spec for every block.
    Fixed(SpecId),
    /// `before` below block `at`, `after` from it.
    AtBlock {
        before: SpecId,
        after: SpecId,
        at: u64,
    },
    /// `before` below timestamp `at`, `after` from it.
    AtTime {
        before: SpecId,
        after: SpecId,
        at: u64,
    },
}

impl Network {
    /// Parses a network name; `None` when unknown.
    pub fn parse(name: &str) -> Option<Self> {
        if let Some(spec) = spec_by_name(name) {
            return Some(Self::Fixed(spec));
        }
        let (before, after, at_block, at) = match name {
            "FrontierToHomesteadAt5" => ("Frontier", "Homestead", true, 5),
            "HomesteadToEIP150At5" => ("Homestead", "EIP150", true, 5),
            "EIP158ToByzantiumAt5" => ("EIP158", "Byzantium", true, 5),
            "ByzantiumToConstantinopleFixAt5" => ("Byzantium", "ConstantinopleFix", true, 5),
            "BerlinToLondonAt5" => ("Berlin", "London", true, 5),
            "ParisToShanghaiAtTime15k" => ("Paris", "Shanghai", false, 15_000),
            "ShanghaiToCancunAtTime15k" => ("Shanghai", "Cancun", false, 15_000),
            "CancunToPragueAtTime15k" => ("Cancun", "Prague", false, 15_000),
            "PragueToOsakaAtTime15k" => ("Prague", "Osaka", false, 15_000),
            _ => return None,
        };
        let (before, after) = (spec_by_name(before)?, spec_by_name(after)?);
        Some(if at_block {
            Self::AtBlock { before, after, at }
        } else {
            Self::AtTime { before, after, at }
        })
    }

    /// The spec of a block with this number and timestamp.
    pub fn spec_at(&self, number: u64, timestamp: u64) -> SpecId {
        match *self {
            Self::Fixed(spec) => spec,
            Self::AtBlock { before, after, at } => {
                if number >= at {
                    after
                } else {
                    before
                }
            }
            Self::AtTime { before, after, at } => {
                if timestamp >= at {
                    after
                } else {
                    before
                }
            }
        }
    }
}

pub(crate) use unsupported_reason as fork_unsupported_reason;

/// Which forks (state tests) or networks (blockchain tests) a run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForkSelection {
    /// Every fork the files carry.
    All,
    /// Only these names.
    Only(Vec<String>),
}

impl ForkSelection {
    /// Parses `all` or a comma-separated list of names.
    pub fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("all") {
            Self::All
        } else {
            Self::Only(text.split(',').map(|s| s.trim().to_string()).collect())
        }
    }

    /// Whether `name` is selected.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

impl Default for ForkSelection {
    fn default() -> Self {
        Self::Only(vec!["Cancun".to_string()])
    }
}
