//! RustHDL description of the fpevm FPGA core: the Keccak-f[1600] permutation, Keccak-256
//! sponge engines, the 256-bit EVM ALU ([`alu`]), the descriptor fetcher, completion writer
//! and register block ([`core::FpevmCore`]), and its Verilog generation ([`verilog`]).
//!
//! [`layout`] is the single definition of the host interface; the host driver compiles the
//! same file.

pub mod alu;
pub mod core;
pub mod engine;
pub mod generator_cli;
pub mod head_block;
pub mod keccak_consts;
pub mod keccak_rounds;
pub mod layout;
pub mod permutation;
pub mod permutation_top;
// F1 shell adapter (AXI-Lite + AXI4 PCIM) around the core.
pub mod shell;
pub mod verilog;

use rust_hdl::prelude::*;

/// `n` fresh signals.
pub(crate) fn signals<D: Direction, T: Synth>(n: usize) -> Vec<Signal<D, T>> {
    (0..n).map(|_| Signal::default()).collect()
}

/// Engines in the default configuration.
pub const DEFAULT_ENGINES: usize = 4;
/// Keccak rounds per clock in the default configuration.
pub const DEFAULT_ROUNDS: usize = 2;

/// Checks a core configuration: 1..=15 engines, rounds per clock dividing 24.
pub fn check_config(engines: usize, rounds: usize) -> Result<(), String> {
    if !(1..=15).contains(&engines) {
        return Err(format!("engines must be 1..=15, got {engines}"));
    }
    if rounds == 0 || 24 % rounds != 0 {
        return Err(format!("rounds per clock must divide 24, got {rounds}"));
    }
    Ok(())
}
