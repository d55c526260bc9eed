//! The core's ALU opcodes driven directly through the rings of a Verilated core, against
//! values computed by hand or with `u128` arithmetic (this crate has no 256-bit reference;
//! `host/tests/sim_alu.rs` checks against revm's arithmetic).

use fpevm_hdl::layout::*;
use fpevm_sim::{Config, SimCore, SimOptions};

const BASE: u64 = 0x1_0000_0000;
const MEM: usize = 1 << 20;
const RING: u32 = 64;
const SQ: usize = 0;
const CQ: usize = 64 * RING as usize;
const INPUTS: usize = 0x10000;
const RESULTS: usize = 0x80000;

/// A 256-bit word as four u64 limbs, most significant first.
type Word = [u64; 4];

const ZERO: Word = [0; 4];
const MAX: Word = [u64::MAX; 4];
const MIN_SIGNED: Word = [1 << 63, 0, 0, 0];

fn small(v: u128) -> Word {
    [0, 0, (v >> 64) as u64, v as u64]
}

fn be(w: &Word) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(w) {
        chunk.copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// `-v` in two's complement.
fn neg(v: u128) -> Word {
    let mut w = small(v);
    for limb in &mut w {
        *limb = !*limb;
    }
    // Add one.
    for limb in w.iter_mut().rev() {
        let (sum, carry) = limb.overflowing_add(1);
        *limb = sum;
        if !carry {
            break;
        }
    }
    w
}

#[path = "common/keccak.rs"]
mod keccak;
use keccak::keccak;

struct Job {
    opcode: u8,
    input: Vec<u8>,
    /// The expected result, or `None` for an error status.
    expect: Option<[u8; 32]>,
    status: u8,
}

fn alu(opcode: u8, operands: &[Word], expect: Word) -> Job {
    Job {
        opcode,
        input: operands.iter().flat_map(be).collect(),
        expect: Some(be(&expect)),
        status: STATUS_OK,
    }
}

fn open() -> SimCore {
    let mut core = SimCore::new(Config::DEFAULT, BASE, MEM, SimOptions::default()).unwrap();
    let (sq, cq) = (BASE + SQ as u64, BASE + CQ as u64);
    let limit = BASE + MEM as u64;
    for (reg, v) in [
        (REG_SQ_BASE_LO, sq as u32),
        (REG_SQ_BASE_HI, (sq >> 32) as u32),
        (REG_CQ_BASE_LO, cq as u32),
        (REG_CQ_BASE_HI, (cq >> 32) as u32),
        (REG_RING_SIZE, RING),
        (REG_WIN_BASE_LO, BASE as u32),
        (REG_WIN_BASE_HI, (BASE >> 32) as u32),
        (REG_WIN_LIMIT_LO, limit as u32),
        (REG_WIN_LIMIT_HI, (limit >> 32) as u32),
        (REG_CONTROL, CONTROL_ENABLE),
    ] {
        core.write_reg(reg, v);
    }
    core
}

/// Submits `jobs` (at most `RING`) from ring index `first`, waits for all completions, and
/// checks statuses and results; returns the cycles taken.
fn run(core: &mut SimCore, first: u32, jobs: &[Job]) -> u64 {
    assert!(jobs.len() <= RING as usize);
    let mem = core.memory().bytes();
    for (i, job) in jobs.iter().enumerate() {
        let src = INPUTS + i * 0x200;
        mem[src..src + job.input.len()].copy_from_slice(&job.input);
        // Garbage past the input in its last beat, which the core must ignore.
        let end = job.input.len().div_ceil(64) * 64;
        mem[src + job.input.len()..src + end.max(64)].fill(0xA5);
        let dst = RESULTS + i * 64 + 32 * (i % 2);
        mem[dst..dst + 32].fill(0xEE);
        let d = Descriptor {
            tag: i as u64,
            src: BASE + src as u64,
            dst: BASE + dst as u64,
            src_len: job.input.len() as u32,
            opcode: job.opcode,
        };
        let slot = SQ + 64 * ((first as usize + i) % RING as usize);
        mem[slot..slot + 64].copy_from_slice(&d.encode());
    }
    let target = first + jobs.len() as u32;
    let start = core.cycles();
    core.write_reg(REG_SQ_HEAD, target);
    while core.read_reg(REG_CQ_TAIL) != target {
        assert!(core.cycles() - start < 2_000_000, "jobs did not complete");
        core.step(1);
    }
    let cycles = core.cycles() - start;
    core.write_reg(REG_CQ_HEAD, target);
    let mem = core.memory().bytes().to_vec();
    let mut seen = vec![false; jobs.len()];
    for k in first..target {
        let at = CQ + 64 * (k % RING) as usize;
        let c = Completion::decode(mem[at..at + 64].try_into().unwrap());
        assert_eq!(c.phase, phase_of(k, RING));
        let i = c.tag as usize;
        assert!(!seen[i], "tag {i} completed twice");
        seen[i] = true;
        let job = &jobs[i];
        assert_eq!(c.status, job.status, "job {i} (opcode {:#x})", job.opcode);
        let dst = RESULTS + i * 64 + 32 * (i % 2);
        let other = RESULTS + i * 64 + 32 * (1 - i % 2);
        assert_eq!(
            &mem[other..other + 32],
            &[0u8; 32][..],
            "job {i}: other half"
        );
        match job.expect {
            Some(want) => assert_eq!(
                mem[dst..dst + 32],
                want,
                "job {i} (opcode {:#x})",
                job.opcode
            ),
            None => assert_eq!(mem[dst..dst + 32], [0xEE; 32], "job {i}: nothing written"),
        }
    }
    assert_eq!(core.stats().violations, 0);
    cycles
}

/// Small-operand and edge cases of every opcode, computed with `u128`.
fn cases() -> Vec<Job> {
    let mut jobs = Vec::new();
    let pairs: [(u128, u128); 6] = [
        (0, 0),
        (7, 0),
        (6, 7),
        (1 << 100, 3),
        (u64::MAX as u128, u64::MAX as u128),
        (123_456_789_123_456_789, 987_654_321),
    ];
    for (a, b) in pairs {
        jobs.push(alu(OP_MUL, &[small(a), small(b)], small(a.wrapping_mul(b))));
        let (q, r) = (a.checked_div(b).unwrap_or(0), a.checked_rem(b).unwrap_or(0));
        jobs.push(alu(OP_DIV, &[small(a), small(b)], small(q)));
        jobs.push(alu(OP_MOD, &[small(a), small(b)], small(r)));
        jobs.push(alu(OP_SDIV, &[small(a), small(b)], small(q)));
        jobs.push(alu(OP_SMOD, &[small(a), small(b)], small(r)));
        if b != 0 {
            // Signs: the quotient negative when they differ, the remainder takes a's sign.
            let nq = if q == 0 { ZERO } else { neg(q) };
            let nr = if r == 0 { ZERO } else { neg(r) };
            jobs.push(alu(OP_SDIV, &[neg(a), small(b)], nq));
            jobs.push(alu(OP_SDIV, &[small(a), neg(b)], nq));
            jobs.push(alu(OP_SDIV, &[neg(a), neg(b)], small(q)));
            jobs.push(alu(OP_SMOD, &[neg(a), small(b)], nr));
            jobs.push(alu(OP_SMOD, &[small(a), neg(b)], small(r)));
            jobs.push(alu(OP_SMOD, &[neg(a), neg(b)], nr));
        }
    }
    for (a, b, n) in [
        (5u128, 6u128, 7u128),
        (1 << 120, 1 << 120, 1000),
        (9, 9, 0),
        (3, 4, 1),
    ] {
        let addmod = if n == 0 { 0 } else { (a + b) % n };
        let mulmod = if n == 0 { 0 } else { ((a % n) * (b % n)) % n };
        jobs.push(alu(
            OP_ADDMOD,
            &[small(a), small(b), small(n)],
            small(addmod),
        ));
        jobs.push(alu(
            OP_MULMOD,
            &[small(a), small(b), small(n)],
            small(mulmod),
        ));
    }
    for (x, e) in [
        (0u128, 0u32),
        (5, 0),
        (0, 5),
        (1, 1000),
        (2, 127),
        (3, 80),
        (7, 1),
        (10, 38),
    ] {
        jobs.push(alu(OP_EXP, &[small(x), small(e as u128)], small(x.pow(e))));
    }
    // 2^256 wraps to 0; 2^255 is the sign bit.
    jobs.push(alu(OP_EXP, &[small(2), small(256)], ZERO));
    jobs.push(alu(OP_EXP, &[small(2), small(255)], MIN_SIGNED));
    // (2^256 - 1)^2 = 1 (mod 2^256); 2^255 * 2 = 0.
    jobs.push(alu(OP_MUL, &[MAX, MAX], small(1)));
    jobs.push(alu(OP_MUL, &[MIN_SIGNED, small(2)], ZERO));
    jobs.push(alu(OP_DIV, &[MAX, MAX], small(1)));
    jobs.push(alu(OP_DIV, &[MAX, small(1)], MAX));
    jobs.push(alu(OP_MOD, &[MAX, small(1 << 64)], small(u64::MAX as u128)));
    // SDIV(-2^255, -1) = -2^255; SMOD(-2^255, -1) = 0.
    jobs.push(alu(OP_SDIV, &[MIN_SIGNED, MAX], MIN_SIGNED));
    jobs.push(alu(OP_SMOD, &[MIN_SIGNED, MAX], ZERO));
    jobs.push(alu(OP_SDIV, &[MIN_SIGNED, small(1)], MIN_SIGNED));
    // (2^256 - 1) + (2^256 - 1) = 2^257 - 2 = 2 (2^256 - 1) + 0: the 257-bit sum.
    jobs.push(alu(OP_ADDMOD, &[MAX, MAX, MAX], ZERO));
    jobs.push(alu(OP_ADDMOD, &[MAX, small(2), MAX], small(2)));
    // (2^256 - 1)^2 mod (2^256 - 2) = 1: the 512-bit product.
    jobs.push(alu(
        OP_MULMOD,
        &[MAX, MAX, [u64::MAX, u64::MAX, u64::MAX, u64::MAX - 1]],
        small(1),
    ));
    jobs.push(alu(OP_MULMOD, &[MAX, MAX, small(12)], small(9)));
    jobs
}

/// Jobs the core must refuse: wrong lengths (BAD_LENGTH before alignment), an unknown
/// opcode, misalignment.
fn refusals() -> Vec<Job> {
    let refused = |opcode: u8, len: usize, status: u8| Job {
        opcode,
        input: vec![1; len],
        expect: None,
        status,
    };
    vec![
        refused(OP_MUL, 96, STATUS_BAD_LENGTH),
        refused(OP_ADDMOD, 64, STATUS_BAD_LENGTH),
        refused(OP_EXP, 0, STATUS_BAD_LENGTH),
        refused(OP_MULMOD, 95, STATUS_BAD_LENGTH),
        refused(0x43, 64, STATUS_BAD_OPCODE),
        refused(0, 64, STATUS_BAD_OPCODE),
    ]
}

#[test]
fn alu_opcodes_through_the_ring() {
    let mut core = open();
    assert_eq!(core.read_reg(REG_ALUS), 1);
    let mut jobs = cases();
    jobs.extend(refusals());
    // Keccak jobs in between, so both kinds of unit are busy together.
    let mut mixed = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        if i % 5 == 0 {
            let input: Vec<u8> = (0..(i * 13) % 300).map(|b| b as u8).collect();
            mixed.push(Job {
                opcode: OP_KECCAK256,
                expect: Some(keccak(&input)),
                input,
                status: STATUS_OK,
            });
        }
        mixed.push(job);
    }
    let mut index = 0u32;
    let mut cycles = 0;
    for batch in mixed.chunks(RING as usize - 8) {
        cycles += run(&mut core, index, batch);
        index += batch.len() as u32;
    }
    println!("{} jobs in {cycles} cycles", mixed.len());
}

