//! Device faults at the block level: a real block (the official `bcEIP1559/intrinsic.json`
//! chain, 62 transactions over 65 accounts, Cancun) executed with its state roots hashed on the
//! Verilated core while a fault is armed. Every header check passes (state root, receipts,
//! gas, bloom) exactly as with CPU hashing, and the fault is counted in its kind.

use alloy_primitives::B256;
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{DeviceKeccak, Driver, DriverConfig, FaultCounts, Transport};
use fpevm::trie::KeccakBatch;
use fpevm::vectors::{blocktest, ForkSelection, Outcome, RunOptions, Tally};
use fpevm::ExecOptions;
use fpevm_sim::{Config, Fault, FaultKind, FaultStats, Trigger};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The blockchain test file every case runs.
const CHAIN: &str = "ethereum-tests/BlockchainTests/ValidBlocks/bcEIP1559/intrinsic.json";

/// The chain's file in the shared corpus (which must be there).
fn corpus_file() -> PathBuf {
    let file = fpevm_tests::corpus().join(CHAIN);
    assert!(file.is_file(), "the corpus lacks {}", file.display());
    file
}

/// Small timeouts: a hang is noticed after 20 000 idle cycles.
fn config() -> DriverConfig {
    DriverConfig {
        ring_size: 64,
        max_input_bytes: 64 * 1024,
        timeout_cycles: 20_000,
        advance_cycles: 1024,
        ..DriverConfig::default()
    }
}

fn sim_device(fault: Option<Fault>) -> SimDevice {
    let bytes = config().dma_bytes().expect("config");
    let mut device = SimDevice::new(Config::DEFAULT, bytes).expect("the Verilated core");
    if let Some(fault) = fault {
        device.core_mut().inject(fault);
    }
    device
}

/// The state-root hasher of these tests: the driver of one simulated core, kept reachable so
/// that its fault counts and the harness's injections can be read afterwards.
struct SimHasher {
    driver: Mutex<Driver<SimDevice>>,
}

impl SimHasher {
    fn new(fault: Option<Fault>) -> Self {
        let driver = Driver::new(sim_device(fault), config()).expect("driver");
        Self {
            driver: Mutex::new(driver),
        }
    }

    fn driver(&self) -> std::sync::MutexGuard<'_, Driver<SimDevice>> {
        self.driver.lock().expect("driver lock")
    }
}

impl KeccakBatch for SimHasher {
    fn keccak_batch(&self, inputs: &[&[u8]], out: &mut Vec<B256>) {
        let digests = self.driver().keccak_batch_or_cpu(inputs);
        out.extend(digests.into_iter().map(B256::from));
    }
}

