//! Back-to-back jobs keep every engine busy: on each configuration built into this crate, a
//! ring full of jobs of one length runs through the raw core, every digest is checked, and
//! the core's own counters (`REG_ACTIVE`, `REG_STARVED`, `REG_IDLE_GAP_MAX`) and the cycle
//! count are held to bounds. Simulation is cycle-exact and deterministic, so the bounds are
//! exact claims about the design, not timing guesses.

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
const RING: u32 = 256;
const SQ: u64 = BASE;
const CQ: u64 = BASE + 64 * RING as u64;
const RESULTS: u64 = BASE + 0x8000;
const INPUTS: u64 = BASE + 0x10000;

fn off(addr: u64) -> usize {
    (addr - BASE) as usize
}

fn read64(core: &mut SimCore, lo: u32, hi: u32) -> u64 {
    (u64::from(core.read_reg(hi)) << 32) | u64::from(core.read_reg(lo))
}

/// What one run of back-to-back jobs measured.
#[derive(Debug)]
struct Run {
    jobs: u64,
    /// Doorbell to the last completion.
    cycles: u64,
    /// `REG_BUSY` delta.
    busy: u64,
    /// `REG_ACTIVE` delta: engine-cycles permuting.
    active: u64,
    /// `REG_STARVED` delta.
    starved: u64,
    /// `REG_IDLE_GAP_MAX` after the run (cleared before it).
    gap_max: u32,
}

impl Run {
    fn jobs_per_cycle(&self) -> f64 {
        self.jobs as f64 / self.busy as f64
    }

    /// Checks the bounds every run meets: the core is busy from the doorbell to the last
    /// completion, and its engines stand still while work is queued for less than one cycle
    /// per job on average (the ramp at the start and the drain at the end included).
    fn check_common(&self) {
        assert!(self.busy >= self.cycles, "{self:?}");
        assert!(self.starved < self.jobs, "{self:?}");
    }
}

/// A fresh core of `config` with rings and window programmed and enabled.
fn core(config: Config) -> SimCore {
    core_with(config, SimOptions::default())
}

fn core_with(config: Config, options: SimOptions) -> SimCore {
    let mut core = SimCore::new(config, BASE, MEM, options).expect("model");
    program_rings(&mut core, SQ, CQ, RING, BASE, MEM);
    core
}

/// Submits `n` jobs of `len` bytes at once (one doorbell), runs them to the last completion,
/// checks every digest and returns the counters' deltas.
fn run(core: &mut SimCore, n: usize, len: usize) -> Run {
    assert!(n <= RING as usize && n * len.next_multiple_of(64) <= MEM - off(INPUTS));
    let stride = len.next_multiple_of(64).max(64);
    let inputs: Vec<Vec<u8>> = (0..n)
        .map(|i| (0..len).map(|b| (b * 13 + i * 7 + len) as u8).collect())
        .collect();
    let head = core.read_reg(REG_SQ_HEAD);
    let tail0 = core.read_reg(REG_CQ_TAIL);
    for (i, data) in inputs.iter().enumerate() {
        let src = INPUTS + (stride * i) as u64;
        let mem = core.memory().bytes();
        mem[off(src)..off(src) + len].copy_from_slice(data);
        let d = Descriptor {
            tag: 1000 + i as u64,
            src,
            dst: RESULTS + 32 * i as u64,
            src_len: len as u32,
            opcode: OP_KECCAK256,
        };
        let slot = off(slot_addr(SQ, head.wrapping_add(i as u32), RING));
        mem[slot..slot + 64].copy_from_slice(&d.encode());
    }
    let busy0 = read64(core, REG_BUSY_LO, REG_BUSY_HI);
    let active0 = read64(core, REG_ACTIVE_LO, REG_ACTIVE_HI);
    let starved0 = read64(core, REG_STARVED_LO, REG_STARVED_HI);
    let jobs0 = read64(core, REG_JOBS_LO, REG_JOBS_HI);
    core.write_reg(REG_IDLE_GAP_MAX, 0);
    core.write_reg(REG_SQ_HEAD, head.wrapping_add(n as u32));
    let start = core.cycles();
    let want = tail0.wrapping_add(n as u32);
    while core.read_reg(REG_CQ_TAIL) != want {
        assert!(core.cycles() - start < 1_000_000, "jobs did not complete");
        core.step(1);
    }
    let cycles = core.cycles() - start;
    while core.read_reg(REG_STATUS) & STATUS_BIT_BUSY != 0 {
        core.step(1);
    }
    for k in 0..n as u32 {
        let at = off(slot_addr(CQ, tail0.wrapping_add(k), RING));
        let c = Completion::decode(core.memory().bytes()[at..at + 64].try_into().unwrap());
        assert_eq!(c.status, STATUS_OK, "{c:?}");
        let i = (c.tag - 1000) as usize;
        let at = off(RESULTS) + 32 * i;
        assert_eq!(
            core.memory().bytes()[at..at + 32],
            keccak(&inputs[i]),
            "job {i} of {len} bytes"
        );
    }
    core.write_reg(REG_CQ_HEAD, want);
    assert_eq!(core.stats().violations, 0);
    Run {
        jobs: read64(core, REG_JOBS_LO, REG_JOBS_HI) - jobs0,
        cycles,
        busy: read64(core, REG_BUSY_LO, REG_BUSY_HI) - busy0,
        active: read64(core, REG_ACTIVE_LO, REG_ACTIVE_HI) - active0,
        starved: read64(core, REG_STARVED_LO, REG_STARVED_HI) - starved0,
        gap_max: core.read_reg(REG_IDLE_GAP_MAX),
    }
}

