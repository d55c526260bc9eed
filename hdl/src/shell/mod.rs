//! The F1 shell adapter: the core behind AXI-Lite (OCL register BAR) and AXI4 (PCIM DMA
//! master) ports, one block per file.
//!
//! - [`axi_lite_slave`]: OCL register reads and writes onto the core's register port.
//! - [`axi_read_master`]: the core's DMA read requests as PCIM read bursts.
//! - [`axi_write_master`]: the core's DMA write beats as single-beat PCIM write bursts.
//! - [`top`]: [`FpevmShell`], the core and the three adapters, generated as Verilog module
//!   `fpevm_shell` (see [`crate::verilog::generate_shell_verilog`]).

pub mod axi_lite_slave;
pub mod axi_read_master;
pub mod axi_write_master;
pub mod top;

pub use top::FpevmShell;
