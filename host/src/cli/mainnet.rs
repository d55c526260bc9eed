//! `fpevm mainnet`: runs the mainnet block snapshots (being written).

use super::args::ExecArgs;
use clap::Args;
use fpevm::vectors::Tally;
use std::path::PathBuf;

/// Arguments of `fpevm mainnet`.
#[derive(Debug, Clone, Args)]
pub struct MainnetArgs {
    /// The corpus folder (holding `blocks/`, `bytecodes.json.gz`, `block_hashes.json`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Runs of each block per strategy.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// Runs the command.
pub fn run(_args: &MainnetArgs) -> Result<Tally, String> {
    Err("fpevm mainnet is not available yet".into())
}
