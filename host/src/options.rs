//! Execution options: lanes, offload policy, device, mode, and the block's non-transaction inputs.

use revm::primitives::{Address, B256, U256};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The cores this process may use, asked once: the answer reads cgroup files, which costs as
/// much as a small block's bookkeeping.
pub fn available_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How a block's invalid transactions are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecMode {
    /// A block with an invalid transaction is an error naming the transaction (node import).
    #[default]
    Validate,
    /// Invalid transactions are skipped and reported; the rest executes (block building).
    Build,
}

/// When KECCAK256 and the hot 256-bit opcodes go to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OffloadPolicy {
    /// Always on the CPU.
    #[default]
    Never,
    /// On the device when the cost model says it pays.
    Auto,
    /// Every eligible operation goes to the device (for testing).
    Always,
}

/// Which transport serves offloaded work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceKind {
    /// The software reference of the core's contract.
    #[default]
    Cpu,
    /// The Verilated core.
    Sim,
    /// An AWS F1/F2 FPGA slot.
    Aws,
}

/// Inputs of a block that are not transactions, applied around them by the consensus rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockExtras {
    /// EIP-4788: stored by a system call before the first transaction (Cancun on).
    pub parent_beacon_block_root: Option<B256>,
    /// EIP-4895 withdrawals, credited after the last transaction (Shanghai on).
    pub withdrawals: Vec<Withdrawal>,
    /// Proof-of-work rewards: `Some(ommers)` credits the block reward (before the merge) to the
    /// beneficiary and each ommer's beneficiary; `None` credits nothing (state tests).
    pub mining_reward: Option<Vec<Ommer>>,
}

/// One EIP-4895 withdrawal: `amount_gwei` gwei credited to `address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withdrawal {
    /// Recipient.
    pub address: Address,
    /// Amount in gwei.
    pub amount_gwei: u64,
}

/// An ommer (uncle) header's fields that its mining reward depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ommer {
    /// The ommer's beneficiary.
    pub beneficiary: Address,
    /// The ommer's block number.
    pub number: U256,
}

/// Options of [`crate::execute_block`]. `Default` is: one lane per core, CPU only, validate mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// Worker lanes; 1 runs the block sequentially. More lanes than cores are capped at the
    /// cores (they would only take turns).
    pub threads: usize,
    /// Offload policy for KECCAK256 and hot arithmetic.
    pub offload: OffloadPolicy,
    /// Transport for offloaded work.
    pub device: DeviceKind,
    /// Validate (reject on invalid transaction) or build (skip it).
    pub mode: ExecMode,
    /// Chain id checked against transactions.
    pub chain_id: u64,
    /// Blocks with fewer transactions run sequentially: too little work to share out (so do
    /// blocks of mostly plain transfers, whose contract calls are too little work for lanes to
    /// pay; the report says which). Zero forces the parallel path for every block, even one
    /// transaction on one lane (for testing and comparisons).
    pub min_parallel_txs: usize,
    /// Plain value transfers between accounts without code are executed natively, without
    /// revm's interpreter, when they are the ordinary valid case (anything else goes to revm;
    /// the results are identical). `false` runs every transaction through revm.
    pub native_transfers: bool,
    /// Lanes read a storage slot that conflicted within the block as a range of values, and
    /// write it as a delta, when the transaction used it only through additions, subtractions
    /// and comparisons (a token's balance of a busy deposit address); see the README. Off by
    /// default: on the mainnet corpus it takes the waits away in the two blocks that read
    /// ranges, yet they run 6-10% slower (tracked executions run a hooked instruction table).
    pub lazy_storage: bool,
    /// A block for two lanes is first tried as two independent parts, each run like the
    /// sequential path over its own view of the pre-state, without the lanes' bookkeeping;
    /// kept only if neither part read anything the other changed, else the lanes run it (see
    /// the README). After a failed try the next blocks skip it for a while.
    pub split: bool,
    /// Beacon root, withdrawals and mining rewards of the block.
    pub extras: BlockExtras,
    /// An open device to offload to, shared by many blocks; its own policy decides. `None`
    /// with `offload` other than `Never` opens `device` for each block.
    pub offloader: Option<crate::offload::EvmOffload>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            threads: available_cores(),
            offload: OffloadPolicy::default(),
            device: DeviceKind::default(),
            mode: ExecMode::default(),
            chain_id: 1,
            min_parallel_txs: 8,
            native_transfers: true,
            lazy_storage: false,
            split: true,
            extras: BlockExtras::default(),
            offloader: None,
        }
    }
}

/// An option value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}` (expected one of: {expected})")]
pub struct ParseOptionError {
    kind: &'static str,
    value: String,
    expected: &'static str,
}

macro_rules! option_enum_text {
    ($ty:ident, $kind:literal, $($variant:ident => $text:literal),+) => {
        impl FromStr for $ty {
            type Err = ParseOptionError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(ParseOptionError {
                        kind: $kind,
                        value: s.to_string(),
                        expected: concat!($($text, " "),+),
                    }),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self { $(Self::$variant => $text,)+ })
            }
        }
    };
}

option_enum_text!(ExecMode, "mode", Validate => "validate", Build => "build");
option_enum_text!(OffloadPolicy, "offload policy", Never => "never", Auto => "auto", Always => "always");
option_enum_text!(DeviceKind, "device", Cpu => "cpu", Sim => "sim", Aws => "aws");
