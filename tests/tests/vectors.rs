//! The official Ethereum test vectors of the shared corpus, through `execute_block`: every
//! Cancun entry sequentially, and again through the parallel path compared with sequential.

use fpevm::offload::{open_device, DeviceKeccak, Driver, DriverConfig};
use fpevm::vectors::{
    blocktest, collect_json_files, statetest, CaseReport, ForkSelection, Outcome, RunOptions, Tally,
};
use fpevm::{DeviceKind, ExecOptions};
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

#[test]
fn blockchain_tests_with_state_roots_hashed_on_the_simulated_core() {
    let device = open_device(DeviceKind::Sim).expect("the Verilated core");
    let driver = Driver::new(device, DriverConfig::default()).expect("driver");
    let hasher = Arc::new(DeviceKeccak::new(driver));
    let options = RunOptions::with_hasher(sequential(), hasher.clone());
    let tally = run_suite_with("BlockchainTests", blocktest::run_file, &options);
    assert!(tally.passed >= 300, "{tally}");
    assert_eq!(hasher.faults(), 0, "no device fault");
    assert!(
        hasher.device_jobs() > 10_000,
        "the core hashed the tries: {} jobs",
        hasher.device_jobs()
    );
}
