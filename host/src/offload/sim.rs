//! The Verilated core as a [`Transport`]: registers through the model's register port, DMA
//! memory served by the simulation harness, time in clock cycles.

use fpevm_sim::{Config, DmaStats, SimCore, SimOptions};

use super::cpu::DEFAULT_DMA_BASE;
use super::layout::REG_CQ_TAIL;
use super::{OffloadError, Transport};

/// Cycles run between two looks at the completion index.
const ADVANCE_STEP: u64 = 8;

/// A simulated core with its DMA memory.
pub struct SimDevice {
    core: SimCore,
}

impl SimDevice {
    /// A core of `config` with `dma_bytes` of DMA memory at [`DEFAULT_DMA_BASE`].
    pub fn new(config: Config, dma_bytes: usize) -> Result<Self, OffloadError> {
        Self::with_options(config, DEFAULT_DMA_BASE, dma_bytes, SimOptions::default())
    }

    /// A core with explicit DMA base and harness options.
    pub fn with_options(
        config: Config,
        base: u64,
        dma_bytes: usize,
        options: SimOptions,
    ) -> Result<Self, OffloadError> {
        let core = SimCore::new(config, base, dma_bytes, options)
            .map_err(|e| OffloadError::Device(e.to_string()))?;
        Ok(Self { core })
    }

    /// The core's configuration.
    pub fn config(&self) -> Config {
        self.core.config()
    }

    /// DMA traffic so far, including accesses the harness refused.
    pub fn dma_stats(&self) -> DmaStats {
        self.core.stats()
    }

    /// The simulated core itself.
    pub fn core_mut(&mut self) -> &mut SimCore {
        &mut self.core
    }
}

impl Transport for SimDevice {
    fn name(&self) -> &'static str {
        "sim"
    }
    fn read_reg(&mut self, off: u32) -> u32 {
        self.core.read_reg(off)
    }
    fn write_reg(&mut self, off: u32, v: u32) {
        self.core.write_reg(off, v)
    }
    fn dma_base(&self) -> u64 {
        self.core.memory_base()
    }
    fn dma(&mut self) -> &mut [u8] {
        self.core.memory().bytes()
    }
    /// Clocks until a completion has been written or `cycles` have run, whichever is first,
    /// so that a driver polling with a large budget does not simulate idle cycles. Only a
    /// completion written during this call ends it early: one written before (for instance
    /// in the cycle of the host's `CQ_HEAD` write) must be looked for before advancing, as
    /// `Driver::poll` does.
    fn advance(&mut self, cycles: u64) {
        let start = self.core.read_reg(REG_CQ_TAIL);
        let mut left = cycles;
        while left > 0 {
            let step = left.min(ADVANCE_STEP);
            self.core.step(step);
            left -= step;
            if self.core.read_reg(REG_CQ_TAIL) != start {
                break;
            }
        }
    }
    fn cycles(&self) -> u64 {
        self.core.cycles()
    }
}