#[test]
fn refused_alu_jobs_write_only_their_completion() {
    let mut core = open();
    let mem = core.memory().bytes();
    let misaligned = Descriptor {
        tag: 9,
        src: BASE + INPUTS as u64 + 32,
        dst: BASE + RESULTS as u64,
        src_len: 64,
        opcode: OP_MUL,
    };
    // The result would start at the window's limit.
    let outside = Descriptor {
        tag: 10,
        src: BASE + INPUTS as u64,
        dst: BASE + MEM as u64,
        src_len: 96,
        opcode: OP_MULMOD,
    };
    mem[SQ..SQ + 64].copy_from_slice(&misaligned.encode());
    mem[SQ + 64..SQ + 128].copy_from_slice(&outside.encode());
    mem[RESULTS..RESULTS + 64].fill(0xEE);
    let writes = core.stats().write_beats;
    core.write_reg(REG_SQ_HEAD, 2);
    core.step(100);
    assert_eq!(core.read_reg(REG_CQ_TAIL), 2);
    let mem = core.memory().bytes();
    let statuses: Vec<(u64, u8)> = (0..2)
        .map(|k| {
            let c = Completion::decode(mem[CQ + 64 * k..CQ + 64 * k + 64].try_into().unwrap());
            (c.tag, c.status)
        })
        .collect();
    assert_eq!(
        statuses,
        [(9, STATUS_MISALIGNED), (10, STATUS_OUT_OF_WINDOW)]
    );
    assert_eq!(mem[RESULTS..RESULTS + 64], [0xEE; 64]);
    assert_eq!(core.stats().write_beats, writes + 2, "the completions only");
    assert_eq!(core.stats().violations, 0);
}

