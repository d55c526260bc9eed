//! `CostModel`: when sending one job to the device pays, from the device's measured cycles,
//! a modeled PCIe round trip per doorbell, and the CPU's time measured on this machine.
//!
//! Device time of a batch of `n` jobs = one round trip + the jobs' cycles at the device clock
//! (engines overlap Keccak jobs; the one ALU runs its jobs one after another). CPU time = the
//! same jobs computed here. A job goes to the device only when its share of the device time is
//! below its CPU time. With one job per doorbell (a lane waiting on one opcode) only long
//! Keccak inputs pass; short hashes and ALU opcodes win only in large batches, such as a
//! state root's trie levels — and the ALU never does, as the model shows.

use super::layout;
use std::time::Instant;

/// The modeled PCIe round trip per doorbell, in nanoseconds: the doorbell write, two
/// dependent DMA reads by the core (descriptor, then input) and the host seeing the
/// completion. Measured DMA read latencies on PCIe Gen3 hosts are about 0.5-1 us each
/// (Neugebauer et al., "Understanding PCIe performance for end host networking", SIGCOMM
/// 2018); 2 us is taken for the whole round trip.
pub const PCIE_ROUND_TRIP_NS: f64 = 2_000.0;
/// F1's `clk_main_a0`, the clock the projections use.
pub const DEVICE_CLOCK_HZ: f64 = 250e6;

/// The cost model of one device on this machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// Round trip per doorbell, ns.
    pub round_trip_ns: f64,
    /// Device clock, Hz.
    pub clock_hz: f64,
    /// Device cycles per Keccak permutation (24 / rounds per clock).
    pub cycles_per_permutation: f64,
    /// Keccak engines working in parallel.
    pub engines: f64,
    /// Device cycles of one ALU job (the slowest opcode's typical case).
    pub alu_cycles: f64,
    /// CPU ns per Keccak-256 call, fixed part.
    pub cpu_keccak_ns: f64,
    /// CPU ns per Keccak-256 input byte.
    pub cpu_keccak_ns_per_byte: f64,
    /// CPU ns per ALU opcode (a typical MULMOD).
    pub cpu_alu_ns: f64,
}

impl CostModel {
    /// The model for a device with `engines` engines of `rounds` rounds per clock, its ALU
    /// taking `alu_cycles` per job, with the CPU side measured now (about a millisecond).
    pub fn calibrate(engines: u32, rounds: u32, alu_cycles: f64) -> Self {
        let (cpu_keccak_ns, cpu_keccak_ns_per_byte) = measure_cpu_keccak();
        Self {
            round_trip_ns: PCIE_ROUND_TRIP_NS,
            clock_hz: DEVICE_CLOCK_HZ,
            cycles_per_permutation: 24.0 / f64::from(rounds.clamp(1, 24)),
            engines: f64::from(engines.max(1)),
            alu_cycles,
            cpu_keccak_ns,
            cpu_keccak_ns_per_byte,
            cpu_alu_ns: measure_cpu_alu(),
        }
    }

    /// Device cycles of one job with `len` input bytes, on one engine or the ALU.
    pub fn job_cycles(&self, opcode: u8, len: usize) -> f64 {
        if opcode == layout::OP_KECCAK256 {
            let blocks = (len / layout::RATE_BYTES + 1) as f64;
            blocks * self.cycles_per_permutation
        } else {
            self.alu_cycles
        }
    }

    /// Projected device time of a batch of `batch` such jobs, per job, in ns.
    pub fn device_ns(&self, opcode: u8, len: usize, batch: usize) -> f64 {
        let batch = batch.max(1) as f64;
        let parallel = if opcode == layout::OP_KECCAK256 {
            self.engines.min(batch)
        } else {
            1.0
        };
        let cycles = self.job_cycles(opcode, len) * batch / parallel;
        (self.round_trip_ns + cycles / self.clock_hz * 1e9) / batch
    }

    /// CPU time of one job with `len` input bytes, in ns.
    pub fn cpu_ns(&self, opcode: u8, len: usize) -> f64 {
        if opcode == layout::OP_KECCAK256 {
            self.cpu_keccak_ns + self.cpu_keccak_ns_per_byte * len as f64
        } else {
            self.cpu_alu_ns
        }
    }

    /// Whether a job of `len` input bytes, in a batch of `batch` like it, is faster on the
    /// device.
    pub fn device_pays(&self, opcode: u8, len: usize, batch: usize) -> bool {
        self.device_ns(opcode, len, batch) < self.cpu_ns(opcode, len)
    }
}

/// Nanoseconds per call of `f`, the best of a few timed rounds (noise only adds time).
fn best_ns(calls: u32, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..calls {
                f();
            }
            started.elapsed().as_nanos() as f64 / f64::from(calls)
        })
        .fold(f64::INFINITY, f64::min)
}

/// (fixed ns, ns per byte) of Keccak-256 on this CPU, from 32-byte and 4 KiB inputs.
fn measure_cpu_keccak() -> (f64, f64) {
    let short = [7u8; 32];
    let long = vec![7u8; 4096];
    let short_ns = best_ns(200, || {
        std::hint::black_box(alloy_primitives::keccak256(std::hint::black_box(&short)));
    });
    let long_ns = best_ns(20, || {
        std::hint::black_box(alloy_primitives::keccak256(std::hint::black_box(&long)));
    });
    let per_byte = ((long_ns - short_ns) / (4096.0 - 32.0)).max(0.0);
    ((short_ns - 32.0 * per_byte).max(0.0), per_byte)
}

/// ns of one MULMOD of full-width operands on this CPU.
fn measure_cpu_alu() -> f64 {
    use revm::primitives::U256;
    let (a, b, n) = (U256::MAX - U256::from(3), U256::MAX >> 3, U256::MAX >> 7);
    best_ns(200, || {
        std::hint::black_box(std::hint::black_box(a).mul_mod(b, n));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CostModel {
        CostModel {
            round_trip_ns: 2_000.0,
            clock_hz: 250e6,
            cycles_per_permutation: 12.0,
            engines: 4.0,
            alu_cycles: 600.0,
            cpu_keccak_ns: 300.0,
            cpu_keccak_ns_per_byte: 2.5,
            cpu_alu_ns: 50.0,
        }
    }

    #[test]
    fn one_short_hash_stays_on_the_cpu_a_long_one_or_a_large_batch_goes() {
        let m = model();
        assert!(!m.device_pays(layout::OP_KECCAK256, 32, 1));
        assert!(m.device_pays(layout::OP_KECCAK256, 64 * 1024, 1));
        assert!(m.device_pays(layout::OP_KECCAK256, 32, 1024));
    }

    #[test]
    fn the_alu_never_pays_against_a_fast_cpu() {
        let m = model();
        for batch in [1, 16, 4096] {
            assert!(!m.device_pays(layout::OP_MULMOD, 96, batch));
        }
    }

    #[test]
    fn calibration_measures_positive_costs() {
        let m = CostModel::calibrate(4, 2, 600.0);
        assert!(m.cpu_keccak_ns + m.cpu_keccak_ns_per_byte > 0.0);
        assert!(m.cpu_alu_ns > 0.0);
        assert_eq!(m.cycles_per_permutation, 12.0);
    }
}
