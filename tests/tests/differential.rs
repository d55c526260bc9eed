//! Differential property test: random blocks over a small set of accounts and contracts, so
//! transactions conflict often, executed in parallel at several lane counts and in both modes,
//! must equal sequential execution through revm alone exactly (outputs, or the same error).

use fpevm::receipt::logs_bloom;
use fpevm::revm::context::{BlockEnv, TxEnv};
use fpevm::revm::primitives::hardfork::SpecId;
use fpevm::revm::primitives::{Address, Bytes, TxKind, U256};
use fpevm::state::{BlockHashes, InMemoryState};
use fpevm::workload::{counter, erc20, mapping_slot, TRANSFER_SELECTOR};
use fpevm::{execute_block, ExecMode, ExecOptions};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const SENDERS: u64 = 5;
const BENEFICIARY: u8 = 0xbe;

fn addr(n: u64) -> Address {
    Address::from_word(U256::from(0x1000 + n).into())
}

/// Contracts: 100 token, 101 counter, 102 slot writer, 103 self-destructor, 104 coinbase-balance
/// reader, 105 balance reader, 106-108 banks, 109 logger.
fn contract(n: u64) -> Address {
    addr(100 + n)
}

fn pre_state() -> InMemoryState {
    let mut state = InMemoryState::new(BlockHashes::KnownOnly);
    let holders: Vec<(U256, U256)> = (0..SENDERS)
        .map(|s| (mapping_slot(addr(s), 0), U256::from(1_000)))
        .collect();
    for s in 0..SENDERS {
        state.insert_account(addr(s), U256::from(10u128.pow(20)), 0, Bytes::new(), []);
    }
    state.insert_account(contract(0), U256::ZERO, 1, erc20().into(), holders);
    state.insert_account(contract(1), U256::ZERO, 1, counter().into(), []);
    // slot writer: SSTORE(cd[0], cd[32])
    state.insert_account(
        contract(2),
        U256::ZERO,
        1,
        Bytes::from_static(&[0x60, 0x20, 0x35, 0x60, 0x00, 0x35, 0x55, 0x00]),
        [(U256::from(1), U256::from(7))],
    );
    // self-destructor: SELFDESTRUCT(CALLER)
    state.insert_account(
        contract(3),
        U256::from(1_000_000),
        1,
        Bytes::from_static(&[0x33, 0xff]),
        [(U256::ZERO, U256::from(9))],
    );
    // coinbase-balance reader: SSTORE(0, BALANCE(COINBASE))
    state.insert_account(
        contract(4),
        U256::ZERO,
        1,
        Bytes::from_static(&[0x41, 0x31, 0x60, 0x00, 0x55, 0x00]),
        [],
    );
    // balance reader: SSTORE(0, BALANCE(cd[0])), the balance of an account other transactions
    // pay or charge (its validation re-reads a whole account)
    state.insert_account(
        contract(5),
        U256::ZERO,
        1,
        Bytes::from_static(BALANCE_READER),
        [],
    );
    // Long calls' own senders and balance readers.
    for i in 0..MAX_TXS {
        state.insert_account(
            long_sender(i),
            U256::from(10u128.pow(20)),
            0,
            Bytes::new(),
            [],
        );
        state.insert_account(
            long_reader(i),
            U256::ZERO,
            1,
            Bytes::from_static(BALANCE_READER),
            [],
        );
    }
    // Banks that hold a few wei, a few ether, and nearly the most a balance can (deposits
    // into it overflow).
    let banks = [
        U256::from(5),
        U256::from(10u128.pow(18)),
        U256::MAX - U256::from(3),
    ];
    for (n, balance) in (0..).zip(banks) {
        state.insert_account(bank(n), balance, 1, Bytes::from_static(BANK), []);
    }
    state.insert_account(contract(9), U256::ZERO, 1, Bytes::from_static(LOGGER), []);
    state
}

