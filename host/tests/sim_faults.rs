//! The driver against the Verilated core with faults injected mid-batch: a hang, a wrong tag,
//! a wrong phase bit, a failed DMA read, a failed DMA write (at its handshake and late), a
//! core that resets itself, a device gone. Each batch ends with the CPU's results, the fault
//! is counted in its kind, and the device is healthy and right on the next batch (except the
//! device gone, which is marked unhealthy and skipped).
#![cfg(feature = "sim")]

use alloy_primitives::keccak256;
use fpevm::offload::layout;
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{alu, Driver, FaultCounts, Job, OffloadError, Transport};
use fpevm_sim::{Fault, FaultKind, FaultStats, Trigger};
use revm::primitives::U256;

#[path = "common/sim_driver.rs"]
mod sim_driver;
use sim_driver::driver;

/// Keccak inputs of 0 to ~600 bytes, and a few ALU operand sets.
struct Batch {
    inputs: Vec<Vec<u8>>,
    alu: Vec<(u8, Vec<u8>)>,
}

impl Batch {
    fn new(n: usize, salt: usize) -> Self {
        let inputs = (0..n)
            .map(|i| {
                let len = (i * 41 + salt) % 600;
                (0..len).map(|j| (i * 131 + j * 7 + salt) as u8).collect()
            })
            .collect();
        let alu = layout::ALU_OPS
            .iter()
            .enumerate()
            .map(|(k, &op)| {
                let operands: Vec<U256> = (0..layout::alu_operands(op).unwrap_or(2))
                    .map(|w| U256::from(salt * 1000 + k * 77 + w as usize + 3).pow(U256::from(5)))
                    .collect();
                (op, alu::encode_operands(&operands))
            })
            .collect();
        Self { inputs, alu }
    }

    /// Keccak jobs, then the ALU jobs. Through `run_jobs_or_cpu` the ALU jobs run on the core
    /// if it has ALUs, else on the CPU (without a fault).
    fn jobs(&self) -> Vec<Job<'_>> {
        self.jobs_with_alu(true)
    }

    /// The Keccak jobs, and the ALU jobs when `alu`.
    fn jobs_with_alu(&self, alu: bool) -> Vec<Job<'_>> {
        let keccak = self.inputs.iter().map(|i| Job::keccak(i));
        let alu_jobs = self.alu.iter().filter(|_| alu).map(|(opcode, input)| Job {
            opcode: *opcode,
            input,
        });
        keccak.chain(alu_jobs).collect()
    }

    fn expected(&self, jobs: &[Job]) -> Vec<[u8; 32]> {
        jobs.iter()
            .map(|j| j.cpu_result().expect("valid job"))
            .collect()
    }
}

/// The core's count of faults that took effect.
fn injected(d: &mut Driver<SimDevice>) -> FaultStats {
    d.transport_mut().core_mut().fault_stats()
}

/// The next batch runs on the device, fault-free, with the CPU's results.
fn assert_healthy_and_right(d: &mut Driver<SimDevice>, salt: usize) {
    assert!(d.is_healthy());
    let batch = Batch::new(150, salt);
    // Strict: every job on the core, so ALU jobs only if it has ALUs.
    let jobs = batch.jobs_with_alu(d.alus() > 0);
    let before = d.device_jobs();
    assert_eq!(
        d.run_jobs(&jobs).expect("a clean run"),
        batch.expected(&jobs)
    );
    assert!(d.device_jobs() - before >= 150, "the core ran the batch");
    assert_eq!(d.transport().dma_stats().violations, 0);
}

/// Runs a 300-job batch with `fault` armed and checks the outcome: CPU's results, one fault
/// counted (in the kind `counted` reads), the injection took effect (`took`), and the device
/// healthy and right afterwards.
fn survives(fault: Fault, counted: fn(&FaultCounts) -> u64, took: fn(&FaultStats) -> u64) {
    let mut d = driver();
    d.transport_mut().core_mut().inject(fault);
    let batch = Batch::new(300, 1);
    let jobs = batch.jobs();
    let got = d.run_jobs_or_cpu(&jobs).expect("valid jobs");
    assert_eq!(
        got,
        batch.expected(&jobs),
        "{fault:?}: results equal the CPU's"
    );
    let counts = d.fault_counts();
    assert_eq!(took(&injected(&mut d)), 1, "{fault:?} took effect");
    assert_eq!(d.faults(), 1, "{fault:?}: {counts:?}");
    assert_eq!(counted(&counts), 1, "{fault:?}: {counts:?}");
    assert_eq!(counts.total(), 1, "{fault:?}: only that kind: {counts:?}");
    eprintln!(
        "{fault:?}: {} jobs on the core in {} cycles",
        d.device_jobs(),
        d.transport().cycles()
    );
    assert_healthy_and_right(&mut d, 2);
    assert_eq!(d.faults(), 1, "no fault afterwards");
}

#[test]
fn a_hang_times_out_and_the_reset_drains_it() {
    survives(
        Fault::new(FaultKind::Hang, Trigger::Completions(100)),
        |c| c.timeouts,
        |s| s.hangs,
    );
}

