//! Keccak-256 of many 32-byte words at once: eight permutations side by side in AVX-512
//! registers where the CPU has them, one after another elsewhere.
//!
//! A logs bloom hashes every topic after an event's first; in a block of token transfers that
//! is two new words per transaction. Hashed one at a time, each costs a whole Keccak-f[1600]
//! permutation; eight in the 64-bit lanes of 512-bit registers cost about as much as three
//! (no well-kept crate offers this on stable Rust: `keccak`'s SIMD backends need nightly).
//!
//! Invariant: every output equals `keccak256` of its input, whichever path ran (the tests
//! compare both paths with it, over lengths that leave every remainder).

use revm::primitives::{keccak256, B256};

/// Keccak-f[1600] round constants.
const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Fewer words than this left over are hashed one at a time: a batch of eight costs about as
/// much as three single hashes.
const MIN_BATCH: usize = 3;

/// Appends Keccak-256 of each of `words` to `out`, in order.
pub fn keccak256_words(words: &[B256], out: &mut Vec<B256>) {
    out.reserve(words.len());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        for group in words.chunks(8) {
            if group.len() < MIN_BATCH {
                out.extend(group.iter().map(keccak256));
                continue;
            }
            // SAFETY: the CPU has AVX-512F (checked above).
            let hashes = unsafe { x8::keccak256_x8(group) };
            out.extend_from_slice(&hashes[..group.len()]);
        }
        return;
    }
    out.extend(words.iter().map(keccak256));
}

#[cfg(target_arch = "x86_64")]
mod x8 {
    use super::ROUND_CONSTANTS;
    use revm::primitives::B256;
    use std::arch::x86_64::*;

    /// Keccak-256 of up to eight 32-byte words (missing ones are hashed as zero words and
    /// their hashes dropped by the caller).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn keccak256_x8(words: &[B256]) -> [B256; 8] {
        // Lane k of message m is the k-th little-endian word of input m.
        let mut columns = [[0u64; 8]; 4];
        for (m, word) in words.iter().take(8).enumerate() {
            for (k, bytes) in word.0.chunks_exact(8).enumerate() {
                columns[k][m] = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
            }
        }
        let mut state = [_mm512_setzero_si512(); 25];
        for (lane, column) in state.iter_mut().zip(&columns) {
            *lane = _mm512_loadu_epi64(column.as_ptr().cast());
        }
        // Keccak's padding of a 32-byte message in a 136-byte block: 0x01 after it, 0x80 last.
        state[4] = _mm512_set1_epi64(0x01);
        state[16] = _mm512_set1_epi64(i64::MIN);
        permute(&mut state);
        let mut out = [B256::ZERO; 8];
        for (k, lane) in state.iter().take(4).enumerate() {
            let mut column = [0u64; 8];
            _mm512_storeu_epi64(column.as_mut_ptr().cast(), *lane);
            for (m, hash) in out.iter_mut().enumerate() {
                hash.0[8 * k..8 * k + 8].copy_from_slice(&column[m].to_le_bytes());
            }
        }
        out
    }

    /// Keccak-f[1600] on eight states at once, lane `i` of message `m` in `state[i][m]`.
    /// Written out lane by lane (constant indexes and rotations), so that the whole state
    /// stays in registers.
    #[target_feature(enable = "avx512f")]
    fn permute(state: &mut [__m512i; 25]) {
        // a ^ b ^ c, and a ^ (!b & c), as three-input logic tables.
        const XOR3: i32 = 0x96;
        const CHI: i32 = 0xd2;
        let s = state;
        for constant in ROUND_CONSTANTS {
            let mut parity = [_mm512_setzero_si512(); 5];
            for (x, column) in parity.iter_mut().enumerate() {
                let t = _mm512_ternarylogic_epi64::<XOR3>(s[x], s[x + 5], s[x + 10]);
                *column = _mm512_ternarylogic_epi64::<XOR3>(t, s[x + 15], s[x + 20]);
            }
            let mut b = [_mm512_setzero_si512(); 25];
            // Lane `i = x + 5y` gets theta's mix of its neighbour columns, then rotates by its
            // rho offset `r` into its pi position `to = y + 5((2x + 3y) mod 5)`.
            macro_rules! theta_rho_pi {
                ($($i:literal $x:literal $to:literal $r:literal);*) => {$(
                    let mixed = _mm512_ternarylogic_epi64::<XOR3>(
                        s[$i],
                        parity[($x + 4) % 5],
                        _mm512_rol_epi64::<1>(parity[($x + 1) % 5]),
                    );
                    b[$to] = _mm512_rol_epi64::<$r>(mixed);
                )*};
            }
            theta_rho_pi!(0 0 0 0; 1 1 10 1; 2 2 20 62; 3 3 5 28; 4 4 15 27; 5 0 16 36; 6 1 1 44;
                7 2 11 6; 8 3 21 55; 9 4 6 20; 10 0 7 3; 11 1 17 10; 12 2 2 43; 13 3 12 25;
                14 4 22 39; 15 0 23 41; 16 1 8 45; 17 2 18 15; 18 3 3 21; 19 4 13 8; 20 0 14 18;
                21 1 24 2; 22 2 9 61; 23 3 19 56; 24 4 4 14);
            for y in 0..5 {
                for x in 0..5 {
                    s[x + 5 * y] = _mm512_ternarylogic_epi64::<CHI>(
                        b[x + 5 * y],
                        b[(x + 1) % 5 + 5 * y],
                        b[(x + 2) % 5 + 5 * y],
                    );
                }
            }
            s[0] = _mm512_xor_si512(s[0], _mm512_set1_epi64(constant as i64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(count: usize, seed: u8) -> Vec<B256> {
        (0..count)
            .map(|i| {
                let mut word = B256::repeat_byte(seed);
                word.0[..8].copy_from_slice(&(i as u64).wrapping_mul(0x9e37_79b9).to_le_bytes());
                word.0[31] ^= i as u8;
                word
            })
            .collect()
    }

    #[test]
    fn every_word_gets_its_keccak_whatever_the_count() {
        for count in 0..=27 {
            let input = words(count, count as u8);
            let mut out = Vec::new();
            keccak256_words(&input, &mut out);
            let expected: Vec<B256> = input.iter().map(keccak256).collect();
            assert_eq!(out, expected, "{count} words");
        }
        // Known answer: Keccak-256 of 32 zero bytes.
        let mut out = vec![B256::ZERO];
        keccak256_words(&[B256::ZERO; 9], &mut out);
        let zero: B256 = "0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563"
            .parse()
            .unwrap();
        assert!(out[1..].iter().all(|h| *h == zero));
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_equal_eight_single_hashes() {
        if !std::arch::is_x86_feature_detected!("avx512f") {
            eprintln!("skipped: this CPU has no AVX-512F, only the one-at-a-time path runs");
            return;
        }
        for seed in 0..64u8 {
            let input = words(8, seed);
            // SAFETY: the CPU has AVX-512F (checked above).
            let hashes = unsafe { x8::keccak256_x8(&input) };
            for (word, hash) in input.iter().zip(hashes) {
                assert_eq!(hash, keccak256(word), "seed {seed}");
            }
        }
    }
}