/// For `i` in `0..cd[0]`: LOG3 with topics `0x77`, CALLER, `i`. From 128 events a transaction's
/// topics after the first reach the count its lane hashes itself (see `fpevm::bloom`).
#[rustfmt::skip]
const LOGGER: &[u8] = &[
    0x60, 0x00, 0x35, 0x60, 0x00, // PUSH1 0 CALLDATALOAD (n) PUSH1 0 (i)
    0x5b, 0x81, 0x81, 0x10, 0x15, 0x60, 0x1c, 0x57, // 0x05 loop: JUMPDEST, exit unless i < n
    0x80, 0x33, 0x60, 0x77, 0x60, 0x00, 0x60, 0x00, 0xa3, // LOG3(0, 0, 0x77, CALLER, i)
    0x60, 0x01, 0x01, 0x60, 0x05, 0x56, // i += 1, JUMP loop
    0x5b, 0x00, // 0x1c: JUMPDEST STOP
];

const BANKS: u64 = 3;

/// SSTORE(0, BALANCE(cd[0])).
const BALANCE_READER: &[u8] = &[0x60, 0x00, 0x35, 0x31, 0x60, 0x00, 0x55, 0x00];

/// The most transactions a plan has.
const MAX_TXS: u64 = 48;

/// The sender of a long call at index `i`: its only transaction.
fn long_sender(i: u64) -> Address {
    addr(200 + i)
}

/// The balance reader a long call at index `i` calls: no other transaction calls it.
fn long_reader(i: u64) -> Address {
    addr(300 + i)
}

/// The gas limit of a long call: high enough for lanes to start it early, before the
/// transactions below it change the balance it reads.
const LONG_GAS_LIMIT: u64 = 2_000_000;

fn bank(n: u64) -> Address {
    contract(6 + n)
}

/// A WETH-like bank. No calldata: keeps the ether sent. Calldata `[op, arg]`: op 1 sends `arg`
/// wei to the caller (nothing checks the balance first), op 2 stores SELFBALANCE in slot 1,
/// op 3 sends the call's value on to the account `arg`. Sends store their success in the
/// caller's slot, so that two senders' transactions share nothing but the bank's balance.
#[rustfmt::skip]
const BANK: &[u8] = &[
    0x36, 0x15, 0x60, 0x1d, 0x57, // CALLDATASIZE ISZERO PUSH1 keep JUMPI
    0x60, 0x00, 0x35, // PUSH1 0 CALLDATALOAD (op)
    0x80, 0x60, 0x01, 0x14, 0x60, 0x1f, 0x57, // DUP1 PUSH1 1 EQ PUSH1 send JUMPI
    0x80, 0x60, 0x02, 0x14, 0x60, 0x31, 0x57, // DUP1 PUSH1 2 EQ PUSH1 selfbalance JUMPI
    0x60, 0x03, 0x14, 0x60, 0x37, 0x57, // PUSH1 3 EQ PUSH1 forward JUMPI
    0x00, // STOP
    0x5b, 0x00, // 0x1d keep: JUMPDEST STOP
    // 0x1f send: CALL(GAS, CALLER, arg, 0, 0, 0, 0), SSTORE(CALLER, success)
    0x5b, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00,
    0x60, 0x20, 0x35, 0x33, 0x5a, 0xf1, 0x33, 0x55, 0x00,
    // 0x31 selfbalance: SSTORE(1, SELFBALANCE)
    0x5b, 0x47, 0x60, 0x01, 0x55, 0x00,
    // 0x37 forward: CALL(GAS, arg, CALLVALUE, 0, 0, 0, 0), SSTORE(CALLER, success)
    0x5b, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00,
    0x34, 0x60, 0x20, 0x35, 0x5a, 0xf1, 0x33, 0x55, 0x00,
];