#[test]
fn a_wrong_tag_is_a_bad_completion() {
    survives(
        Fault::new(FaultKind::WrongTag, Trigger::Completions(100)),
        |c| c.bad_completions,
        |s| s.wrong_tags,
    );
}

#[test]
fn a_wrong_phase_bit_is_a_bad_completion() {
    survives(
        Fault::new(FaultKind::WrongPhase, Trigger::Completions(100)),
        |c| c.bad_completions,
        |s| s.wrong_phases,
    );
}

#[test]
fn a_failed_read_is_a_dma_error() {
    survives(
        Fault::new(FaultKind::ReadError, Trigger::ReadBeats(500)),
        |c| c.dma_errors,
        |s| s.read_errors,
    );
}

#[test]
fn a_failed_write_is_a_dma_error() {
    survives(
        Fault::new(FaultKind::WriteError { late_by: 0 }, Trigger::Writes(201)),
        |c| c.dma_errors,
        |s| s.write_errors,
    );
}

#[test]
fn a_core_that_resets_itself_is_noticed() {
    survives(
        Fault::new(FaultKind::SelfReset, Trigger::Completions(100)),
        |c| c.device_resets,
        |s| s.self_resets,
    );
}

#[test]
fn a_write_error_after_the_last_completion_is_caught_before_the_results_are_trusted() {
    // One job: its result write fails 3 cycles after the handshake, after which the core
    // still writes the completion, so the chunk looks complete.
    let late = Fault::new(FaultKind::WriteError { late_by: 3 }, Trigger::Writes(0));
    let mut d = driver();
    let input = b"the result never reached memory".to_vec();
    d.transport_mut().core_mut().inject(late);
    let err = d
        .keccak_batch(&[&input])
        .expect_err("the result is not trusted");
    assert!(matches!(err, OffloadError::DmaError { .. }), "{err}");
    assert_eq!(injected(&mut d).write_errors, 1);

    d.transport_mut().core_mut().inject(late);
    assert_eq!(d.keccak_batch_or_cpu(&[&input]), vec![keccak256(&input).0]);
    assert_eq!(injected(&mut d).write_errors, 2);
    assert_eq!(d.fault_counts().dma_errors, 1, "{:?}", d.fault_counts());
    assert_eq!(d.faults(), 1);
    assert_healthy_and_right(&mut d, 3);
}

/// Whether an error is the one expected.
type IsError = fn(&OffloadError) -> bool;

#[test]
fn strict_runs_report_each_fault_as_its_typed_error() {
    let mut d = driver();
    let batch = Batch::new(200, 4);
    let jobs = batch.jobs_with_alu(d.alus() > 0);
    let cases: [(FaultKind, IsError); 4] = [
        (FaultKind::Hang, |e| {
            matches!(e, OffloadError::Timeout { .. })
        }),
        (FaultKind::WrongTag, |e| {
            matches!(e, OffloadError::BadCompletion(_))
        }),
        (FaultKind::ReadError, |e| {
            matches!(e, OffloadError::DmaError { .. })
        }),
        (FaultKind::SelfReset, |e| {
            matches!(e, OffloadError::DeviceReset { .. })
        }),
    ];
    for (kind, expected) in cases {
        let after = match kind {
            FaultKind::ReadError => Trigger::ReadBeats(300),
            _ => Trigger::Completions(50),
        };
        d.transport_mut().core_mut().inject(Fault::new(kind, after));
        let err = d.run_jobs(&jobs).expect_err("a fault");
        assert!(expected(&err), "{kind:?}: {err}");
        assert!(d.is_healthy(), "{kind:?}");
    }
    assert_eq!(d.faults(), 0, "strict runs fall back to nothing");
    assert_healthy_and_right(&mut d, 5);
}

#[test]
fn a_device_gone_is_marked_unhealthy_and_skipped_until_it_recovers() {
    let mut d = driver();
    d.transport_mut()
        .core_mut()
        .inject(Fault::new(FaultKind::Gone, Trigger::Completions(100)));
    let batch = Batch::new(300, 6);
    let jobs = batch.jobs();
    assert_eq!(
        d.run_jobs_or_cpu(&jobs).expect("valid"),
        batch.expected(&jobs)
    );
    let counts = d.fault_counts();
    assert_eq!((counts.halts, d.faults()), (1, 1), "{counts:?}");
    assert_eq!(counts.failed_resets, 1, "{counts:?}");
    assert!(!d.is_healthy());

    // Unhealthy: straight to the CPU, nothing touches the device, no new fault.
    let cycles = d.transport().cycles();
    let next = Batch::new(100, 7);
    let jobs = next.jobs();
    assert_eq!(
        d.run_jobs_or_cpu(&jobs).expect("valid"),
        next.expected(&jobs)
    );
    assert_eq!(d.transport().cycles(), cycles, "the device was left alone");
    assert_eq!(d.faults(), 1);

    // Back on the bus: a recovery reset puts it in service.
    d.transport_mut().core_mut().clear_faults();
    d.recover().expect("recovered");
    assert_healthy_and_right(&mut d, 8);
}
