//! Arguments shared by every command that executes blocks.

use clap::Args;
use fpevm::{DeviceKind, ExecOptions, OffloadPolicy};

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
    /// Blocks with fewer transactions run sequentially (0: always the parallel path, for testing).
    #[arg(long)]
    pub min_parallel_txs: Option<usize>,
    /// One JSON object per result line.
    #[arg(long)]
    pub json: bool,
}

impl ExecArgs {
    /// The library options these arguments select; refuses what this build cannot do yet, with
    /// a message saying so.
    pub fn exec_options(&self) -> Result<ExecOptions, String> {
        let mut options = ExecOptions::default();
        if let Some(threads) = self.threads {
            if threads == 0 {
                return Err("--threads must be at least 1".into());
            }
            options.threads = threads;
        }
        if self.offload != OffloadPolicy::Never {
            return Err(format!(
                "--offload {} is not available yet: offloading lands with the FPGA core (use --offload never)",
                self.offload
            ));
        }
        if self.target.device != DeviceKind::Cpu {
            return Err(format!(
                "--device {} is not available yet: only the cpu transport is built (use --device cpu)",
                self.target.device
            ));
        }
        if let Some(min) = self.min_parallel_txs {
            options.min_parallel_txs = min;
        }
        options.offload = self.offload;
        options.device = self.target.device;
        Ok(options)
    }
}
