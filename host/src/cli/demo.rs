//! `fpevm demo`: runs the built-in example block (being written).

use super::args::ExecArgs;
use clap::Args;
use fpevm::vectors::Tally;

/// Arguments of `fpevm demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// Runs the command.
pub fn run(_args: &DemoArgs) -> Result<Tally, String> {
    Err("fpevm demo is not available yet".into())
}