/// Cycles from the doorbell to the completion of one job alone, for the report.
#[test]
fn latency_of_each_opcode() {
    let mut core = open();
    let cases = [
        ("MUL", alu(OP_MUL, &[MAX, MAX], small(1))),
        ("DIV small", alu(OP_DIV, &[small(100), small(7)], small(14))),
        (
            "DIV 256-bit",
            alu(OP_DIV, &[MAX, small(3)], [0x5555_5555_5555_5555; 4]),
        ),
        ("SDIV", alu(OP_SDIV, &[MIN_SIGNED, MAX], MIN_SIGNED)),
        ("MOD 256-bit", alu(OP_MOD, &[MAX, small(10)], small(5))),
        ("ADDMOD", alu(OP_ADDMOD, &[MAX, small(2), MAX], small(2))),
        (
            "MULMOD 512-bit",
            alu(OP_MULMOD, &[MAX, MAX, small(12)], small(9)),
        ),
        ("EXP 0", alu(OP_EXP, &[small(3), ZERO], small(1))),
        (
            "EXP 2^127",
            alu(OP_EXP, &[small(2), small(127)], small(1 << 127)),
        ),
        ("EXP 2^(2^256-1)", alu(OP_EXP, &[small(2), MAX], ZERO)),
    ];
    for (index, (name, job)) in (0u32..).zip(cases) {
        let cycles = run(&mut core, index, std::slice::from_ref(&job));
        println!("{name}: {cycles} cycles doorbell to completion");
    }
}
