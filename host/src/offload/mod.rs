//! The offload driver: Keccak-256 jobs for the fpevm core over a descriptor/completion ring
//! protocol in DMA memory.
//!
//! The same protocol runs over every [`Transport`]: [`CpuDevice`] (the software reference of
//! the core's contract), the Verilated core (`sim`) and an FPGA slot (`aws`). [`Driver`] lays
//! out the rings and the input arena in the transport's DMA memory and runs batches;
//! [`Batcher`] gathers single requests from many lanes into such batches; [`kat`] reads the
//! Keccak team's known-answer files.
//!
//! The register and descriptor layout is not defined here: [`layout`] is the hardware's own
//! definition (`hdl/src/layout.rs`), compiled into both crates so the two sides cannot drift.
//!
//! [`Transport`]: crate::offload::Transport
//! [`CpuDevice`]: crate::offload::CpuDevice
//! [`Driver`]: crate::offload::Driver
//! [`Batcher`]: crate::offload::Batcher
//! [`kat`]: crate::offload::kat
//! [`layout`]: crate::offload::layout

// The hardware side owns this file and its lint level (`%` for alignment is its style).
#[path = "../../../hdl/src/layout.rs"]
#[rustfmt::skip]
pub mod layout;

pub mod alu;
#[cfg(feature = "aws")]
pub mod aws;
pub mod batcher;
pub mod config;
pub mod cost_model;
pub mod cpu;
pub mod driver;
pub mod error;
pub mod evm_ops;
pub mod kat;
pub mod keccak_memo;
pub mod offloader;
pub mod pool;
pub mod ring;
pub mod runner;
#[cfg(feature = "sim")]
pub mod sim;
pub mod transport;
pub mod trie_hasher;

pub use batcher::{Batcher, BatcherHandle, BatcherStats, OwnedJob};
pub use config::{DmaLayout, DriverConfig};
pub use cost_model::CostModel;
pub use cpu::{CpuDevice, DEFAULT_DMA_BASE};
pub use driver::{Driver, Job};
pub use error::{FaultCounts, OffloadError};
pub use offloader::{EvmOffload, LaneRoute, OffloadStats};
pub use pool::{DevicePool, PoolStats};
pub use runner::JobRunner;
pub use transport::Transport;
pub use trie_hasher::DeviceKeccak;

use crate::options::DeviceKind;

/// Opens the transport `kind` names, with DMA memory for [`DriverConfig::default`].
pub fn open_device(kind: DeviceKind) -> Result<Box<dyn Transport>, OffloadError> {
    open_device_at(kind, 0)
}

/// Opens the `index`-th device of `kind` (for a pool): the FPGA slot `index` past the first
/// (`aws`), or one more independent instance (`cpu`, `sim`).
#[cfg_attr(not(feature = "aws"), allow(unused_variables))]
pub fn open_device_at(kind: DeviceKind, index: u32) -> Result<Box<dyn Transport>, OffloadError> {
    match kind {
        DeviceKind::Cpu => Ok(Box::new(CpuDevice::new(
            DriverConfig::default().dma_bytes()?,
        )?)),
        #[cfg(feature = "sim")]
        DeviceKind::Sim => Ok(Box::new(sim::SimDevice::new(
            fpevm_sim::Config::DEFAULT,
            DriverConfig::default().dma_bytes()?,
        )?)),
        #[cfg(not(feature = "sim"))]
        DeviceKind::Sim => Err(OffloadError::Unavailable(
            "the simulated core is not built into this binary (feature `sim`)",
        )),
        #[cfg(feature = "aws")]
        DeviceKind::Aws => Ok(Box::new(aws::open_for_driver(
            index,
            DriverConfig::default().dma_bytes()?,
        )?)),
        #[cfg(not(feature = "aws"))]
        DeviceKind::Aws => Err(OffloadError::Unavailable(
            "the aws transport is not built into this binary (feature `aws`)",
        )),
    }
}