#[derive(Debug, Clone)]
enum Action {
    Transfer { to: u64, value: u64 },
    Token { to: u64, amount: u64 },
    Counter,
    Write { slot: u64, value: u64 },
    Destruct,
    ReadCoinbase,
    ReadBalance { of: u64 },
    // From a sender of its own, into a reader of its own, with a high gas limit.
    LongReadBalance { of: u64 },
    Deposit { bank: u64, value: u64 },
    Withdraw { bank: u64, amount: u64 },
    BankBalance { bank: u64 },
    Forward { bank: u64, to: u64, value: u64 },
    Log { events: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..SENDERS + 3, 0u64..3).prop_map(|(to, value)| Action::Transfer { to, value }),
        (0..SENDERS + 2, 0u64..1_500).prop_map(|(to, amount)| Action::Token { to, amount }),
        Just(Action::Counter),
        (0u64..3, 0u64..3).prop_map(|(slot, value)| Action::Write { slot, value }),
        Just(Action::Destruct),
        Just(Action::ReadCoinbase),
        (0..SENDERS + 3 + BANKS).prop_map(|of| Action::ReadBalance { of }),
        (0..SENDERS + 3 + BANKS).prop_map(|of| Action::LongReadBalance { of }),
        bank_action(),
        prop_oneof![0u64..4, 126u64..160].prop_map(|events| Action::Log { events }),
    ]
}

/// Ether moving in and out of the banks (WETH's wraps and unwraps), and their balances read.
fn bank_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (SENDERS + 3..SENDERS + 3 + BANKS).prop_map(|of| Action::ReadBalance { of }),
        (0..BANKS, 0u64..5).prop_map(|(bank, value)| Action::Deposit { bank, value }),
        (0..BANKS, 0u64..5).prop_map(|(bank, amount)| Action::Withdraw { bank, amount }),
        (0..BANKS).prop_map(|bank| Action::BankBalance { bank }),
        (0..BANKS, 0..BANKS, 0u64..5).prop_map(|(bank, to, value)| Action::Forward {
            bank,
            to,
            value
        }),
    ]
}

/// One bank and one address paid over and over, their balances sometimes read or drawn on:
/// their accounts collect more lazy entries than a read walks before indexing them.
fn paid_by_many() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => (1u64..5).prop_map(|value| Action::Deposit { bank: 0, value }),
        8 => (1u64..3).prop_map(|value| Action::Transfer { to: SENDERS + 1, value }),
        1 => (0u64..5).prop_map(|amount| Action::Withdraw { bank: 0, amount }),
        1 => Just(Action::BankBalance { bank: 0 }),
        1 => Just(Action::ReadBalance { of: SENDERS + 3 }),
        1 => Just(Action::ReadBalance { of: SENDERS + 1 }),
    ]
}

fn word(v: u64) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

/// The account balance reader's input `of` names, as a word: a sender, another account or a
/// bank.
fn holder(of: u64) -> Vec<u8> {
    let of = if of >= SENDERS + 3 {
        bank(of - SENDERS - 3)
    } else {
        addr(of)
    };
    of.into_word().0.to_vec()
}

fn build_txs(plan: &[(u64, Action, bool)]) -> Vec<TxEnv> {
    let mut nonces = [0u64; SENDERS as usize];
    plan.iter()
        .zip(0..)
        .map(|((sender, action, bad_nonce), i)| {
            let long = matches!(action, Action::LongReadBalance { .. });
            let mut fresh = 0;
            let (caller, nonce) = match long {
                true => (long_sender(i), &mut fresh),
                false => (addr(*sender), &mut nonces[*sender as usize]),
            };
            let tx_nonce = if *bad_nonce { *nonce + 1 } else { *nonce };
            if !bad_nonce {
                *nonce += 1;
            }
            let (to, value, data) = match action {
                Action::Transfer { to, value } => {
                    let to = if *to == SENDERS {
                        coinbase()
                    } else {
                        addr(*to)
                    };
                    (to, U256::from(*value), Vec::new())
                }
                Action::Token { to, amount } => {
                    let mut data = TRANSFER_SELECTOR.to_vec();
                    data.extend_from_slice(&addr(*to).into_word().0);
                    data.extend_from_slice(&word(*amount));
                    (contract(0), U256::ZERO, data)
                }
                Action::Counter => (contract(1), U256::ZERO, Vec::new()),
                Action::Write { slot, value } => (
                    contract(2),
                    U256::ZERO,
                    [word(*slot), word(*value)].concat(),
                ),
                Action::Destruct => (contract(3), U256::ZERO, Vec::new()),
                Action::ReadCoinbase => (contract(4), U256::ZERO, Vec::new()),
                Action::ReadBalance { of } => (contract(5), U256::ZERO, holder(*of)),
                Action::LongReadBalance { of } => (long_reader(i), U256::ZERO, holder(*of)),
                Action::Deposit { bank: n, value } => (bank(*n), U256::from(*value), Vec::new()),
                Action::Withdraw { bank: n, amount } => {
                    (bank(*n), U256::ZERO, [word(1), word(*amount)].concat())
                }
                Action::BankBalance { bank: n } => (bank(*n), U256::ZERO, word(2).to_vec()),
                Action::Forward { bank: n, to, value } => (
                    bank(*n),
                    U256::from(*value),
                    [word(3), bank(*to).into_word().0].concat(),
                ),
                Action::Log { events } => (contract(9), U256::ZERO, word(*events).to_vec()),
            };
            let gas_limit = match action {
                Action::LongReadBalance { .. } => LONG_GAS_LIMIT,
                Action::Log { .. } => 400_000,
                _ => 200_000,
            };
            TxEnv {
                tx_type: 2,
                caller,
                kind: TxKind::Call(to),
                value,
                data: data.into(),
                gas_limit,
                gas_price: 20,
                gas_priority_fee: Some(3),
                nonce: tx_nonce,
                chain_id: Some(1),
                ..TxEnv::default()
            }
        })
        .collect()
}

