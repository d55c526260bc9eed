//! A forest of Merkle-Patricia tries built from sorted key/value pairs and hashed by height.
//!
//! Every node's height is one more than its tallest child's, so all nodes of one height depend
//! only on lower heights: the forest hashes height 0 of every trie in one batch, then height 1,
//! and so on. That turns a trie root into `max height + 1` batches of independent Keccak jobs.

use super::hasher::KeccakBatch;
use alloy_rlp::{BufMut, Encodable, Header, EMPTY_STRING_CODE};
use revm::primitives::B256;

type NodeId = usize;

#[allow(clippy::large_enum_variant)] // one arena, few nodes: boxing would only add allocations
enum Node {
    Leaf {
        path: Vec<u8>,
        value: Vec<u8>,
    },
    Extension {
        path: Vec<u8>,
        child: NodeId,
    },
    Branch {
        children: [Option<NodeId>; 16],
        value: Option<Vec<u8>>,
    },
}

/// How a parent refers to a child: its RLP when shorter than 32 bytes, its hash otherwise.
enum NodeRef {
    Inline(Vec<u8>),
    Hash(B256),
}

/// Several tries whose roots are computed together, one hash batch per node height.
#[derive(Default)]
pub struct TrieForest {
    nodes: Vec<Node>,
    heights: Vec<usize>,
    /// Root node of each trie; `None` for an empty trie.
    roots: Vec<Option<NodeId>>,
}

impl TrieForest {
    /// An empty forest.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trie over `(key, value)` pairs and returns its index among the roots.
    ///
    /// Keys must be sorted ascending and unique; values must be non-empty (an empty value is
    /// an absent key in a Merkle-Patricia trie). Violations are programming errors of the caller
    /// and are checked in debug builds.
    pub fn add_trie<K: AsRef<[u8]>, V: AsRef<[u8]>>(&mut self, pairs: &[(K, V)]) -> usize {
        debug_assert!(pairs.windows(2).all(|w| w[0].0.as_ref() < w[1].0.as_ref()));
        let keys: Vec<Vec<u8>> = pairs.iter().map(|(k, _)| to_nibbles(k.as_ref())).collect();
        let values: Vec<&[u8]> = pairs.iter().map(|(_, v)| v.as_ref()).collect();
        let root = (!keys.is_empty()).then(|| self.build(&keys, &values, 0));
        self.roots.push(root);
        self.roots.len() - 1
    }

    fn push(&mut self, node: Node, height: usize) -> NodeId {
        self.nodes.push(node);
        self.heights.push(height);
        self.nodes.len() - 1
    }

    fn build(&mut self, keys: &[Vec<u8>], values: &[&[u8]], depth: usize) -> NodeId {
        if keys.len() == 1 {
            let leaf = Node::Leaf {
                path: keys[0][depth..].to_vec(),
                value: values[0].to_vec(),
            };
            return self.push(leaf, 0);
        }
        let (first, last) = (&keys[0], &keys[keys.len() - 1]);
        let shared = first[depth..]
            .iter()
            .zip(&last[depth..])
            .take_while(|(a, b)| a == b)
            .count();
        if shared > 0 {
            let child = self.build(keys, values, depth + shared);
            let path = first[depth..depth + shared].to_vec();
            return self.push(Node::Extension { path, child }, self.heights[child] + 1);
        }
        let mut children = [None; 16];
        let mut value = None;
        let mut height = 0;
        let mut start = 0;
        if keys[0].len() == depth {
            value = Some(values[0].to_vec());
            start = 1;
        }
        while start < keys.len() {
            let nibble = keys[start][depth];
            let end = start
                + keys[start..]
                    .iter()
                    .take_while(|k| k[depth] == nibble)
                    .count();
            let child = self.build(&keys[start..end], &values[start..end], depth + 1);
            height = height.max(self.heights[child] + 1);
            children[nibble as usize] = Some(child);
            start = end;
        }
        self.push(Node::Branch { children, value }, height)
    }

    /// Computes every trie's root, hashing one node height at a time through `hasher`.
    pub fn roots(&self, hasher: &dyn KeccakBatch) -> Vec<B256> {
        let mut is_root = vec![false; self.nodes.len()];
        for id in self.roots.iter().flatten() {
            is_root[*id] = true;
        }
        let max_height = self.heights.iter().copied().max().unwrap_or(0);
        let mut by_height: Vec<Vec<NodeId>> = vec![Vec::new(); max_height + 1];
        for (id, h) in self.heights.iter().enumerate() {
            by_height[*h].push(id);
        }
        let mut refs: Vec<Option<NodeRef>> = (0..self.nodes.len()).map(|_| None).collect();
        let mut digests = Vec::new();
        for level in &by_height {
            let encoded: Vec<Vec<u8>> = level.iter().map(|id| self.encode(*id, &refs)).collect();
            let to_hash: Vec<&[u8]> = level
                .iter()
                .zip(&encoded)
                .filter(|(id, rlp)| rlp.len() >= 32 || is_root[**id])
                .map(|(_, rlp)| rlp.as_slice())
                .collect();
            digests.clear();
            hasher.keccak_batch(&to_hash, &mut digests);
            let mut next = digests.iter();
            for (id, rlp) in level.iter().zip(encoded) {
                refs[*id] = Some(if rlp.len() >= 32 || is_root[*id] {
                    NodeRef::Hash(*next.next().expect("one digest per hashed node"))
                } else {
                    NodeRef::Inline(rlp)
                });
            }
        }
        self.roots
            .iter()
            .map(|root| match root {
                None => super::EMPTY_ROOT,
                Some(id) => match &refs[*id] {
                    Some(NodeRef::Hash(h)) => *h,
                    _ => unreachable!("roots are always hashed"),
                },
            })
            .collect()
    }

    fn encode(&self, id: NodeId, refs: &[Option<NodeRef>]) -> Vec<u8> {
        let child_ref = |c: NodeId| {
            refs[c]
                .as_ref()
                .expect("children are encoded before parents")
        };
        let mut payload = Vec::new();
        match &self.nodes[id] {
            Node::Leaf { path, value } => {
                compact_path(path, true).as_slice().encode(&mut payload);
                value.as_slice().encode(&mut payload);
            }
            Node::Extension { path, child } => {
                compact_path(path, false).as_slice().encode(&mut payload);
                put_ref(child_ref(*child), &mut payload);
            }
            Node::Branch { children, value } => {
                for child in children {
                    match child {
                        Some(c) => put_ref(child_ref(*c), &mut payload),
                        None => payload.put_u8(EMPTY_STRING_CODE),
                    }
                }
                match value {
                    Some(v) => v.as_slice().encode(&mut payload),
                    None => payload.put_u8(EMPTY_STRING_CODE),
                }
            }
        }
        let mut out = Vec::with_capacity(payload.len() + 3);
        Header {
            list: true,
            payload_length: payload.len(),
        }
        .encode(&mut out);
        out.extend_from_slice(&payload);
        out
    }
}

fn put_ref(r: &NodeRef, out: &mut Vec<u8>) {
    match r {
        NodeRef::Inline(rlp) => out.extend_from_slice(rlp),
        NodeRef::Hash(h) => h.encode(out),
    }
}

fn to_nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// Hex-prefix encoding of a nibble path (Yellow Paper, appendix C).
fn compact_path(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(((flag + 1) << 4) | path[0]);
        &path[1..]
    } else {
        out.push(flag << 4);
        path
    };
    out.extend(rest.chunks(2).map(|p| (p[0] << 4) | p[1]));
    out
}
