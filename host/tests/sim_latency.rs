//! Small batches through the offload driver and the Verilated core finish in a few dozen
//! device cycles, as the core does them: the driver picks up every completion within one
//! polling step of its writing, and never waits out a whole `advance_cycles` (4096 by
//! default) for one that is already in memory. Batch shapes of the statetests (one or a few short Keccak jobs, a lone
//! ALU job, the two mixed) are swept over lengths, so that completions land at every phase
//! of the driver's polling; each batch's results are checked too.
#![cfg(feature = "sim")]

use fpevm::offload::alu::encode_operands;
use fpevm::offload::layout::{OP_KECCAK256, OP_MUL};
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{Driver, DriverConfig, Job, Transport};
use fpevm_sim::Config;
use revm::primitives::U256;

/// Device cycles a batch of up to 8 jobs of at most one Keccak block each may take through
/// the driver: the core's own time (measured at most 39 cycles for 8 jobs of 20 bytes, 27
/// for a lone MUL, see `sim/tests/latency.rs`), the doorbell and acknowledgement writes
/// (a cycle each) and the transport's polling step (8 cycles); slowest measured: 54. A
/// missed completion costs `advance_cycles` more.
const SMALL_BATCH_CYCLES: u64 = 80;

fn driver() -> Driver<SimDevice> {
    let cfg = DriverConfig::default();
    let device = SimDevice::new(Config::DEFAULT, cfg.dma_bytes().expect("config")).expect("core");
    Driver::new(device, cfg).expect("driver")
}

/// Runs `jobs` as one batch, checks every result against the CPU's, returns its device
/// cycles.
fn cycles_of(d: &mut Driver<SimDevice>, jobs: &[Job]) -> u64 {
    let before = d.transport().cycles();
    let results = d.run_jobs(jobs).expect("device batch");
    let cycles = d.transport().cycles() - before;
    for (job, result) in jobs.iter().zip(&results) {
        assert_eq!(Some(*result), job.cpu_result(), "{job:?}");
    }
    cycles
}

#[test]
fn small_batches_finish_as_soon_as_the_core_does() {
    let mut d = driver();
    assert!(d.config().advance_cycles > SMALL_BATCH_CYCLES);
    let operands = encode_operands(&[U256::from(3u64), U256::from(0x1234_5678u64)]);
    let data: Vec<u8> = (0..140u32).map(|i| (i * 7 + 1) as u8).collect();
    let mut worst = (0, String::new());
    for n in 1..=8usize {
        for len in [0, 20, 32, 55, 64, 83, 107, 115, 135] {
            for with_mul in [false, true] {
                let mut jobs: Vec<Job> = (0..n)
                    .map(|i| Job {
                        opcode: OP_KECCAK256,
                        input: &data[i % 3..i % 3 + len],
                    })
                    .collect();
                if with_mul {
                    jobs[n / 2] = Job {
                        opcode: OP_MUL,
                        input: &operands,
                    };
                }
                let cycles = cycles_of(&mut d, &jobs);
                let shape = format!("{n} jobs of {len} B, MUL {with_mul}");
                assert!(
                    cycles <= SMALL_BATCH_CYCLES,
                    "{shape}: {cycles} device cycles (bound {SMALL_BATCH_CYCLES})"
                );
                if cycles > worst.0 {
                    worst = (cycles, shape);
                }
            }
        }
    }
    println!("slowest small batch: {} cycles ({})", worst.0, worst.1);
    assert_eq!(d.faults(), 0);
}
