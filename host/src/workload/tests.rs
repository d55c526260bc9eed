//! Each workload executes as intended: every transaction succeeds and its effect is checked.

use super::*;
use crate::{execute_block, BlockOutput, ExecOptions};
use revm::primitives::{keccak256, B256};

fn run(kind: WorkloadKind, txs: usize) -> (Workload, BlockOutput, InMemoryState) {
    let w = generate(kind, txs, 7);
    let options = ExecOptions {
        threads: 1,
        ..ExecOptions::default()
    };
    let out = execute_block(w.spec, &w.block_env, &w.txs, &w.state, &options)
        .expect("the block executes");
    assert!(
        out.receipts.iter().all(|r| r.success),
        "{kind}: every transaction succeeds"
    );
    let mut post = w.state.clone();
    post.apply(&out.state);
    (w, out, post)
}

#[test]
fn raw_transfers_cost_21000_each() {
    let (w, out, post) = run(WorkloadKind::Raw, 200);
    assert_eq!(out.gas_used, 21_000 * 200);
    for tx in &w.txs {
        let TxKind::Call(to) = tx.kind else {
            panic!("a call")
        };
        assert_eq!(post.account(&to).map(|a| a.balance), Some(tx.value));
    }
}

#[test]
fn erc20_transfers_move_balances_and_log() {
    let (w, out, post) = run(WorkloadKind::Erc20, 200);
    let token = account(TOKEN, 0);
    let storage = post.storage_of(&token);
    let total: U256 = storage.values().copied().sum();
    assert_eq!(
        total,
        U256::from(TOKEN_SUPPLY_PER_HOLDER) * U256::from(200),
        "supply is conserved"
    );
    for (i, tx) in w.txs.iter().enumerate() {
        let amount = U256::from_be_slice(&tx.data[36..68]);
        let to = account(RECIPIENTS, i as u64);
        assert_eq!(storage.get(&mapping_slot(to, 0)), Some(&amount));
        assert_eq!(out.receipts[i].logs.len(), 1, "one Transfer log");
    }
}

#[test]
fn swaps_directly_or_through_the_router_reach_every_pool_and_keep_the_constant_product() {
    for kind in [WorkloadKind::Uniswap, WorkloadKind::Routed] {
        let (_, out, post) = run(kind, 200);
        assert!(
            out.receipts.iter().all(|r| r.logs.len() == 1),
            "{kind}: one Swap log each"
        );
        for p in 0..POOLS as u64 {
            let pool = account(POOL, p);
            let storage = post.storage_of(&pool);
            let (r0, r1) = (storage[&U256::ZERO], storage[&U256::from(1)]);
            assert_ne!(r0, U256::from(POOL_RESERVE), "{kind}: pool {p} swapped");
            assert!(
                r0 * r1 >= U256::from(POOL_RESERVE) * U256::from(POOL_RESERVE),
                "{kind}: x*y never shrinks"
            );
        }
    }
}

#[test]
fn chain_counts_every_transaction() {
    let (_, _, post) = run(WorkloadKind::Chain, 150);
    assert_eq!(
        post.storage_of(&account(COUNTER, 0)).get(&U256::ZERO),
        Some(&U256::from(150))
    );
}

#[test]
fn mixed_runs_and_seeds_matter() {
    run(WorkloadKind::Mixed, 300);
    let a = generate(WorkloadKind::Mixed, 100, 1);
    let b = generate(WorkloadKind::Mixed, 100, 1);
    let c = generate(WorkloadKind::Mixed, 100, 2);
    assert_eq!(a.txs, b.txs);
    assert_ne!(a.txs, c.txs);
}

#[test]
fn parallel_equals_sequential_on_every_workload() {
    for kind in WorkloadKind::ALL {
        let w = generate(kind, 300, 3);
        let seq = execute_block(
            w.spec,
            &w.block_env,
            &w.txs,
            &w.state,
            &ExecOptions {
                threads: 1,
                ..Default::default()
            },
        )
        .unwrap();
        for (threads, lazy_storage) in [(2, false), (3, false), (4, false), (2, true), (4, true)] {
            let par = execute_block(
                w.spec,
                &w.block_env,
                &w.txs,
                &w.state,
                &ExecOptions {
                    threads,
                    lazy_storage,
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(
                par.first_difference(&seq),
                None,
                "{kind} at {threads} lanes, lazy storage {lazy_storage}"
            );
        }
    }
}

/// `w` executed with `threads` lanes, even if it is small.
fn run_in_lanes(w: &Workload, threads: usize) -> BlockOutput {
    let options = ExecOptions {
        threads,
        min_parallel_txs: 0,
        ..Default::default()
    };
    execute_block(w.spec, &w.block_env, &w.txs, &w.state, &options).unwrap()
}

#[test]
fn swaps_through_one_router_run_in_lanes_as_only_those_on_one_pool_conflict() {
    // Every transaction calls the router; once two conflict, its calls would all wait in line
    // (and the block would run sequentially) if the wait were not dropped for calls that do not
    // depend on the previous one.
    let w = generate(WorkloadKind::Routed, 600, 5);
    let seq = run_in_lanes(&w, 1);
    for _ in 0..10 {
        let par = run_in_lanes(&w, 2);
        assert_eq!(par.first_difference(&seq), None, "{}", par.report.reason);
        assert!(
            !par.report.reason.contains("sequential"),
            "{}",
            par.report.reason
        );
    }
}

#[test]
fn calls_that_each_depend_on_the_previous_one_make_lanes_lose_and_run_sequentially() {
    // Every call increments one counter (with an input, so that it counts as contract work).
    // Side by side, the calls throw each other's executions away; once 8 checks found that each
    // read the previous one's write, they wait in line instead. Either way the dependency
    // monitor hands the block to the sequential path, and whether and when depends on the
    // lanes' timing.
    let mut w = generate(WorkloadKind::Chain, 400, 5);
    for tx in &mut w.txs {
        tx.data = Bytes::from_static(&[1]);
    }
    let seq = run_in_lanes(&w, 1);
    let mut fell_back = false;
    for _ in 0..100 {
        let par = run_in_lanes(&w, 2);
        assert_eq!(par.first_difference(&seq), None, "{}", par.report.reason);
        fell_back = par.report.reason.contains("dependencies made lanes lose");
        if fell_back {
            break;
        }
    }
    assert!(fell_back, "no run waited in line long enough to fall back");
}

#[test]
fn the_long_call_hashes_its_rounds_and_starts_early_in_lanes() {
    let (w, out, post) = run(WorkloadKind::Proof, 2_000);
    let at = 1_899;
    assert_eq!(w.txs[at].kind, TxKind::Call(account(HASHER, 0)));
    let rounds = PROOF_ROUNDS_PER_TX * 2_000;
    let last = (0..rounds).fold(B256::ZERO, |word, _| keccak256(word));
    assert_eq!(
        post.storage_of(&account(HASHER, 0)).get(&U256::ZERO),
        Some(&U256::from_be_bytes(last.0))
    );
    assert!(out.results[at].tx_gas_used() > 90 * rounds, "a long call");
    let par = run_in_lanes(&w, 2);
    assert_eq!(par.first_difference(&out), None, "{}", par.report.reason);
    assert!(
        par.report.reason.ends_with("1 started early"),
        "{}",
        par.report.reason
    );
}
