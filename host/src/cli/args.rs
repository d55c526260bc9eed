//! Arguments shared by every command that executes blocks.

use clap::Args;
use fpevm::offload::EvmOffload;
use fpevm::vectors::RunOptions;
use fpevm::{DeviceKind, ExecOptions, OffloadPolicy};
use std::sync::Arc;

/// The device option, shared by every command that may use the device.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    /// Transport for offloaded work: cpu, sim, aws.
    #[arg(long, default_value = "cpu")]
    pub device: DeviceKind,
}

/// Options common to every execution command.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Worker lanes (default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// When hot opcodes and Keccak go to the device: never, auto, always.
    #[arg(long, default_value = "never")]
    pub offload: OffloadPolicy,
    #[command(flatten)]
    pub target: DeviceArgs,
    /// Devices serving the lanes as one pool (FPGA slots from the first, or simulated cores).
    #[arg(long, default_value_t = 1)]
    pub devices: usize,
    /// Blocks with fewer transactions run sequentially (0: always the parallel path, for testing).
    #[arg(long)]
    pub min_parallel_txs: Option<usize>,
    /// Run plain transfers through revm too, instead of natively (for comparisons).
    #[arg(long)]
    pub no_native_transfers: bool,
    /// Let lanes read conflicting token-like slots as ranges and write deltas.
    #[arg(long)]
    pub lazy_storage: bool,
    /// Never try a block as two independent parts first (Block-STM lanes only).
    #[arg(long)]
    pub no_split: bool,
    /// One JSON object per result line.
    #[arg(long)]
    pub json: bool,
}

impl ExecArgs {
    /// The library options these arguments select. With `--offload auto|always` the device
    /// is opened once here and shared by every block the command runs.
    pub fn exec_options(&self) -> Result<ExecOptions, String> {
        let mut options = ExecOptions::default();
        if let Some(threads) = self.threads {
            if threads == 0 {
                return Err("--threads must be at least 1".into());
            }
            options.threads = threads;
        }
        if let Some(min) = self.min_parallel_txs {
            options.min_parallel_txs = min;
        }
        options.native_transfers = !self.no_native_transfers;
        options.lazy_storage = self.lazy_storage;
        options.split = !self.no_split;
        options.offload = self.offload;
        options.device = self.target.device;
        if self.offload != OffloadPolicy::Never {
            if self.devices == 0 {
                return Err("--devices must be at least 1".into());
            }
            let offloader = EvmOffload::open_pool(self.target.device, self.devices, self.offload)
                .map_err(|e| format!("--device {}: {e}", self.target.device))?;
            options.offloader = Some(offloader);
        }
        Ok(options)
    }

    /// Options of a vector run: as [`Self::exec_options`], and with `--offload auto|always`
    /// every post-state root's trie is hashed through the same device, level by level.
    pub fn run_options(&self) -> Result<RunOptions, String> {
        let exec = self.exec_options()?;
        Ok(match exec.offloader.clone() {
            Some(offloader) => RunOptions::with_hasher(exec, Arc::new(offloader)),
            None => RunOptions::new(exec),
        })
    }
}
