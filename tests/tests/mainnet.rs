//! The mainnet block snapshots of the shared corpus: each block's gas used, logs bloom and
//! (Byzantium on) receipts root match its header, and parallel execution equals sequential —
//! also with lazy storage, and with every KECCAK256 and ALU opcode sent to the simulated core.

use fpevm::mainnet::{list_blocks, load_block, SharedData};
use fpevm::offload::EvmOffload;
use fpevm::receipt::receipts_root;
use fpevm::{execute_block, DeviceKind, ExecOptions, OffloadPolicy};

#[test]
fn every_corpus_block_matches_its_header_and_parallel_equals_sequential() {
    let dir = fpevm_tests::corpus().join("mainnet");
    let shared = SharedData::load(&dir).expect("the corpus loads");
    let blocks = list_blocks(&dir).expect("the corpus lists its blocks");
    assert_eq!(blocks.len(), 34, "all 34 corpus blocks");
    let device =
        EvmOffload::open(DeviceKind::Sim, OffloadPolicy::Always).expect("the Verilated core");
    for block_dir in blocks {
        let block = load_block(&block_dir, &shared).expect("the block loads");
        let run_with = |threads: usize, min_parallel_txs, offloader, lazy_storage| {
            let options = ExecOptions {
                threads,
                min_parallel_txs,
                extras: block.extras.clone(),
                offloader,
                lazy_storage,
                ..ExecOptions::default()
            };
            execute_block(
                block.spec,
                &block.block_env,
                &block.txs,
                &block.state,
                &options,
            )
            .unwrap_or_else(|e| panic!("block {}: {e}", block.number))
        };
        let run = |threads, min_parallel_txs| run_with(threads, min_parallel_txs, None, false);
        let sequential = run(1, usize::MAX);
        assert_eq!(
            sequential.gas_used, block.expected.gas_used,
            "block {} gas",
            block.number
        );
        assert_eq!(
            sequential.logs_bloom, block.expected.logs_bloom,
            "block {} bloom",
            block.number
        );
        if let Some(root) = block.expected.receipts_root {
            assert_eq!(
                receipts_root(&sequential.receipts),
                root,
                "block {} receipts root",
                block.number
            );
        }
        for threads in [2, 4] {
            let parallel = run(threads, 0);
            assert_eq!(
                parallel.first_difference(&sequential),
                None,
                "block {} at {threads} lanes",
                block.number
            );
        }
        let lazy = run_with(2, 0, None, true);
        assert_eq!(
            lazy.first_difference(&sequential),
            None,
            "block {} at 2 lanes with lazy storage",
            block.number
        );
        let offloaded = run_with(2, 0, Some(device.clone()), false);
        assert_eq!(
            offloaded.first_difference(&sequential),
            None,
            "block {} with opcodes on the simulated core",
            block.number
        );
    }
    let stats = device.stats();
    eprintln!("mainnet offload: {stats:?}");
    assert_eq!(stats.faults, 0, "no device fault");
    assert!(
        stats.device_ops > 10_000,
        "the core ran the opcodes: {stats:?}"
    );
}
