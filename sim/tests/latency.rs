//! One job alone, from the doorbell to its completion: what a lane waiting on a single
//! offloaded opcode sees of the core. On each configuration built into this crate, single
//! Keccak-256 jobs of one and two blocks and single ALU jobs run through the raw core on an
//! idle core and again after a batch, every result is checked, and the cycles are held to
//! bounds: the permutations (or the ALU's own cycles, measured alone) plus a small fixed
//! overhead for fetching the descriptor and the input and writing result and completion.
//! Simulation is cycle-exact and deterministic, so these are exact claims about the design.

use fpevm_hdl::layout::*;
use fpevm_sim::{Config, SimCore, SimOptions};

#[path = "common/keccak.rs"]
mod keccak;
use keccak::keccak;
#[path = "common/rings.rs"]
mod rings;
use rings::program_rings;

const BASE: u64 = 0x2_0000_0000;
const MEM: usize = 1 << 20;
const RING: u32 = 64;
const SQ: u64 = BASE;
const CQ: u64 = BASE + 64 * RING as u64;
const RESULTS: u64 = BASE + 0x8000;
const INPUTS: u64 = BASE + 0x10000;

/// Cycles a single Keccak job may spend outside its permutations: the descriptor read, the
/// input read, handing the job on, the result and completion writes. Measured with the
/// harness's default read latency of 1: 7 (empty input) to 11 (three beats or two blocks)
/// on 1x1, 2x4 and 4x2.
const OVERHEAD: u64 = 14;

/// Cycles each further job of one doorbell may add to the last completion (its descriptor
/// beat and its completion's two writes overlap the others' permutations; measured: 2).
const PER_JOB: u64 = 3;

/// MUL on the ALU alone, doorbell to completion (measured: 27 cycles).
const MUL_CYCLES: u64 = 32;

fn off(addr: u64) -> usize {
    (addr - BASE) as usize
}

fn core(config: Config) -> SimCore {
    let mut core = SimCore::new(config, BASE, MEM, SimOptions::default()).expect("model");
    program_rings(&mut core, SQ, CQ, RING, BASE, MEM);
    core
}

/// Submits `jobs` (opcode, input) with one doorbell, runs the core to the last completion,
/// checks every status and result against `expected`, and returns the cycles from the
/// doorbell to the last completion.
fn run(core: &mut SimCore, jobs: &[(u8, Vec<u8>)], expected: &[[u8; 32]]) -> u64 {
    let head = core.read_reg(REG_SQ_HEAD);
    let tail0 = core.read_reg(REG_CQ_TAIL);
    let mut src = INPUTS;
    for (i, (opcode, input)) in jobs.iter().enumerate() {
        let mem = core.memory().bytes();
        mem[off(src)..off(src) + input.len()].copy_from_slice(input);
        let dst = RESULTS + 32 * i as u64;
        mem[off(dst)..off(dst) + 32].fill(0);
        let d = Descriptor {
            tag: 500 + i as u64,
            src,
            dst,
            src_len: input.len() as u32,
            opcode: *opcode,
        };
        let slot = off(slot_addr(SQ, head.wrapping_add(i as u32), RING));
        mem[slot..slot + 64].copy_from_slice(&d.encode());
        src += input.len().next_multiple_of(64).max(64) as u64;
    }
    core.write_reg(REG_SQ_HEAD, head.wrapping_add(jobs.len() as u32));
    let start = core.cycles();
    let want = tail0.wrapping_add(jobs.len() as u32);
    while core.read_reg(REG_CQ_TAIL) != want {
        assert!(core.cycles() - start < 100_000, "jobs did not complete");
        core.step(1);
    }
    let cycles = core.cycles() - start;
    for k in 0..jobs.len() as u32 {
        let at = off(slot_addr(CQ, tail0.wrapping_add(k), RING));
        let c = Completion::decode(core.memory().bytes()[at..at + 64].try_into().unwrap());
        assert_eq!(c.status, STATUS_OK, "{c:?}");
        let i = (c.tag - 500) as usize;
        let at = off(RESULTS) + 32 * i;
        assert_eq!(core.memory().bytes()[at..at + 32], expected[i], "job {i}");
    }
    core.write_reg(REG_CQ_HEAD, want);
    assert_eq!(core.stats().violations, 0);
    cycles
}

