//! The official Ethereum test vectors of the shared corpus, through `execute_block`: every
//! Cancun entry sequentially, and again through the parallel path compared with sequential.

use fpevm::offload::EvmOffload;
use fpevm::vectors::{
    blocktest, collect_json_files, statetest, CaseReport, ForkSelection, Outcome, RunOptions, Tally,
};
use fpevm::{DeviceKind, ExecOptions, OffloadPolicy};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

type RunFile = fn(&Path, &ForkSelection, &RunOptions, &mut dyn FnMut(CaseReport)) -> usize;

fn run_suite(folder: &str, run_file: RunFile, options: &ExecOptions) -> Tally {
    run_suite_with(folder, run_file, &RunOptions::new(options.clone()))
}

fn run_suite_with(folder: &str, run_file: RunFile, options: &RunOptions) -> Tally {
    let started = Instant::now();
    let files = collect_json_files(&[fpevm_tests::corpus().join("ethereum-tests").join(folder)])
        .expect("the corpus folder is readable");
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for file in &files {
        run_file(file, &ForkSelection::default(), options, &mut |case| {
            tally.add(&case.outcome);
            if matches!(case.outcome, Outcome::Failed(_)) {
                failures.push(case.to_string());
            }
        });
    }
    eprintln!(
        "{folder}: {tally} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    tally
}

fn state_file(
    path: &Path,
    forks: &ForkSelection,
    options: &RunOptions,
    report: &mut dyn FnMut(CaseReport),
) -> usize {
    statetest::run_file(path, forks, options, report).unselected
}

fn sequential() -> ExecOptions {
    ExecOptions {
        threads: 1,
        ..ExecOptions::default()
    }
}

fn forced_parallel() -> ExecOptions {
    ExecOptions {
        threads: 2,
        min_parallel_txs: 0,
        ..ExecOptions::default()
    }
}

#[test]
fn state_tests_cancun_sequential() {
    let tally = run_suite("GeneralStateTests", state_file, &sequential());
    assert!(tally.passed > 7000, "every Cancun entry runs: {tally}");
    assert!(
        tally.skipped <= statetest::SKIPPED_FILES.len(),
        "only revm's skip list is skipped: {tally}"
    );
}

#[test]
fn state_tests_cancun_parallel_equal_sequential() {
    let tally = run_suite("GeneralStateTests", state_file, &forced_parallel());
    assert!(tally.passed > 7000, "{tally}");
}

#[test]
fn blockchain_tests_cancun_sequential() {
    let tally = run_suite("BlockchainTests", blocktest::run_file, &sequential());
    assert!(tally.passed >= 300, "{tally}");
    assert_eq!(tally.skipped, 0);
}

#[test]
fn blockchain_tests_cancun_parallel_equal_sequential() {
    for threads in [2, 4] {
        let options = ExecOptions {
            threads,
            ..forced_parallel()
        };
        let tally = run_suite("BlockchainTests", blocktest::run_file, &options);
        assert!(tally.passed >= 300, "{tally}");
    }
}

/// Options that send every KECCAK256 and ALU opcode, and every state root's trie levels, to
/// the Verilated core, over two lanes.
fn offloaded_to_the_simulated_core() -> (RunOptions, EvmOffload) {
    let device =
        EvmOffload::open(DeviceKind::Sim, OffloadPolicy::Always).expect("the Verilated core");
    let exec = ExecOptions {
        offloader: Some(device.clone()),
        ..forced_parallel()
    };
    (
        RunOptions::with_hasher(exec, Arc::new(device.clone())),
        device,
    )
}

fn assert_the_core_worked(device: &EvmOffload, min_ops: u64) {
    let stats = device.stats();
    eprintln!("offload: {stats:?}");
    assert_eq!(stats.faults, 0, "no device fault");
    assert!(
        stats.device_ops >= min_ops,
        "the core ran the work: {stats:?}"
    );
}

#[test]
fn state_tests_cancun_with_opcodes_and_roots_on_the_simulated_core() {
    let (options, device) = offloaded_to_the_simulated_core();
    let tally = run_suite_with("GeneralStateTests", state_file, &options);
    assert!(tally.passed >= 7_000, "{tally}");
    assert_the_core_worked(&device, 100_000);
}

#[test]
fn blockchain_tests_with_opcodes_and_roots_on_the_simulated_core() {
    let (options, device) = offloaded_to_the_simulated_core();
    let tally = run_suite_with("BlockchainTests", blocktest::run_file, &options);
    assert!(tally.passed >= 300, "{tally}");
    assert_the_core_worked(&device, 10_000);
}
