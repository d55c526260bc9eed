//! Plain transfers executed natively must give exactly what revm gives: random blocks of
//! transfers across forks, transaction types, fees, nonces, balances and recipients (accounts
//! with and without code, precompiles, the beneficiary, the sender itself, an account whose
//! balance a transfer overflows; a sender that is the beneficiary), in both modes, sequentially
//! and in lanes, against the same block run through revm alone.

use fpevm::revm::context::{BlockEnv, TxEnv};
use fpevm::revm::primitives::hardfork::SpecId;
use fpevm::revm::primitives::{Address, Bytes, TxKind, U256};
use fpevm::state::{BlockHashes, InMemoryState};
use fpevm::{execute_block, ExecMode, ExecOptions};
use proptest::prelude::*;

const SENDERS: u64 = 4;
const BENEFICIARY: u8 = 0xbe;
const BASEFEE: u64 = 7;

const SPECS: [SpecId; 11] = [
    SpecId::FRONTIER,
    SpecId::HOMESTEAD,
    SpecId::TANGERINE,
    SpecId::SPURIOUS_DRAGON,
    SpecId::BYZANTIUM,
    SpecId::BERLIN,
    SpecId::LONDON,
    SpecId::SHANGHAI,
    SpecId::CANCUN,
    SpecId::PRAGUE,
    SpecId::OSAKA,
];

fn addr(n: u64) -> Address {
    Address::from_word(U256::from(0x1000 + n).into())
}

/// Senders 0..4 (sender 3 is nearly broke), an existing empty account, a contract, and an
/// existing beneficiary whose balance is near the top of the range.
fn pre_state(rich_beneficiary: bool) -> InMemoryState {
    let mut state = InMemoryState::new(BlockHashes::KnownOnly);
    for s in 0..SENDERS {
        let balance = if s == 3 { 30_000 } else { 10u64.pow(18) };
        state.insert_account(addr(s), U256::from(balance), 0, Bytes::new(), []);
    }
    state.insert_account(addr(10), U256::ZERO, 0, Bytes::new(), []);
    // STOP-only contract: a transfer to it runs code.
    state.insert_account(addr(11), U256::ZERO, 1, Bytes::from_static(&[0x00]), []);
    // A recipient a transfer of 3 wei or more overflows (revm halts such a transfer).
    state.insert_account(addr(12), U256::MAX - U256::from(2), 0, Bytes::new(), []);
    let beneficiary_balance = if rich_beneficiary {
        U256::MAX - U256::from(1_000)
    } else {
        U256::from(5)
    };
    state.insert_account(
        Address::repeat_byte(BENEFICIARY),
        beneficiary_balance,
        0,
        Bytes::new(),
        [],
    );
    state
}

#[derive(Debug, Clone)]
struct Transfer {
    sender: u64,
    /// 0..4 senders, 4 a fresh account, 5 the empty account, 6 the contract, 7 a precompile,
    /// 8 the beneficiary, 9 the sender itself, 10 an account with nearly the largest balance.
    to: u8,
    value: u64,
    tx_type: u8,
    gas_price: u64,
    priority_fee: u64,
    gas_limit: u64,
    chain_id: Option<u64>,
    nonce_offset: u8,
}

fn transfer() -> impl Strategy<Value = Transfer> {
    (
        (
            0..SENDERS,
            0u8..11,
            prop_oneof![Just(0u64), 1u64..5, Just(10u64.pow(18))],
        ),
        (0u8..3, prop_oneof![0u64..9, Just(30)], 0u64..12),
        prop_oneof![
            Just(21_000u64),
            Just(20_999u64),
            21_001u64..60_000,
            Just(40_000_000u64)
        ],
        prop_oneof![Just(Some(1u64)), Just(Some(5)), Just(None)],
        prop::sample::select(vec![0u8, 0, 0, 0, 1, 2]),
    )
        .prop_map(
            |((sender, to, value), (tx_type, gas_price, priority_fee), gas_limit, chain_id, n)| {
                Transfer {
                    sender,
                    to,
                    value,
                    tx_type,
                    gas_price,
                    priority_fee,
                    gas_limit,
                    chain_id,
                    nonce_offset: n,
                }
            },
        )
}

fn build_txs(plan: &[Transfer]) -> Vec<TxEnv> {
    let mut nonces = [0u64; SENDERS as usize];
    plan.iter()
        .map(|t| {
            let nonce = &mut nonces[t.sender as usize];
            // 1 is a nonce gap, 2 a replay of the previous nonce.
            let tx_nonce = match t.nonce_offset {
                1 => *nonce + 1,
                2 => nonce.saturating_sub(1),
                _ => *nonce,
            };
            if t.nonce_offset == 0 {
                *nonce += 1;
            }
            let to = match t.to {
                0..=3 => addr(u64::from(t.to)),
                4 => addr(20 + t.sender),
                5 => addr(10),
                6 => addr(11),
                7 => Address::with_last_byte(4),
                8 => Address::repeat_byte(BENEFICIARY),
                9 => addr(t.sender),
                _ => addr(12),
            };
            TxEnv {
                tx_type: t.tx_type,
                caller: addr(t.sender),
                kind: TxKind::Call(to),
                value: U256::from(t.value),
                gas_limit: t.gas_limit,
                gas_price: u128::from(t.gas_price),
                gas_priority_fee: (t.tx_type == 2).then_some(u128::from(t.priority_fee)),
                nonce: tx_nonce,
                chain_id: t.chain_id,
                ..TxEnv::default()
            }
        })
        .collect()
}

/// The block of `spec`; with `pool`, its beneficiary is sender 0 (a mining pool paying out).
fn block_env(spec: SpecId, pool: bool) -> BlockEnv {
    BlockEnv {
        number: U256::from(1),
        beneficiary: if pool {
            addr(0)
        } else {
            Address::repeat_byte(BENEFICIARY)
        },
        timestamp: U256::from(1_000),
        gas_limit: 30_000_000,
        basefee: if spec.is_enabled_in(SpecId::LONDON) {
            BASEFEE
        } else {
            0
        },
        prevrandao: Some(Default::default()),
        ..BlockEnv::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn native_transfers_equal_revm(
        plan in prop::collection::vec(transfer(), 1..30),
        spec in prop::sample::select(SPECS.to_vec()),
        rich_beneficiary in prop::bool::weighted(0.1),
        pool in prop::bool::weighted(0.2),
    ) {
        let state = pre_state(rich_beneficiary);
        let txs = build_txs(&plan);
        let env = block_env(spec, pool);
        for mode in [ExecMode::Validate, ExecMode::Build] {
            let revm_only = ExecOptions { threads: 1, mode, native_transfers: false, ..ExecOptions::default() };
            let expected = execute_block(spec, &env, &txs, &state, &revm_only);
            // Sequentially, then in one and two lanes (forced: `min_parallel_txs` 0).
            for (threads, min_parallel_txs) in [(1, 8), (1, 0), (2, 0)] {
                let native = ExecOptions { threads, mode, min_parallel_txs, ..ExecOptions::default() };
                let got = execute_block(spec, &env, &txs, &state, &native);
                let path = format!("{spec:?} {mode:?} {threads} lanes, min {min_parallel_txs}");
                match (&got, &expected) {
                    (Ok(n), Ok(r)) => prop_assert_eq!(n.first_difference(r), None, "{}", path),
                    (Err(n), Err(r)) => prop_assert_eq!(n, r, "{}", path),
                    _ => prop_assert!(false, "{path}: {got:?} vs {expected:?}"),
                }
            }
        }
    }
}
