//! The fpevm core, Verilated, driven from Rust.
//!
//! `build.rs` generates the core's Verilog from `fpevm-hdl` and builds each configuration
//! (engines x rounds per clock) with Verilator. [`SimCore`] clocks one model, pokes and
//! peeks its registers, and serves its DMA ports from a [`DmaMemory`]: read requests are
//! answered in order, one beat per cycle, after a configurable latency; writes land at once,
//! byte-enabled. Any DMA access outside the memory is refused and counted in
//! [`DmaStats::violations`] (a correct core never makes one).

mod ffi;
mod memory;
mod permutation;

use std::collections::VecDeque;
use std::ffi::{c_void, CString};
use std::path::Path;
use std::ptr::NonNull;

pub use memory::DmaMemory;
pub use permutation::PermutationSim;

use ffi::{Inputs, Outputs, Variant, VARIANTS};

/// A core configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Keccak engines.
    pub engines: usize,
    /// Keccak rounds per clock of each engine.
    pub rounds: usize,
}

impl Config {
    /// The configuration the product ships (`fpevm_hdl::DEFAULT_*`, read at build time).
    pub const DEFAULT: Config = Config {
        engines: ffi::DEFAULT_ENGINES,
        rounds: ffi::DEFAULT_ROUNDS,
    };
}

/// The configurations built into this crate (set with `FPEVM_SIM_CONFIGS` at build time).
pub fn configs() -> Vec<Config> {
    VARIANTS
        .iter()
        .map(|v| Config {
            engines: v.engines,
            rounds: v.rounds,
        })
        .collect()
}

/// Why a simulated core could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The configuration was not Verilated into this build.
    #[error("configuration {engines} engines x {rounds} rounds per clock is not built; built: {built}; rebuild with FPEVM_SIM_CONFIGS={engines}x{rounds}")]
    NotBuilt {
        /// Requested engines.
        engines: usize,
        /// Requested rounds per clock.
        rounds: usize,
        /// The configurations that are built.
        built: String,
    },
    /// The DMA memory's size or base is unusable.
    #[error("bad DMA memory: {len} bytes at {base:#x}")]
    BadMemory {
        /// Bus base address.
        base: u64,
        /// Length in bytes.
        len: usize,
    },
    /// Mapping the DMA memory failed.
    #[error("cannot map DMA memory: {0}")]
    Map(std::io::Error),
    /// The model could not be created.
    #[error("cannot create the Verilated model")]
    Model,
    /// VCD tracing was not compiled in (feature `vcd`).
    #[error("VCD tracing is not built in: build fpevm-sim with feature `vcd`")]
    NoTrace,
}

/// Counts of the DMA traffic the core made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DmaStats {
    /// Read requests.
    pub read_requests: u64,
    /// Beats read.
    pub read_beats: u64,
    /// Beats written.
    pub write_beats: u64,
    /// Accesses outside the DMA memory (refused).
    pub violations: u64,
}

/// Knobs of the simulated surroundings of the core.
#[derive(Clone, Copy, Debug)]
pub struct SimOptions {
    /// Cycles from a read request to its first beat.
    pub read_latency: u64,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self { read_latency: 1 }
    }
}

struct PendingRead {
    addr: u64,
    beats: u32,
    ready_at: u64,
}

/// One Verilated core with its DMA memory.
pub struct SimCore {
    variant: &'static Variant,
    model: NonNull<c_void>,
    memory: DmaMemory,
    options: SimOptions,
    inputs: Inputs,
    outputs: Outputs,
    reads: VecDeque<PendingRead>,
    cycles: u64,
    stats: DmaStats,
}

// The model is owned exclusively by this value and only touched through `&mut self`.
unsafe impl Send for SimCore {}

