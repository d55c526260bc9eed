//! Keccak-f[1600] constants, shared by the permutation block and the software model.

/// Round constants of the iota step, round 0..24.
pub const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808A,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808B,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008A,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000A,
    0x0000_0000_8000_808B,
    0x8000_0000_0000_008B,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800A,
    0x8000_0000_8000_000A,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets of the rho step, indexed by lane `x + 5 * y`.
pub const RHO_OFFSETS: [u32; 25] = [
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

/// Rate of Keccak-256 in bytes (1600 - 2 * 256 bits).
pub const RATE_BYTES: usize = 136;
/// Rate of Keccak-256 in 64-bit lanes.
pub const RATE_LANES: usize = 17;

/// Software Keccak-f[1600] on lanes indexed `x + 5 * y` (the reference the blocks are
/// checked against; also handy for tests).
pub fn keccak_f1600(a: &mut [u64; 25]) {
    for rc in ROUND_CONSTANTS {
        keccak_round(a, rc);
    }
}

/// One Keccak-f[1600] round with round constant `rc`.
pub fn keccak_round(a: &mut [u64; 25], rc: u64) {
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

/// Software Keccak-256 with Ethereum's (original Keccak) padding.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut st = [0u64; 25];
    let mut padded = data.to_vec();
    padded.push(0x01);
    while padded.len() % RATE_BYTES != 0 {
        padded.push(0);
    }
    let last = padded.len() - 1;
    padded[last] ^= 0x80;
    for block in padded.chunks(RATE_BYTES) {
        for (i, lane) in block.chunks(8).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(lane);
            st[i] ^= u64::from_le_bytes(w);
        }
        keccak_f1600(&mut st);
    }
    let mut out = [0u8; 32];
    for i in 0..4 {
        out[8 * i..8 * i + 8].copy_from_slice(&st[i].to_le_bytes());
    }
    out
}
