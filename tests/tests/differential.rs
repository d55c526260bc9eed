//! Differential property test: random blocks over a small set of accounts and contracts, so
//! transactions conflict often, executed in parallel at several lane counts and in both modes,
//! must equal sequential execution through revm alone exactly (outputs, or the same error).

use fpevm::revm::context::{BlockEnv, TxEnv};
use fpevm::revm::primitives::hardfork::SpecId;
use fpevm::revm::primitives::{Address, Bytes, TxKind, U256};
use fpevm::state::{BlockHashes, InMemoryState};
use fpevm::workload::{counter, erc20, mapping_slot, TRANSFER_SELECTOR};
use fpevm::{execute_block, ExecMode, ExecOptions};
use proptest::prelude::*;

const SENDERS: u64 = 5;
const BENEFICIARY: u8 = 0xbe;

fn addr(n: u64) -> Address {
    Address::from_word(U256::from(0x1000 + n).into())
}

/// Contracts: 100 token, 101 counter, 102 slot writer, 103 self-destructor, 104 coinbase-balance
/// reader, 105 balance reader.
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
        Bytes::from_static(&[0x60, 0x00, 0x35, 0x31, 0x60, 0x00, 0x55, 0x00]),
        [],
    );
    state
}

#[derive(Debug, Clone)]
enum Action {
    Transfer { to: u64, value: u64 },
    Token { to: u64, amount: u64 },
    Counter,
    Write { slot: u64, value: u64 },
    Destruct,
    ReadCoinbase,
    ReadBalance { of: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..SENDERS + 3, 0u64..3).prop_map(|(to, value)| Action::Transfer { to, value }),
        (0..SENDERS + 2, 0u64..1_500).prop_map(|(to, amount)| Action::Token { to, amount }),
        Just(Action::Counter),
        (0u64..3, 0u64..3).prop_map(|(slot, value)| Action::Write { slot, value }),
        Just(Action::Destruct),
        Just(Action::ReadCoinbase),
        (0..SENDERS + 3).prop_map(|of| Action::ReadBalance { of }),
    ]
}

fn word(v: u64) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

fn build_txs(plan: &[(u64, Action, bool)]) -> Vec<TxEnv> {
    let mut nonces = [0u64; SENDERS as usize];
    plan.iter()
        .map(|(sender, action, bad_nonce)| {
            let nonce = &mut nonces[*sender as usize];
            let tx_nonce = if *bad_nonce { *nonce + 1 } else { *nonce };
            if !bad_nonce {
                *nonce += 1;
            }
            let (to, value, data) = match action {
                Action::Transfer { to, value } => {
                    let to = if *to == SENDERS {
                        Address::repeat_byte(BENEFICIARY)
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
                Action::ReadBalance { of } => {
                    (contract(5), U256::ZERO, addr(*of).into_word().0.to_vec())
                }
            };
            TxEnv {
                tx_type: 2,
                caller: addr(*sender),
                kind: TxKind::Call(to),
                value,
                data: data.into(),
                gas_limit: 200_000,
                gas_price: 20,
                gas_priority_fee: Some(3),
                nonce: tx_nonce,
                chain_id: Some(1),
                ..TxEnv::default()
            }
        })
        .collect()
}

fn block_env() -> BlockEnv {
    BlockEnv {
        number: U256::from(1),
        beneficiary: Address::repeat_byte(BENEFICIARY),
        timestamp: U256::from(1_000),
        gas_limit: 30_000_000,
        basefee: 7,
        prevrandao: Some(Default::default()),
        ..BlockEnv::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parallel_equals_sequential(
        plan in prop::collection::vec((0..SENDERS, action(), prop::bool::weighted(0.05)), 1..40),
        shanghai in any::<bool>(),
    ) {
        let state = pre_state();
        let txs = build_txs(&plan);
        let spec = if shanghai { SpecId::SHANGHAI } else { SpecId::CANCUN };
        for mode in [ExecMode::Validate, ExecMode::Build] {
            // The reference runs every transaction through revm (no native transfers).
            let sequential = ExecOptions { threads: 1, mode, native_transfers: false, ..ExecOptions::default() };
            let expected = execute_block(spec, &block_env(), &txs, &state, &sequential);
            for threads in [2, 3, 4] {
                let options = ExecOptions { threads, mode, min_parallel_txs: 0, ..ExecOptions::default() };
                let got = execute_block(spec, &block_env(), &txs, &state, &options);
                match (&got, &expected) {
                    (Ok(p), Ok(s)) => prop_assert_eq!(p.first_difference(s), None, "{:?} {} lanes", mode, threads),
                    (Err(p), Err(s)) => prop_assert_eq!(p, s),
                    _ => prop_assert!(false, "{mode:?} {threads} lanes: {got:?} vs {expected:?}"),
                }
            }
        }
    }
}
