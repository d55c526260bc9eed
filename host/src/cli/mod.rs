//! The `fpevm` command line: argument parsing and the commands.

pub mod args;
pub mod bench;
pub mod bench_keccak;
pub mod demo;
pub mod device;
pub mod keccak;
pub mod mainnet;
pub mod progress;
pub mod vectors;
