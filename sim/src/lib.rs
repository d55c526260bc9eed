//! The fpevm core, Verilated, driven from Rust.
//!
//! `build.rs` generates the core's Verilog from `fpevm-hdl` and builds each configuration
//! (engines x rounds per clock) with Verilator. [`SimCore`] clocks one model, pokes and
//! peeks its registers, and serves its DMA ports from a [`DmaMemory`]: read requests are
//! answered in order, one beat per cycle, after a configurable latency; writes land at once,
//! byte-enabled; a read request is taken in any cycle, also one that offers a beat (see
//! `SimCore::cycle`). Any DMA access outside the memory is refused and counted in
//! [`DmaStats::violations`] (a correct core never makes one). Device faults are injected on
//! demand ([`SimCore::inject`], see [`fault`]).

pub mod fault;
mod ffi;
mod memory;
mod permutation;

use std::collections::VecDeque;
use std::ffi::{c_void, CString};
use std::path::Path;
use std::ptr::NonNull;

pub use fault::{Fault, FaultKind, FaultStats, Trigger};
pub use memory::DmaMemory;
pub use permutation::PermutationSim;

use fault::{Events, Injector, Stall};

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
    faults: Injector,
    /// Withheld reads are being answered after a hang ended with a soft reset.
    draining: bool,
    /// The completion ring as programmed (watched on the register port), so that the harness
    /// knows which writes are completions.
    cq_base: u64,
    ring_size: u32,
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
            faults: Injector::new(),
            draining: false,
            cq_base: 0,
            ring_size: 0,
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

    /// Arms `fault`: it waits for its trigger, then acts once (see [`fault`]).
    pub fn inject(&mut self, fault: Fault) {
        self.faults.arm(fault);
    }

    /// Faults that took effect so far, by kind.
    pub fn fault_stats(&self) -> FaultStats {
        self.faults.stats
    }

    /// Faults armed that have not acted yet.
    pub fn faults_pending(&self) -> usize {
        self.faults.pending()
    }

    /// Whether the harness is withholding the core's DMA (a hang, or a device gone).
    pub fn is_stalled(&self) -> bool {
        self.faults.stall != Stall::None
    }

    /// Disarms every fault and ends any hang: the device behaves again (a gone device comes
    /// back, as after a power cycle of its slot; the core's state is whatever it was).
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Reads register `offset` (no clock edge). A device gone off the bus reads all ones.
    pub fn read_reg(&mut self, offset: u32) -> u32 {
        self.inputs.reg_addr = offset as u8;
        self.settle();
        match self.faults.stall {
            Stall::Forever => u32::MAX,
            _ => self.outputs.reg_rdata,
        }
    }

    /// Writes register `offset`; takes one clock cycle.
    pub fn write_reg(&mut self, offset: u32, value: u32) {
        self.watch_reg(offset, value);
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

    /// Follows the host's register writes the harness depends on: the completion ring's
    /// place, and a soft reset, which ends a hang (the withheld reads drain).
    fn watch_reg(&mut self, offset: u32, value: u32) {
        match offset {
            fault::regs::CQ_BASE_LO => {
                self.cq_base = (self.cq_base & !0xFFFF_FFFF) | u64::from(value);
            }
            fault::regs::CQ_BASE_HI => {
                self.cq_base = (self.cq_base & 0xFFFF_FFFF) | (u64::from(value) << 32);
            }
            fault::regs::RING_SIZE => self.ring_size = value,
            fault::regs::CONTROL
                if value & fault::regs::SOFT_RESET != 0
                    && self.faults.stall == Stall::UntilReset =>
            {
                self.faults.stall = Stall::None;
                self.draining = true;
            }
            _ => {}
        }
    }

    /// Whether a write at `addr` lands in the completion ring.
    fn is_completion(&self, addr: u64) -> bool {
        let len = u64::from(self.ring_size) * 64;
        addr >= self.cq_base && addr - self.cq_base < len
    }

    /// Starts the faults that act at once (hang, gone, self-reset) once active. Returns the
    /// register inputs to restore after the cycle when the harness drove a soft reset.
    fn start_faults(&mut self) -> Option<(u8, u8, u32)> {
        if self.faults.take(|k| k == FaultKind::Gone).is_some() {
            self.faults.stall = Stall::Forever;
            self.faults.stats.gone += 1;
        }
        if self.faults.take(|k| k == FaultKind::Hang).is_some() {
            if self.faults.stall == Stall::None {
                self.faults.stall = Stall::UntilReset;
            }
            self.faults.stats.hangs += 1;
        }
        // A self-reset waits for a cycle in which the host writes no register.
        if self.inputs.reg_wr == 0 && self.faults.take(|k| k == FaultKind::SelfReset).is_some() {
            self.faults.stats.self_resets += 1;
            let saved = (
                self.inputs.reg_wr,
                self.inputs.reg_addr,
                self.inputs.reg_wdata,
            );
            self.inputs.reg_wr = 1;
            self.inputs.reg_addr = fault::regs::CONTROL as u8;
            self.inputs.reg_wdata = fault::regs::SOFT_RESET;
            return Some(saved);
        }
        None
    }

    /// One clock cycle: start due faults, offer the next read beat, settle, serve the core's
    /// requests (failing or corrupting one when a fault is active), clock.
    fn cycle(&mut self) {
        let restore = self.start_faults();
        let stalled = self.faults.stall != Stall::None;
        self.inputs.wr_ready = u8::from(!stalled);
        self.inputs.rd_resp_error = 0;
        self.inputs.wr_error = 0;
        let beat = match self.reads.front() {
            Some(r) if !stalled && r.ready_at <= self.cycles => Some(r.addr),
            _ => None,
        };
        self.inputs.rd_req_ready = 1;
        let read_error = beat.is_some() && self.faults.active(|k| k == FaultKind::ReadError);
        self.inputs.rd_resp_valid = u8::from(beat.is_some());
        if let Some(addr) = beat {
            self.inputs.rd_resp_data = match read_error {
                // The data of a failed beat is garbage; the core must not use it.
                true => [0xDEAD_BEEF; 16],
                false => self.load_beat(addr),
            };
            self.inputs.rd_resp_error = u8::from(read_error);
        }
        if self
            .faults
            .late_error_at
            .is_some_and(|at| at <= self.cycles)
        {
            self.faults.late_error_at = None;
            self.inputs.wr_error = 1;
        }
        self.settle();
        let mut out = self.outputs;
        let write_taken = out.wr_valid != 0 && self.inputs.wr_ready != 0;
        let mut write_failed = false;
        if write_taken {
            if let Some(FaultKind::WriteError { late_by }) = self
                .faults
                .take(|k| matches!(k, FaultKind::WriteError { .. }))
            {
                write_failed = true;
                self.faults.stats.write_errors += 1;
                if late_by == 0 {
                    // The error comes with the handshake: settle again to show it.
                    self.inputs.wr_error = 1;
                    self.settle();
                    out = self.outputs;
                } else {
                    self.faults.late_error_at = Some(self.cycles + late_by);
                }
            }
        }
        let mut events = Events::default();
        if beat.is_some() && out.rd_resp_ready != 0 {
            self.stats.read_beats += 1;
            events.read_beats = 1;
            if read_error && self.faults.take(|k| k == FaultKind::ReadError).is_some() {
                self.faults.stats.read_errors += 1;
            }
            if self.draining {
                self.faults.stats.drained_beats += 1;
            }
            if let Some(front) = self.reads.front_mut() {
                front.beats -= 1;
                front.addr = front.addr.wrapping_add(64);
                if front.beats == 0 {
                    self.reads.pop_front();
                }
            }
        }
        if out.rd_req_valid != 0 && self.inputs.rd_req_ready != 0 && out.rd_req_beats > 0 {
            self.stats.read_requests += 1;
            self.reads.push_back(PendingRead {
                addr: out.rd_req_addr,
                beats: out.rd_req_beats,
                ready_at: self.cycles + self.options.read_latency,
            });
        }
        if self.reads.is_empty() {
            self.draining = false;
        }
        if write_taken {
            self.stats.write_beats += 1;
            events.writes = 1;
            let mut data = out.wr_data;
            if self.is_completion(out.wr_addr) {
                events.completions = 1;
                self.corrupt_completion(&mut data);
            }
            if !write_failed {
                self.store_beat(out.wr_addr, &data, out.wr_strb);
            }
        }
        // SAFETY: valid model.
        unsafe { (self.variant.tick)(self.model.as_ptr()) };
        self.cycles += 1;
        if let Some((wr, addr, wdata)) = restore {
            (
                self.inputs.reg_wr,
                self.inputs.reg_addr,
                self.inputs.reg_wdata,
            ) = (wr, addr, wdata);
        }
        self.faults.count(events);
    }

    /// Rewrites a completion the core is writing when a wrong tag or phase is due.
    fn corrupt_completion(&mut self, words: &mut [u32; 16]) {
        let Some(kind) = self
            .faults
            .take(|k| matches!(k, FaultKind::WrongTag | FaultKind::WrongPhase))
        else {
            return;
        };
        let mut bytes = [0u8; 64];
        for (chunk, w) in bytes.chunks_exact_mut(4).zip(words.iter()) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        if kind == FaultKind::WrongTag {
            self.faults.stats.wrong_tags += 1;
            // A tag far from any the host has used.
            bytes[fault::compl::TAG + 7] ^= 0x40;
        } else {
            self.faults.stats.wrong_phases += 1;
            bytes[fault::compl::PHASE] ^= 1;
        }
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(4)) {
            *w = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
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
