//! Merkle-Patricia tries computed level by level, so every level's hashing is one batch of
//! independent Keccak jobs (the shape a hardware Keccak core serves best).

mod forest;
mod hasher;
mod ordered;
mod state_root;

pub use forest::TrieForest;
pub use hasher::{CpuKeccak, KeccakBatch};
pub use ordered::ordered_trie_root;
pub use state_root::{state_root, state_root_with, storage_root, TrieAccountInput};

/// Root of the empty trie: keccak256(rlp("")).
pub const EMPTY_ROOT: revm::primitives::B256 =
    revm::primitives::b256!("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
