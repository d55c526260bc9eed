//! The `fpevm` command line.

mod cli;

use clap::{Parser, Subcommand};
use cli::args::ExecArgs;
use cli::vectors::Suite;
use std::path::PathBuf;
use std::process::ExitCode;

/// Parallel Ethereum block execution with an FPGA offload core.
#[derive(Debug, Parser)]
#[command(name = "fpevm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run GeneralStateTests files or folders (recursively).
    Statetest {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Forks to run: a comma-separated list of names, or `all`.
        #[arg(long, default_value = "Cancun")]
        forks: String,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Run BlockchainTests files or folders (recursively).
    Blocktest {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Networks to run: a comma-separated list of names, or `all`.
        #[arg(long, default_value = "Cancun")]
        forks: String,
        #[command(flatten)]
        exec: ExecArgs,
    },
    /// Run the mainnet block snapshots, sequentially and in parallel, and compare.
    Mainnet(cli::mainnet::MainnetArgs),
    /// Execute the built-in example block and print a summary.
    Demo(cli::demo::DemoArgs),
    /// Measure speed (see `fpevm bench exec --help`).
    Bench(cli::bench::BenchArgs),
    /// Run Keccak known-answer files through the offload device and compare the digests.
    Keccak(cli::keccak::KeccakArgs),
    /// AWS F1/F2 slots: list them, check one, load an AFI (needs feature `aws`).
    Device(cli::device::DeviceCommand),
}

fn main() -> ExitCode {
    // Output piped into `head` and closed early ends the program quietly, as for any Unix tool.
    #[cfg(unix)]
    // SAFETY: restoring the default action of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Statetest { paths, forks, exec } => {
            cli::vectors::run(Suite::State, paths, forks, exec)
        }
        Command::Blocktest { paths, forks, exec } => {
            cli::vectors::run(Suite::Blockchain, paths, forks, exec)
        }
        Command::Mainnet(args) => cli::mainnet::run(args),
        Command::Demo(args) => cli::demo::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Keccak(args) => cli::keccak::run(args),
        Command::Device(args) => cli::device::run(args),
    };
    match result {
        Ok(tally) => {
            println!("{tally}");
            if tally.failed > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            println!("0 passed, 1 failed");
            ExitCode::FAILURE
        }
    }
}