/// The usual beneficiary, an account no transaction sends from.
fn coinbase() -> Address {
    Address::repeat_byte(BENEFICIARY)
}

fn block_env(beneficiary: Address) -> BlockEnv {
    BlockEnv {
        number: U256::from(1),
        beneficiary,
        timestamp: U256::from(1_000),
        gas_limit: 30_000_000,
        basefee: 7,
        prevrandao: Some(Default::default()),
        ..BlockEnv::default()
    }
}

/// Runs `plan` at several lane counts, `repeat` times each, in both modes, with lazy storage
/// on every other run: the output must equal sequential execution through revm alone exactly
/// (or fail the same way).
fn check(
    plan: &[(u64, Action, bool)],
    shanghai: bool,
    repeat: usize,
    beneficiary: Address,
) -> Result<(), TestCaseError> {
    let state = pre_state();
    let txs = build_txs(plan);
    let spec = if shanghai {
        SpecId::SHANGHAI
    } else {
        SpecId::CANCUN
    };
    for mode in [ExecMode::Validate, ExecMode::Build] {
        // The reference runs every transaction through revm (no native transfers).
        let sequential = ExecOptions {
            threads: 1,
            mode,
            native_transfers: false,
            ..ExecOptions::default()
        };
        let expected = execute_block(spec, &block_env(beneficiary), &txs, &state, &sequential);
        // Blooms are made in parts and remembered: each must be the plain one of its logs.
        if let Ok(s) = &expected {
            for (i, receipt) in s.receipts.iter().enumerate() {
                prop_assert_eq!(receipt.bloom, logs_bloom(&receipt.logs), "receipt {}", i);
            }
        }
        for (run, threads) in [2, 3, 4].repeat(repeat).into_iter().enumerate() {
            let options = ExecOptions {
                threads,
                mode,
                min_parallel_txs: 0,
                lazy_storage: run % 2 == 0,
                ..ExecOptions::default()
            };
            let got = execute_block(spec, &block_env(beneficiary), &txs, &state, &options);
            // Nothing here overflows a lazily credited balance, and a validated balance range
            // holds its transaction's start: the final deltas never leave a balance's range.
            if let Ok(p) = &got {
                prop_assert!(
                    !p.report.reason.contains("no exact equivalent"),
                    "{}",
                    p.report.reason
                );
            }
            match (&got, &expected) {
                (Ok(p), Ok(s)) => {
                    prop_assert_eq!(p.first_difference(s), None, "{:?} {} lanes", mode, threads)
                }
                (Err(p), Err(s)) => prop_assert_eq!(p, s),
                _ => prop_assert!(false, "{mode:?} {threads} lanes: {got:?} vs {expected:?}"),
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parallel_equals_sequential(
        plan in prop::collection::vec((0..SENDERS, action(), prop::bool::weighted(0.05)), 1..40),
        shanghai in any::<bool>(),
        sender_is_beneficiary in any::<bool>(),
    ) {
        // A beneficiary that sends (a pool paying out, a builder paying the proposer) reads
        // every fee before its transactions.
        let beneficiary = if sender_is_beneficiary { addr(0) } else { coinbase() };
        check(&plan, shanghai, 1, beneficiary)?;
    }

    /// Short blocks of bank operations only: neighbouring transactions, which lanes run at
    /// the same time, often move one bank's ether.
    #[test]
    fn bank_balances_equal_sequential(
        plan in prop::collection::vec((0..SENDERS, bank_action(), Just(false)), 2..48),
        shanghai in any::<bool>(),
    ) {
        check(&plan, shanghai, 3, coinbase())?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Long blocks that mostly pay one bank and one address.
    #[test]
    fn accounts_paid_by_many_equal_sequential(
        plan in prop::collection::vec((0..SENDERS, paid_by_many(), Just(false)), 40..140),
        shanghai in any::<bool>(),
    ) {
        check(&plan, shanghai, 1, coinbase())?;
    }
}

/// `txs` over `state` on the parallel path in `threads` lanes (Cancun, the usual beneficiary).
fn in_lanes(
    state: &InMemoryState,
    txs: &[TxEnv],
    threads: usize,
    lazy_storage: bool,
) -> fpevm::BlockOutput {
    let options = ExecOptions {
        threads,
        min_parallel_txs: 0,
        lazy_storage,
        ..ExecOptions::default()
    };
    execute_block(SpecId::CANCUN, &block_env(coinbase()), txs, state, &options).unwrap()
}

/// Calls that log 150 events each (300 topics after the first: their lanes hash them) among
/// token transfers: every receipt's bloom is the plain one of its logs, in lanes as in sequence.
#[test]
fn calls_with_hundreds_of_events_have_plain_blooms_in_lanes() {
    let plan: Vec<_> = (0..12)
        .map(|i| {
            let action = match i % 3 {
                0 => Action::Log { events: 150 },
                _ => Action::Token {
                    to: (i + 1) % SENDERS,
                    amount: 5,
                },
            };
            (i % SENDERS, action, false)
        })
        .collect();
    check(&plan, false, 3, coinbase()).unwrap();
    let output = in_lanes(&pre_state(), &build_txs(&plan), 2, false);
    let events: Vec<usize> = output.receipts.iter().map(|r| r.logs.len()).collect();
    assert_eq!(
        events.iter().filter(|&&n| n == 150).count(),
        4,
        "{events:?}"
    );
    for receipt in &output.receipts {
        assert_eq!(receipt.bloom, logs_bloom(&receipt.logs));
    }
}

/// Token transfers into one deposit address (every one conflicts on its balance) and out of
/// senders that send several times, some beyond their balance: with lazy storage, lanes read
/// the balances as ranges in some runs, and every run equals the sequence.
#[test]
fn token_deposits_with_lazy_storage_equal_sequential() {
    let deposit = SENDERS;
    let plan: Vec<_> = (0..60)
        .map(|i| {
            let amount = if i % 7 == 3 { 1_200 } else { 10 + i };
            (
                i % SENDERS,
                Action::Token {
                    to: deposit,
                    amount,
                },
                false,
            )
        })
        .collect();
    check(&plan, false, 2, coinbase()).unwrap();
    let (state, txs) = (pre_state(), build_txs(&plan));
    // Four lanes: each sender's previous transaction is within the window a first execution
    // waits for, so the conflicts left are on the deposit address's balance.
    let ranged = (0..200).any(|_| {
        let output = in_lanes(&state, &txs, 4, true);
        output.report.reason.contains("as ranges")
    });
    assert!(ranged, "no run of 200 read a balance as a range");
}

/// Withdrawals from a bank holding 5 wei: only the first two of 2 wei succeed, whatever the
/// lanes saw of each other's withdrawals when they ran.
#[test]
fn withdrawals_beyond_a_balance_fail_as_in_sequence() {
    let plan: Vec<_> = (0..40)
        .map(|i| (i % SENDERS, Action::Withdraw { bank: 0, amount: 2 }, false))
        .collect();
    check(&plan, false, 10, coinbase()).unwrap();
}
