//! The `fpevm` command line: argument parsing and the commands.

pub mod args;
pub mod bench;
pub mod bench_keccak;
pub mod bench_offload;
pub mod demo;
pub mod device;
pub mod keccak;
pub mod mainnet;
pub mod progress;
pub mod vectors;

/// One line on what an offload device did: where routed operations went, batches, faults.
pub fn offload_summary(offloader: &fpevm::offload::EvmOffload) -> String {
    let s = offloader.stats();
    format!(
        "offload ({} policy on {}{}): {} operations on the device in {} batches, {} kept on the CPU, {} device faults survived",
        offloader.policy(),
        offloader.device_name(),
        if offloader.has_alu() { ", with ALU" } else { ", Keccak only" },
        s.device_ops,
        s.batches,
        s.cpu_ops,
        s.faults
    )
}
