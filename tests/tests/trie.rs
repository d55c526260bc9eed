//! fpevm's own Merkle-Patricia roots against alloy-trie's, on random inputs; and the state
//! root hashed level by level on the Verilated core against the CPU's, on random states.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_trie::root::{ordered_trie_root, state_root_unhashed, storage_root_unhashed};
use alloy_trie::TrieAccount;
use fpevm::trie::{self, TrieAccountInput};
use fpevm::AccountState;
use proptest::prelude::*;

fn small_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        (0u64..4).prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes)
    ]
}

fn account() -> impl Strategy<Value = TrieAccountInput> {
    (
        any::<[u8; 20]>(),
        small_u256(),
        any::<u64>(),
        prop::option::of(any::<[u8; 32]>()),
        prop::collection::vec((small_u256(), small_u256()), 0..12),
    )
        .prop_map(
            |(address, balance, nonce, code, storage)| TrieAccountInput {
                address: Address::from(address),
                info: AccountState {
                    balance,
                    nonce,
                    code_hash: code.map_or(alloy_primitives::KECCAK256_EMPTY, B256::from),
                },
                storage: dedup(storage),
            },
        )
}

fn dedup(slots: Vec<(U256, U256)>) -> Vec<(U256, U256)> {
    let map: std::collections::BTreeMap<U256, U256> = slots.into_iter().collect();
    map.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn storage_root_matches_alloy(slots in prop::collection::vec((small_u256(), small_u256()), 0..40)) {
        let slots = dedup(slots);
        let expected = storage_root_unhashed(
            slots.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (B256::from(k.to_be_bytes()), *v)),
        );
        prop_assert_eq!(trie::storage_root(&slots), expected);
    }

    #[test]
    fn state_root_matches_alloy(accounts in prop::collection::vec(account(), 0..24)) {
        let mut by_address = std::collections::BTreeMap::new();
        for a in accounts {
            by_address.insert(a.address, a);
        }
        let accounts: Vec<TrieAccountInput> = by_address.into_values().collect();
        let expected = state_root_unhashed(accounts.iter().map(|a| {
            let storage = a.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (B256::from(k.to_be_bytes()), *v));
            (a.address, TrieAccount {
                nonce: a.info.nonce,
                balance: a.info.balance,
                storage_root: storage_root_unhashed(storage),
                code_hash: a.info.code_hash,
            })
        }));
        prop_assert_eq!(trie::state_root(&accounts), expected);
    }

    #[test]
    fn ordered_root_matches_alloy(items in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..80), 0..300)) {
        let expected = ordered_trie_root(&items.iter().map(|i| alloy_primitives::Bytes::from(i.clone())).collect::<Vec<_>>());
        // alloy encodes each item as an RLP string; fpevm's ordered root takes encoded values.
        let encoded: Vec<Vec<u8>> = items.iter().map(|i| alloy_rlp_encode(i)).collect();
        prop_assert_eq!(trie::ordered_trie_root(&encoded), expected);
    }
}

/// One simulated core for every case of the device-root property (opened once: the cases
/// share it through its batcher, as lanes do).
fn simulated_core() -> &'static fpevm::offload::EvmOffload {
    static DEVICE: std::sync::OnceLock<fpevm::offload::EvmOffload> = std::sync::OnceLock::new();
    DEVICE.get_or_init(|| {
        fpevm::offload::EvmOffload::open(fpevm::DeviceKind::Sim, fpevm::OffloadPolicy::Always)
            .expect("the Verilated core")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn state_root_on_the_simulated_core_equals_the_cpu_root(accounts in prop::collection::vec(account(), 0..24)) {
        let mut by_address = std::collections::BTreeMap::new();
        for a in accounts {
            by_address.insert(a.address, a);
        }
        let accounts: Vec<TrieAccountInput> = by_address.into_values().collect();
        let device = simulated_core();
        let before = device.stats().device_ops;
        prop_assert_eq!(trie::state_root_with(&accounts, device), trie::state_root(&accounts));
        prop_assert!(accounts.is_empty() || device.stats().device_ops > before, "the core hashed");
        prop_assert_eq!(device.stats().faults, 0);
    }
}

fn alloy_rlp_encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    alloy_rlp::Encodable::encode(bytes, &mut out);
    out
}

#[test]
fn empty_roots() {
    assert_eq!(trie::state_root(&[]), trie::EMPTY_ROOT);
    assert_eq!(trie::storage_root(&[]), trie::EMPTY_ROOT);
    assert_eq!(keccak256([0x80]), trie::EMPTY_ROOT);
}
