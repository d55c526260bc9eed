//! Block execution: the entry point, the sequential path, and the consensus steps around
//! the transactions.

mod accumulator;
mod block_rules;
mod report;
pub(crate) mod sequential;
pub(crate) mod system;
pub(crate) mod transfer;

pub use accumulator::BlockAccumulator;
pub use block_rules::max_blob_gas_per_block;
pub use report::{ExecReport, Strategy};

use crate::error::ExecError;
use crate::offload::EvmOffload;
use crate::options::{ExecOptions, OffloadPolicy};
use crate::output::BlockOutput;
use revm::context::{BlockEnv, TxEnv};
use revm::database_interface::DatabaseRef;
use revm::primitives::hardfork::SpecId;
use std::time::Instant;

/// Contract calls below this much gas (limits, capped per transaction) are too little work to
/// pay for the lanes' bookkeeping.
const MIN_PARALLEL_CALL_GAS: u64 = 8_000_000;

/// Why a block has too little contract work for parallel lanes to pay, if it has. A transaction
/// without input is priced as the 21,000-gas transfer it almost always is: the parallel path
/// costs more per transaction than such a transfer takes, so lanes only pay when contract calls
/// (estimated by their gas limits, at most 1M each) are most of the block's work.
fn too_little_call_work(txs: &[TxEnv]) -> Option<String> {
    const TRANSFER_GAS: u64 = 21_000;
    let (mut transfers, mut call_gas) = (0u64, 0u64);
    for tx in txs {
        if tx.data.is_empty() {
            transfers += 1;
        } else {
            call_gas += tx.gas_limit.min(1_000_000);
        }
    }
    let transfer_gas = transfers * TRANSFER_GAS;
    (call_gas < MIN_PARALLEL_CALL_GAS || call_gas < transfer_gas).then(|| {
        format!(
            "too little contract work for lanes to pay: {transfers} transactions without input \
             (priced as transfers), calls with {call_gas} gas of limits (lanes need at least \
             {MIN_PARALLEL_CALL_GAS}, and more than the transfers' {transfer_gas})"
        )
    })
}