/// Permutations of a Keccak-256 job of `len` bytes.
fn perms(len: usize) -> u64 {
    (len / RATE_BYTES + 1) as u64
}

fn perm_cycles(config: Config) -> u64 {
    24 / config.rounds as u64
}

#[test]
fn short_jobs_back_to_back_leave_no_engine_idle_more_than_one_cycle() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        for len in [0, 32, 100] {
            let r = run(&mut core, 200, len);
            let ideal = config.engines as f64 / (perm_cycles(config) * perms(len)) as f64;
            println!(
                "{}x{} {len:>3} B: {r:?}, {:.4} jobs/cycle (ideal {ideal:.4})",
                config.engines,
                config.rounds,
                r.jobs_per_cycle()
            );
            assert_eq!(r.jobs, 200);
            r.check_common();
            assert!(r.gap_max <= 1, "{config:?} {len} B: {r:?}");
            // Each job's permutations are all counted, and only they are.
            assert_eq!(r.active, 200 * perms(len) * perm_cycles(config), "{r:?}");
            // At most one idle cycle per job: the rate is at least E / (P + 1) per cycle,
            // less the ramp at the start and the drain at the end.
            let floor = config.engines as f64 / (perm_cycles(config) * perms(len) + 1) as f64;
            assert!(
                r.jobs_per_cycle() >= 0.95 * floor,
                "{config:?} {len} B: {:.4} jobs/cycle, floor {floor:.4}",
                r.jobs_per_cycle()
            );
        }
    }
}

#[test]
fn one_block_jobs_keep_the_engines_busy() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        let r = run(&mut core, 200, RATE_BYTES);
        println!(
            "{}x{} {} B: {r:?}, {:.4} jobs/cycle",
            config.engines,
            config.rounds,
            RATE_BYTES,
            r.jobs_per_cycle()
        );
        assert!(r.gap_max <= 1, "{config:?}: {r:?}");
        r.check_common();
        let utilization = r.active as f64 / (config.engines as u64 * r.busy) as f64;
        assert!(
            utilization >= 0.9,
            "{config:?}: utilization {utilization:.3}"
        );
    }
}

/// Long inputs are fetched block by block for every engine in turn, so all engines absorb at
/// once: 1 KiB jobs (8 permutations each) finish at nearly `E` times one engine's rate.
#[test]
fn long_jobs_overlap_across_engines() {
    for config in fpevm_sim::configs() {
        let mut core = core(config);
        let len = 1024;
        let r = run(&mut core, 160, len);
        let one_engine = 1.0 / (perm_cycles(config) * perms(len)) as f64;
        let speedup = r.jobs_per_cycle() / one_engine;
        println!(
            "{}x{} {len} B: {r:?}, {:.4} jobs/cycle, {speedup:.2} engines' worth",
            config.engines,
            config.rounds,
            r.jobs_per_cycle()
        );
        r.check_common();
        assert!(
            speedup >= 0.9 * config.engines as f64,
            "{config:?}: {speedup:.2} engines' worth of throughput"
        );
        assert!(r.gap_max <= 1, "{config:?}: {r:?}");
    }
}

/// With a slower read port (cycles from a request to its first beat) every result is still
/// right. The fetcher keeps one read request in flight, so the latency is paid once per
/// request: these rates are printed, not bounded (a fetcher with several requests in flight
/// would hide it).
#[test]
fn read_latency_slows_the_core_but_changes_no_result() {
    for latency in [4, 16] {
        let mut core = core_with(
            Config::DEFAULT,
            SimOptions {
                read_latency: latency,
            },
        );
        for (n, len) in [(100, 32), (40, 1024)] {
            let r = run(&mut core, n, len);
            println!(
                "read latency {latency:>2}: {len:>4} B {:.4} jobs/cycle, {r:?}",
                r.jobs_per_cycle()
            );
            assert_eq!(r.jobs, n as u64);
            assert!(r.busy >= r.cycles, "{r:?}");
        }
    }
}