fn keccak_job(len: usize, salt: usize) -> ((u8, Vec<u8>), [u8; 32]) {
    let input: Vec<u8> = (0..len).map(|b| (b * 29 + salt) as u8).collect();
    let digest = keccak(&input);
    ((OP_KECCAK256, input), digest)
}

/// MUL of 3 and 5 (32-byte big-endian operands), with its product.
fn mul_job() -> ((u8, Vec<u8>), [u8; 32]) {
    let mut input = vec![0u8; 64];
    input[31] = 3;
    input[63] = 5;
    let mut product = [0u8; 32];
    product[31] = 15;
    ((OP_MUL, input), product)
}

fn perm_cycles(config: Config) -> u64 {
    24 / config.rounds as u64
}

/// A batch that leaves every unit with a job behind it (the state a lone job meets after
/// the trie levels of a block).
fn busy_batch(core: &mut SimCore) {
    let (jobs, expected): (Vec<_>, Vec<_>) = (0..12)
        .map(|i| match i % 4 {
            3 => mul_job(),
            _ => keccak_job(20 + 50 * i, i),
        })
        .unzip();
    run(core, &jobs, &expected);
}

#[test]
fn a_single_keccak_job_completes_within_its_permutations_and_a_few_cycles() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        for round in 0..3 {
            for (len, perms) in [(0, 1), (20, 1), (32, 1), (135, 1), (136, 2), (200, 2)] {
                let (job, digest) = keccak_job(len, round);
                let cycles = run(&mut core, &[job], &[digest]);
                let bound = perms * perm_cycles(config) + OVERHEAD;
                println!(
                    "{}x{} round {round}: {len:>3} B alone in {cycles} cycles (bound {bound})",
                    config.engines, config.rounds
                );
                assert!(
                    cycles <= bound,
                    "{config:?}: a {len}-byte job took {cycles} cycles, bound {bound}"
                );
            }
            busy_batch(&mut core);
        }
    }
}

#[test]
fn a_single_alu_job_completes_within_its_sequence_and_a_few_cycles() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        for round in 0..3 {
            let (job, product) = mul_job();
            let cycles = run(&mut core, &[job], &[product]);
            println!(
                "{}x{} round {round}: MUL alone in {cycles} cycles (bound {MUL_CYCLES})",
                config.engines, config.rounds
            );
            assert!(
                cycles <= MUL_CYCLES,
                "{config:?}: MUL took {cycles} cycles, bound {MUL_CYCLES}"
            );
            busy_batch(&mut core);
        }
    }
}

/// A few small jobs with one doorbell (a lane's KECCAK256 and its neighbours', or the
/// hashed keys of a trie level) finish together: one job's latency per wave of `E` jobs plus
/// a couple of cycles per further job.
#[test]
fn a_few_small_keccak_jobs_complete_together() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        for n in 2..=8u64 {
            let (jobs, expected): (Vec<_>, Vec<_>) =
                (0..n as usize).map(|i| keccak_job(20, i)).unzip();
            let cycles = run(&mut core, &jobs, &expected);
            let waves = n.div_ceil(config.engines as u64);
            let bound = waves * perm_cycles(config) + OVERHEAD + PER_JOB * (n - 1);
            println!(
                "{}x{}: {n} jobs of 20 B in {cycles} cycles (bound {bound})",
                config.engines, config.rounds
            );
            assert!(
                cycles <= bound,
                "{config:?}: {n} jobs took {cycles} cycles, bound {bound}"
            );
        }
    }
}
