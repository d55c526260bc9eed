//! Arguments shared by every command that executes blocks.

use clap::Args;
use fpevm::offload::{open_device, DeviceKeccak, Driver, DriverConfig};
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

    /// Options of a vector run: as [`Self::exec_options`], except that `--offload auto|always`
    /// hashes every post-state root's trie on `--device` (KECCAK256 and the arithmetic
    /// opcodes are not offloaded yet; a note on stderr says so).
    pub fn run_options(&self) -> Result<RunOptions, String> {
        let plain = ExecArgs {
            offload: OffloadPolicy::Never,
            target: DeviceArgs {
                device: DeviceKind::Cpu,
            },
            ..self.clone()
        };
        let exec = plain.exec_options()?;
        if self.offload == OffloadPolicy::Never {
            return Ok(RunOptions::new(exec));
        }
        let device = open_device(self.target.device)
            .map_err(|e| format!("--device {}: {e}", self.target.device))?;
        let driver = Driver::new(device, DriverConfig::default())
            .map_err(|e| format!("--device {}: {e}", self.target.device))?;
        eprintln!(
            "note: --offload {}: state roots are hashed on the {} device; KECCAK256 and arithmetic opcodes still run on the CPU (not offloaded yet)",
            self.offload, self.target.device
        );
        Ok(RunOptions::with_hasher(
            exec,
            Arc::new(DeviceKeccak::new(driver)),
        ))
    }
}