/// Runs the chain with `hasher`; every case must pass. Returns the tally.
fn run_chain(hasher: Arc<dyn KeccakBatch + Send + Sync>) -> Tally {
    let exec = ExecOptions {
        threads: 1,
        ..ExecOptions::default()
    };
    let options = RunOptions::with_hasher(exec, hasher);
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    blocktest::run_file(
        &corpus_file(),
        &ForkSelection::default(),
        &options,
        &mut |case| {
            tally.add(&case.outcome);
            if matches!(case.outcome, Outcome::Failed(_)) {
                failures.push(case.to_string());
            }
        },
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(tally.passed >= 1, "the chain ran: {tally}");
    tally
}

/// The chain with `fault` armed on the core: every check passes, as on the CPU; the core
/// did hash; one fault of the kind `counted` reads was counted and one injection took effect.
fn block_survives(fault: Fault, counted: fn(&FaultCounts) -> u64, took: fn(&FaultStats) -> u64) {
    let on_cpu = run_chain(Arc::new(fpevm::trie::CpuKeccak));
    let hasher = Arc::new(SimHasher::new(Some(fault)));
    let tally = run_chain(hasher.clone());
    assert_eq!(tally.to_string(), on_cpu.to_string(), "the same cases pass");
    let mut d = hasher.driver();
    let counts = d.fault_counts();
    let injected = d.transport_mut().core_mut().fault_stats();
    assert_eq!(took(&injected), 1, "{fault:?}: {injected:?}");
    assert_eq!(counted(&counts), 1, "{fault:?}: {counts:?}");
    assert_eq!(
        (counts.total(), d.faults()),
        (1, 1),
        "{fault:?}: {counts:?}"
    );
    assert!(d.is_healthy());
    let jobs = d.device_jobs();
    assert!(jobs > 50, "the core hashed: {jobs} jobs");
    eprintln!(
        "{fault:?}: {tally}; {jobs} jobs on the core in {} cycles; {counts:?}",
        d.transport().cycles()
    );
}

#[test]
fn hang() {
    block_survives(
        Fault::new(FaultKind::Hang, Trigger::Completions(40)),
        |c| c.timeouts,
        |s| s.hangs,
    );
}

#[test]
fn wrong_tag() {
    block_survives(
        Fault::new(FaultKind::WrongTag, Trigger::Completions(40)),
        |c| c.bad_completions,
        |s| s.wrong_tags,
    );
}

#[test]
fn wrong_phase() {
    block_survives(
        Fault::new(FaultKind::WrongPhase, Trigger::Completions(40)),
        |c| c.bad_completions,
        |s| s.wrong_phases,
    );
}

#[test]
fn failed_read() {
    block_survives(
        Fault::new(FaultKind::ReadError, Trigger::ReadBeats(150)),
        |c| c.dma_errors,
        |s| s.read_errors,
    );
}

#[test]
fn failed_write() {
    block_survives(
        Fault::new(FaultKind::WriteError { late_by: 0 }, Trigger::Writes(81)),
        |c| c.dma_errors,
        |s| s.write_errors,
    );
}

#[test]
fn late_failed_write() {
    block_survives(
        Fault::new(FaultKind::WriteError { late_by: 3 }, Trigger::Writes(80)),
        |c| c.dma_errors,
        |s| s.write_errors,
    );
}

#[test]
fn core_resets_itself() {
    block_survives(
        Fault::new(FaultKind::SelfReset, Trigger::Completions(40)),
        |c| c.device_resets,
        |s| s.self_resets,
    );
}

/// One driver as the state-root hasher (`DeviceKeccak` over a boxed transport), with a device that drops off
/// the bus mid-chain: it is marked unhealthy, the rest hashes on the CPU, every check passes.
#[test]
fn device_gone_through_device_keccak() {
    let device: Box<dyn Transport> = Box::new(sim_device(Some(Fault::new(
        FaultKind::Gone,
        Trigger::Completions(40),
    ))));
    let driver = Driver::new(device, config()).expect("driver");
    let hasher = Arc::new(DeviceKeccak::new(driver));
    run_chain(hasher.clone());
    assert_eq!(
        hasher.faults(),
        1,
        "one fault, then the device was left alone"
    );
}

/// Runs the chain over two lanes with every KECCAK256 and ALU opcode and every root's trie
/// levels sent to `device`; every case passes as on the CPU.
fn run_chain_offloaded(device: &fpevm::offload::EvmOffload) {
    let exec = ExecOptions {
        threads: 2,
        min_parallel_txs: 0,
        offloader: Some(device.clone()),
        ..ExecOptions::default()
    };
    let options = RunOptions::with_hasher(exec, Arc::new(device.clone()));
    let on_cpu = run_chain(Arc::new(fpevm::trie::CpuKeccak));
    let mut tally = Tally::default();
    blocktest::run_file(
        &corpus_file(),
        &ForkSelection::default(),
        &options,
        &mut |case| {
            assert!(!matches!(case.outcome, Outcome::Failed(_)), "{case}");
            tally.add(&case.outcome);
        },
    );
    assert_eq!(tally.to_string(), on_cpu.to_string(), "the same cases pass");
}

/// A pool of three simulated cores serving both lanes; one hangs mid-block. The pool takes it
/// out, its pending jobs finish on the other two, and the block passes unchanged.
#[test]
fn one_core_of_a_pool_hanging_mid_block() {
    use fpevm::offload::{CostModel, DevicePool, EvmOffload};
    use fpevm::OffloadPolicy;
    let drivers: Vec<Driver<SimDevice>> = (0..3)
        .map(|i| {
            let fault = (i == 1).then(|| Fault::new(FaultKind::Hang, Trigger::Completions(40)));
            Driver::new(sim_device(fault), config()).expect("driver")
        })
        .collect();
    let has_alu = sim_device(None).read_reg(fpevm::offload::layout::REG_ALUS) > 0;
    let model = CostModel::calibrate(12, 2, 1_000.0);
    let device = EvmOffload::with_runner(
        DevicePool::new(drivers),
        OffloadPolicy::Always,
        model,
        has_alu,
    )
    .expect("batcher");
    run_chain_offloaded(&device);
    let stats = device.stats();
    assert_eq!(stats.faults, 1, "{stats:?}");
    assert!(stats.device_ops > 50, "{stats:?}");
}

/// The opcode path: every KECCAK256 and ALU opcode of the chain, over two lanes, goes through
/// `EvmOffload`'s batcher to a core that hangs mid-chain; the driver times out, resets it,
/// finishes the pending jobs on the CPU, and every check passes as with no device at all.
#[test]
fn hang_while_lanes_offload_opcodes() {
    use fpevm::offload::{CostModel, EvmOffload};
    use fpevm::OffloadPolicy;
    let driver = Driver::new(
        sim_device(Some(Fault::new(FaultKind::Hang, Trigger::Completions(40)))),
        config(),
    )
    .expect("driver");
    let has_alu = sim_device(None).read_reg(fpevm::offload::layout::REG_ALUS) > 0;
    let model = CostModel::calibrate(4, 2, 1_000.0);
    let device =
        EvmOffload::with_runner(driver, OffloadPolicy::Always, model, has_alu).expect("batcher");
    run_chain_offloaded(&device);
    let stats = device.stats();
    assert_eq!(stats.faults, 1, "{stats:?}");
    assert!(stats.device_ops > 50, "{stats:?}");
}
