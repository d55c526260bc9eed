//! The Verilated Keccak-f[1600] block against the Keccak team's intermediate values
//! (`KeccakSpongeIntermediateValues_r1088c512.txt`: the state before and after every
//! permutation of two sponge runs), and round by round against a software round function
//! whose full 24 rounds reproduce those same values.

use fpevm_hdl::keccak_consts::{RHO_OFFSETS, ROUND_CONSTANTS};
use fpevm_sim::PermutationSim;
use std::path::PathBuf;

/// (input, output) state pairs from the Keccak team's file.
fn official_pairs() -> Vec<([u64; 25], [u64; 25])> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/keccak-kat/KeccakSpongeIntermediateValues_r1088c512.txt"
    ));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the Keccak corpus is missing at {}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let state_after = |label: &str, from: usize| -> Option<(usize, [u64; 25])> {
        let at = (from..lines.len()).find(|&i| lines[i].trim() == label)?;
        let bytes: Vec<u8> = lines[at + 1]
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).expect("hex byte"))
            .collect();
        assert_eq!(bytes.len(), 200, "a state is 200 bytes (line {})", at + 2);
        let mut state = [0u64; 25];
        for (lane, chunk) in state.iter_mut().zip(bytes.chunks_exact(8)) {
            *lane = u64::from_le_bytes(chunk.try_into().unwrap());
        }
        Some((at + 1, state))
    };
    let mut pairs = Vec::new();
    let mut from = 0;
    while let Some((at, input)) = state_after("Input of permutation:", from) {
        let (next, output) =
            state_after("State after permutation:", at).expect("an output follows");
        pairs.push((input, output));
        from = next;
    }
    assert_eq!(pairs.len(), 9, "permutations in the file");
    pairs
}

/// One Keccak-f[1600] round, written from the specification.
fn round(a: &mut [u64; 25], rc: u64) {
    let mut c = [0u64; 5];
    for x in 0..5 {
        c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    }
    for x in 0..5 {
        let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
        for y in 0..5 {
            a[x + 5 * y] ^= d;
        }
    }
    let mut b = [0u64; 25];
    for x in 0..5 {
        for y in 0..5 {
            b[y + 5 * ((2 * x + 3 * y) % 5)] = a[x + 5 * y].rotate_left(RHO_OFFSETS[x + 5 * y]);
        }
    }
    for x in 0..5 {
        for y in 0..5 {
            a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        }
    }
    a[0] ^= rc;
}

#[test]
fn software_rounds_reproduce_the_official_values() {
    for (input, output) in official_pairs() {
        let mut s = input;
        for rc in ROUND_CONSTANTS {
            round(&mut s, rc);
        }
        assert_eq!(s, output);
    }
}

#[test]
fn hardware_permutation_matches_round_by_round_and_takes_24_over_r_cycles() {
    let built = PermutationSim::built_rounds();
    assert!(!built.is_empty(), "no permutation model built");
    for rounds in built {
        let mut perm = PermutationSim::new(rounds).expect("model");
        for (n, (input, output)) in official_pairs().into_iter().enumerate() {
            let mut reference = input;
            let mut cycles = 0;
            let mut start = true;
            loop {
                perm.cycle(start, false, &input);
                start = false;
                for &rc in &ROUND_CONSTANTS[cycles * rounds..(cycles + 1) * rounds] {
                    round(&mut reference, rc);
                }
                cycles += 1;
                assert_eq!(
                    perm.state(),
                    &reference,
                    "R={rounds}, permutation {n}, after round {}",
                    cycles * rounds
                );
                if !perm.busy() {
                    break;
                }
                assert!(cycles < 24, "R={rounds}: still busy after 24 cycles");
            }
            assert_eq!(cycles, 24 / rounds, "R={rounds}: cycles per permutation");
            assert_eq!(
                perm.state(),
                &output,
                "R={rounds}, permutation {n}: official value"
            );
        }
        // Absorbing into the kept state: a zero block with keep permutes the state again.
        perm.cycle(true, true, &[0; 25]);
        while perm.busy() {
            perm.cycle(false, false, &[0; 25]);
        }
        let (_, last) = official_pairs().pop().unwrap();
        let mut again = last;
        for rc in ROUND_CONSTANTS {
            round(&mut again, rc);
        }
        assert_eq!(perm.state(), &again, "R={rounds}: keep");
    }
}