impl SimCore {
    /// A core of `config` with `memory_len` bytes of DMA memory at bus address `memory_base`.
    pub fn new(
        config: Config,
        memory_base: u64,
        memory_len: usize,
        options: SimOptions,
    ) -> Result<Self, SimError> {
        let variant = VARIANTS
            .iter()
            .find(|v| v.engines == config.engines && v.rounds == config.rounds)
            .ok_or_else(|| SimError::NotBuilt {
                engines: config.engines,
                rounds: config.rounds,
                built: configs()
                    .iter()
                    .map(|c| format!("{}x{}", c.engines, c.rounds))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let memory = DmaMemory::new(memory_base, memory_len)?;
        // SAFETY: `new` returns a fresh model, freed once in `Drop`.
        let model = NonNull::new(unsafe { (variant.new)() }).ok_or(SimError::Model)?;
        let mut core = Self {
            variant,
            model,
            memory,
            options,
            inputs: Inputs::default(),
            outputs: Outputs::default(),
            reads: VecDeque::new(),
            cycles: 0,
            stats: DmaStats::default(),
        };
        core.settle();
        Ok(core)
    }

    /// The configuration of this core.
    pub fn config(&self) -> Config {
        Config {
            engines: self.variant.engines,
            rounds: self.variant.rounds,
        }
    }

    /// The DMA memory.
    pub fn memory(&mut self) -> &mut DmaMemory {
        &mut self.memory
    }

    /// Bus address of the DMA memory's byte 0.
    pub fn memory_base(&self) -> u64 {
        self.memory.base()
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// DMA traffic so far.
    pub fn stats(&self) -> DmaStats {
        self.stats
    }

    /// Reads register `offset` (no clock edge).
    pub fn read_reg(&mut self, offset: u32) -> u32 {
        self.inputs.reg_addr = offset as u8;
        self.settle();
        self.outputs.reg_rdata
    }

    /// Writes register `offset`; takes one clock cycle.
    pub fn write_reg(&mut self, offset: u32, value: u32) {
        self.inputs.reg_wr = 1;
        self.inputs.reg_addr = offset as u8;
        self.inputs.reg_wdata = value;
        self.cycle();
        self.inputs.reg_wr = 0;
    }

    /// Runs `cycles` clock cycles.
    pub fn step(&mut self, cycles: u64) {
        for _ in 0..cycles {
            self.cycle();
        }
    }

    /// Starts a VCD trace of every following edge (feature `vcd`).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), SimError> {
        let path =
            CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| SimError::NoTrace)?;
        // SAFETY: valid model and NUL-terminated path.
        match unsafe { (self.variant.trace)(self.model.as_ptr(), path.as_ptr()) } {
            0 => Err(SimError::NoTrace),
            _ => Ok(()),
        }
    }

    fn settle(&mut self) {
        // SAFETY: valid model; the structs match the harness's layout.
        unsafe { (self.variant.settle)(self.model.as_ptr(), &self.inputs, &mut self.outputs) };
    }

    /// One clock cycle: offer the next read beat, settle, serve the core's requests, clock.
    fn cycle(&mut self) {
        self.inputs.rd_req_ready = 1;
        self.inputs.wr_ready = 1;
        let beat = match self.reads.front() {
            Some(r) if r.ready_at <= self.cycles => Some(r.addr),
            _ => None,
        };
        self.inputs.rd_resp_valid = u8::from(beat.is_some());
        if let Some(addr) = beat {
            self.inputs.rd_resp_data = self.load_beat(addr);
        }
        self.settle();
        let out = self.outputs;
        if beat.is_some() && out.rd_resp_ready != 0 {
            self.stats.read_beats += 1;
            if let Some(front) = self.reads.front_mut() {
                front.beats -= 1;
                front.addr = front.addr.wrapping_add(64);
                if front.beats == 0 {
                    self.reads.pop_front();
                }
            }
        }
        if out.rd_req_valid != 0 && out.rd_req_beats > 0 {
            self.stats.read_requests += 1;
            self.reads.push_back(PendingRead {
                addr: out.rd_req_addr,
                beats: out.rd_req_beats,
                ready_at: self.cycles + self.options.read_latency,
            });
        }
        if out.wr_valid != 0 {
            self.stats.write_beats += 1;
            self.store_beat(out.wr_addr, &out.wr_data, out.wr_strb);
        }
        // SAFETY: valid model.
        unsafe { (self.variant.tick)(self.model.as_ptr()) };
        self.cycles += 1;
    }

    fn load_beat(&mut self, addr: u64) -> [u32; 16] {
        let mut words = [0u32; 16];
        match self.memory.beat_offset(addr) {
            Some(off) => {
                let bytes = &self.memory.bytes()[off..off + 64];
                for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(4)) {
                    *w = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                }
            }
            None => self.stats.violations += 1,
        }
        words
    }

    fn store_beat(&mut self, addr: u64, words: &[u32; 16], strobe: u64) {
        let Some(off) = self.memory.beat_offset(addr) else {
            self.stats.violations += 1;
            return;
        };
        let bytes = &mut self.memory.bytes()[off..off + 64];
        for (i, b) in bytes.iter_mut().enumerate() {
            if strobe >> i & 1 == 1 {
                *b = (words[i / 4] >> (8 * (i % 4))) as u8;
            }
        }
    }
}

impl Drop for SimCore {
    fn drop(&mut self) {
        // SAFETY: the model came from `new` and is freed once.
        unsafe { (self.variant.free)(self.model.as_ptr()) };
    }
}