/// Executes a block's transactions against `db` under `spec` and returns per-transaction
/// results, receipts and the block's state changes.
///
/// `db` is the parent state and is never written. The beacon-root system call, withdrawals and
/// mining rewards in `options.extras` are applied around the transactions. Every strategy
/// (sequential, parallel, offloaded) returns the same `BlockOutput`; `report` says which ran.
pub fn execute_block<DB>(
    spec: SpecId,
    block_env: &BlockEnv,
    txs: &[TxEnv],
    db: &DB,
    options: &ExecOptions,
) -> Result<BlockOutput, ExecError>
where
    DB: DatabaseRef + Send + Sync,
{
    let opened;
    let options = match (&options.offloader, options.offload) {
        (None, OffloadPolicy::Auto | OffloadPolicy::Always) => {
            let offloader = EvmOffload::open(options.device, options.offload)
                .map_err(|e| ExecError::Device(e.to_string()))?;
            opened = ExecOptions {
                offloader: Some(offloader),
                ..options.clone()
            };
            &opened
        }
        _ => options,
    };
    let started = Instant::now();
    // Lanes beyond the machine's cores would only take turns on them; the forced (testing)
    // mode keeps them, to exercise more interleavings.
    let forced = options.min_parallel_txs == 0;
    let cores = crate::options::available_cores();
    let cap = if forced { options.threads } else { cores };
    let lanes = options.threads.min(cap).min(txs.len()).max(1);
    let too_little = if forced {
        None
    } else if lanes <= 1 {
        Some(if options.threads <= 1 {
            "one lane requested".to_string()
        } else {
            "one lane available".to_string()
        })
    } else if txs.len() < options.min_parallel_txs {
        Some(format!(
            "{} transactions: below the parallel threshold of {}",
            txs.len(),
            options.min_parallel_txs
        ))
    } else {
        too_little_call_work(txs)
    };
    let (mut output, mut report) = if let Some(reason) = too_little {
        let output = sequential::execute(spec, block_env, txs, db, options)?;
        (
            output,
            ExecReport {
                strategy: Strategy::Sequential,
                reason,
                lanes: 1,
                elapsed: Default::default(),
            },
        )
    } else if lanes == 2 && options.split {
        // Two independent parts first (they make two lanes' worth of work, no more).
        match crate::parallel::try_split(spec, block_env, txs, db, options) {
            Some(done) => done,
            None => crate::parallel::execute(spec, block_env, txs, db, options, lanes)?,
        }
    } else {
        crate::parallel::execute(spec, block_env, txs, db, options, lanes)?
    };
    report.elapsed = started.elapsed();
    output.report = report;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::InMemoryState;
    use crate::workload::{generate, Workload, WorkloadKind};
    use revm::primitives::{Address, Bytes, TxKind, B256, U256};
    use revm::state::{AccountInfo, Bytecode};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn tx(data: &[u8], gas_limit: u64) -> TxEnv {
        TxEnv {
            data: Bytes::copy_from_slice(data),
            gas_limit,
            ..TxEnv::default()
        }
    }

    /// A database that counts its slot reads.
    struct CountingDb<'a> {
        state: &'a InMemoryState,
        slots: AtomicUsize,
    }

    impl DatabaseRef for CountingDb<'_> {
        type Error = <InMemoryState as DatabaseRef>::Error;
        fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
            self.state.basic_ref(address)
        }
        fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
            self.state.code_by_hash_ref(code_hash)
        }
        fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
            self.slots.fetch_add(1, Ordering::Relaxed);
            self.state.storage_ref(address, index)
        }
        fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
            self.state.block_hash_ref(number)
        }
    }

    /// `block` executed over `db` with `threads` lanes and the default options.
    fn run<DB: DatabaseRef + Send + Sync>(
        block: &Workload,
        db: &DB,
        threads: usize,
    ) -> BlockOutput {
        let options = ExecOptions {
            threads,
            ..ExecOptions::default()
        };
        execute_block(block.spec, &block.block_env, &block.txs, db, &options)
            .expect("the block executes")
    }

    /// How `block` ran on `threads` lanes, and how many slots it read from the database.
    fn slot_reads(block: &Workload, threads: usize) -> (Strategy, usize) {
        let db = CountingDb {
            state: &block.state,
            slots: AtomicUsize::new(0),
        };
        let strategy = run(block, &db, threads).report.strategy;
        (strategy, db.slots.load(Ordering::Relaxed))
    }

    #[test]
    fn lanes_read_each_slot_of_a_conflict_free_block_from_the_database_once() {
        // ERC-20 transfers between distinct holders: every slot is read by one transaction.
        let block = generate(WorkloadKind::Erc20, 300, 1);
        let (strategy, sequential) = slot_reads(&block, 1);
        assert_eq!(strategy, Strategy::Sequential);
        let (strategy, parallel) = slot_reads(&block, 2);
        assert_eq!(strategy, Strategy::Parallel);
        // Before the lanes' reads were kept as the slots' values before the block, the
        // extraction read every written slot again (1.9x the sequential path's reads).
        assert_eq!(
            parallel, sequential,
            "slot reads, parallel against sequential"
        );
    }

    #[test]
    fn a_slot_no_transaction_writes_is_read_from_the_database_once_per_lane() {
        // The same transactions, each calling a contract that only reads its slot 0 (as every
        // call through a proxy reads the implementation's address).
        let mut block = generate(WorkloadKind::Erc20, 300, 1);
        let reader = Address::repeat_byte(0x5e);
        // PUSH1 0, SLOAD, POP, STOP
        let code = Bytes::from_static(&[0x60, 0x00, 0x54, 0x50, 0x00]);
        let storage = [(U256::ZERO, U256::from(5))];
        block
            .state
            .insert_account(reader, U256::ZERO, 1, code, storage);
        for tx in &mut block.txs {
            tx.kind = TxKind::Call(reader);
        }
        assert_eq!(slot_reads(&block, 1), (Strategy::Sequential, 1));
        let (strategy, parallel) = slot_reads(&block, 2);
        assert_eq!(strategy, Strategy::Parallel);
        // Before each lane kept it, every transaction read it from the database.
        assert!(parallel <= 2, "{parallel} reads of one slot by 2 lanes");
    }

    #[test]
    fn a_slot_kept_by_a_lane_gives_way_to_a_write_below_its_reader() {
        // Every call returns slot 0, except the call with two bytes of input, which stores 9
        // there: the calls after it must return 9 although the lanes kept 5 from the calls
        // before it. (The contract then conflicts, but its calls do not depend on each other:
        // they go on in lanes.)
        let mut block = generate(WorkloadKind::Erc20, 300, 2);
        let contract = Address::repeat_byte(0x5e);
        #[rustfmt::skip]
        let code = Bytes::from_static(&[
            0x36, 0x60, 0x02, 0x14, 0x60, 0x0d, 0x57, // CALLDATASIZE == 2: jump to the store
            0x60, 0x00, 0x54, 0x60, 0x14, 0x56, //       SLOAD(0), jump to the return
            0x5b, 0x60, 0x09, 0x60, 0x00, 0x55, 0x00, // SSTORE(0, 9), STOP
            0x5b, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3, // return the loaded word
        ]);
        let storage = [(U256::ZERO, U256::from(5))];
        block
            .state
            .insert_account(contract, U256::ZERO, 1, code, storage);
        for (i, tx) in block.txs.iter_mut().enumerate() {
            tx.kind = TxKind::Call(contract);
            tx.data = Bytes::from(if i == 100 { vec![2, 2] } else { vec![1] });
        }
        let sequential = run(&block, &block.state, 1);
        let returned = |i: usize| U256::from_be_slice(sequential.results[i].output().unwrap());
        assert_eq!(
            (returned(99), returned(101)),
            (U256::from(5), U256::from(9))
        );
        for threads in [2, 4] {
            for _ in 0..10 {
                let parallel = run(&block, &block.state, threads);
                let reason = &parallel.report.reason;
                assert_eq!(parallel.report.strategy, Strategy::Parallel, "{reason}");
                assert!(!reason.contains("sequential"), "{reason}");
                assert_eq!(parallel.results, sequential.results, "{threads} lanes");
                assert_eq!(parallel.state, sequential.state, "{threads} lanes");
            }
        }
    }

    #[test]
    fn a_call_started_early_reads_again_what_a_transaction_below_it_wrote() {
        // The call at 290 has a high gas limit: lanes start it first, before the transfer at
        // 100 pays its sender. It returns its sender's balance, which must include the payment.
        let mut block = generate(WorkloadKind::Erc20, 300, 3);
        let contract = Address::repeat_byte(0x5e);
        #[rustfmt::skip]
        let code = Bytes::from_static(&[
            0x33, 0x31, 0x60, 0x00, 0x52, // MSTORE(0, BALANCE(CALLER))
            0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
        ]);
        block
            .state
            .insert_account(contract, U256::ZERO, 1, code, []);
        let payee = block.txs[290].caller;
        block.txs[100].kind = TxKind::Call(payee);
        block.txs[100].value = U256::from(12_345);
        block.txs[100].data = Bytes::new();
        block.txs[290].kind = TxKind::Call(contract);
        block.txs[290].gas_limit = 2_000_000;
        let sequential = run(&block, &block.state, 1);
        for threads in [2, 4] {
            for _ in 0..10 {
                let parallel = run(&block, &block.state, threads);
                let reason = &parallel.report.reason;
                assert!(reason.ends_with("1 started early"), "{reason}");
                assert_eq!(parallel.results, sequential.results, "{threads} lanes");
                assert_eq!(parallel.receipts, sequential.receipts, "{threads} lanes");
                assert_eq!(parallel.state, sequential.state, "{threads} lanes");
            }
        }
    }

    #[test]
    fn transfers_from_the_beneficiary_wait_for_the_fees_before_them() {
        // A mining pool paying out from its coinbase at the start of its block (mainnet block
        // 8889776): each payout's sender balance takes the fees of every transaction before it.
        // Run beside the call before them, the payouts all failed validation one after another,
        // and the block fell back to sequential execution (1 run in 6).
        let mut block = generate(WorkloadKind::Erc20, 300, 4);
        // The transaction before them runs a while: a loop of 16,384 rounds.
        let looper = Address::repeat_byte(0x5e);
        #[rustfmt::skip]
        let code = Bytes::from_static(&[
            0x61, 0x40, 0x00, 0x5b, //             PUSH2 0x4000, JUMPDEST
            0x60, 0x01, 0x90, 0x03, 0x80, //       1 SWAP1 SUB DUP1
            0x60, 0x03, 0x57, 0x00, //             JUMPI to the JUMPDEST, STOP
        ]);
        block.state.insert_account(looper, U256::ZERO, 1, code, []);
        block.txs[0].kind = TxKind::Call(looper);
        block.txs[0].gas_limit = 1_000_000;
        let beneficiary = block.block_env.beneficiary;
        block
            .state
            .insert_account(beneficiary, U256::from(10u128.pow(21)), 0, Bytes::new(), []);
        for (nonce, tx) in (0..).zip(&mut block.txs[1..=40]) {
            tx.caller = beneficiary;
            tx.nonce = nonce;
            tx.kind = TxKind::Call(Address::with_last_byte(nonce as u8 + 1));
            tx.value = U256::from(1_000);
            tx.data = Bytes::new();
            tx.gas_limit = 21_000;
        }
        let sequential = run(&block, &block.state, 1);
        for _ in 0..30 {
            let parallel = run(&block, &block.state, 2);
            let reason = &parallel.report.reason;
            assert_eq!(parallel.first_difference(&sequential), None, "{reason}");
            assert!(!reason.contains("sequential"), "{reason}");
            assert!(!reason.contains("made lanes lose"), "{reason}");
        }
    }

    #[test]
    fn lanes_run_only_where_contract_calls_are_most_of_the_work() {
        let transfers = vec![tx(&[], 21_000); 2_000];
        assert!(too_little_call_work(&transfers).is_some());
        // 100 calls of 100k gas: 10M of calls, more than 8M but less than 1,000 transfers.
        let mut mixed = vec![tx(&[1], 100_000); 100];
        assert!(too_little_call_work(&mixed).is_none());
        mixed.extend(vec![tx(&[], 21_000); 1_000]);
        assert!(too_little_call_work(&mixed).is_some());
        // A huge limit counts as 1M: seven such calls are still too little.
        assert!(too_little_call_work(&vec![tx(&[1], 30_000_000); 7]).is_some());
    }
}
