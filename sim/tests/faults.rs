//! Each injected fault's effect on the raw core, seen through its registers and memory: a hang
//! that a soft reset ends (draining the withheld reads), corrupted completions, failed DMA reads
//! and writes setting the sticky DMA error, a core that resets itself, a device gone.

use fpevm_hdl::layout::*;
use fpevm_sim::fault::{compl as mirror_compl, regs as mirror_regs};
use fpevm_sim::{Config, Fault, FaultKind, SimCore, SimOptions, Trigger};

const BASE: u64 = 0x1_0000_0000;
const MEM: usize = 1 << 20;
const RING: u32 = 64;
const SQ: u64 = BASE;
const CQ: u64 = BASE + 64 * RING as u64;
const RESULTS: u64 = BASE + 0x4000;
const INPUTS: u64 = BASE + 0x10000;

#[path = "common/keccak.rs"]
mod keccak;
use keccak::keccak;
#[path = "common/rings.rs"]
mod rings;
use rings::program_rings;

fn off(addr: u64) -> usize {
    (addr - BASE) as usize
}

/// A core with rings programmed and enabled, result slots filled with 0x55.
fn core() -> SimCore {
    let mut core = SimCore::new(Config::DEFAULT, BASE, MEM, SimOptions::default()).expect("model");
    program(&mut core);
    core.memory().bytes()[off(RESULTS)..off(INPUTS)].fill(0x55);
    core
}

fn program(core: &mut SimCore) {
    core.memory().bytes()[off(SQ)..off(RESULTS)].fill(0);
    program_rings(core, SQ, CQ, RING, BASE, MEM);
}

fn input(i: usize) -> Vec<u8> {
    (0..(i * 53) % 400).map(|b| (b * 7 + i) as u8).collect()
}

/// Writes jobs `first..first + n` (tags 100 + index, ring slots from `first`) and rings the
/// doorbell; returns their inputs.
fn submit(core: &mut SimCore, first: usize, n: usize) -> Vec<Vec<u8>> {
    let inputs: Vec<Vec<u8>> = (first..first + n).map(input).collect();
    for (k, data) in inputs.iter().enumerate() {
        let i = first + k;
        let src = INPUTS + 0x400 * i as u64;
        let mem = core.memory().bytes();
        mem[off(src)..off(src) + data.len()].copy_from_slice(data);
        let d = Descriptor {
            tag: 100 + i as u64,
            src,
            dst: RESULTS + 32 * i as u64,
            src_len: data.len() as u32,
            opcode: OP_KECCAK256,
        };
        let slot = off(SQ) + 64 * (i % RING as usize);
        mem[slot..slot + 64].copy_from_slice(&d.encode());
    }
    core.write_reg(REG_SQ_HEAD, (first + n) as u32);
    inputs
}

fn completion(core: &mut SimCore, index: u32) -> Completion {
    let at = off(slot_addr(CQ, index, RING));
    let entry: [u8; 64] = core.memory().bytes()[at..at + 64]
        .try_into()
        .expect("64 bytes");
    Completion::decode(&entry)
}

fn result(core: &mut SimCore, i: usize) -> [u8; 32] {
    let at = off(RESULTS) + 32 * i;
    core.memory().bytes()[at..at + 32]
        .try_into()
        .expect("32 bytes")
}

/// Steps until `done` holds (checked every 8 cycles), at most `limit` cycles.
fn step_until(core: &mut SimCore, limit: u64, mut done: impl FnMut(&mut SimCore) -> bool) -> bool {
    let start = core.cycles();
    while core.cycles() - start < limit {
        if done(core) {
            return true;
        }
        core.step(8);
    }
    done(core)
}

fn soft_reset(core: &mut SimCore) {
    core.write_reg(REG_CONTROL, CONTROL_SOFT_RESET);
    assert!(
        step_until(core, 10_000, |c| c.read_reg(REG_STATUS)
            & STATUS_BIT_RESETTING
            == 0),
        "the soft reset finishes"
    );
}

/// After a soft reset, reprogrammed, the core runs jobs right again.
fn assert_works_after_reset(core: &mut SimCore) {
    assert_eq!(core.read_reg(REG_STATUS), 0, "errors cleared");
    assert_eq!(core.read_reg(REG_CQ_TAIL), 0);
    program(core);
    let inputs = submit(core, 0, 10);
    assert!(step_until(core, 50_000, |c| c.read_reg(REG_CQ_TAIL) == 10));
    for (i, data) in inputs.iter().enumerate() {
        assert_eq!(result(core, i), keccak(data), "job {i} after the reset");
    }
}

#[test]
fn the_harness_mirrors_the_layout() {
    assert_eq!(mirror_compl::TAG, compl::TAG);
    assert_eq!(mirror_compl::PHASE, compl::PHASE);
    assert_eq!(mirror_regs::CONTROL, REG_CONTROL);
    assert_eq!(mirror_regs::RING_SIZE, REG_RING_SIZE);
    assert_eq!(mirror_regs::CQ_BASE_LO, REG_CQ_BASE_LO);
    assert_eq!(mirror_regs::CQ_BASE_HI, REG_CQ_BASE_HI);
    assert_eq!(mirror_regs::SOFT_RESET, CONTROL_SOFT_RESET);
}

#[test]
fn a_hang_stops_the_core_until_a_soft_reset_which_drains_the_withheld_reads() {
    let mut core = core();
    core.inject(Fault::new(FaultKind::Hang, Trigger::Completions(3)));
    submit(&mut core, 0, 30);
    assert!(step_until(&mut core, 50_000, |c| c.is_stalled()));
    let tail = core.read_reg(REG_CQ_TAIL);
    let beats = core.stats().read_beats;
    core.step(20_000);
    assert_eq!(tail, 3, "the hang began after the third completion");
    assert_eq!(core.read_reg(REG_CQ_TAIL), tail, "no completion while hung");
    assert_eq!(core.stats().read_beats, beats, "no read beat while hung");
    assert_ne!(
        core.read_reg(REG_STATUS) & STATUS_BIT_BUSY,
        0,
        "work in flight"
    );
    assert_eq!(core.fault_stats().hangs, 1);
    soft_reset(&mut core);
    assert!(!core.is_stalled());
    assert!(
        core.fault_stats().drained_beats > 0,
        "the reset drained withheld reads: {:?}",
        core.fault_stats()
    );
    assert_works_after_reset(&mut core);
    assert_eq!(core.stats().violations, 0);
}

#[test]
fn a_wrong_tag_and_a_wrong_phase_land_in_the_completion_ring() {
    for kind in [FaultKind::WrongTag, FaultKind::WrongPhase] {
        let mut core = core();
        core.inject(Fault::new(kind, Trigger::Completions(2)));
        submit(&mut core, 0, 8);
        assert!(step_until(&mut core, 50_000, |c| c.read_reg(REG_CQ_TAIL) == 8));
        let entries: Vec<Completion> = (0..8).map(|i| completion(&mut core, i)).collect();
        let mut tags: Vec<u64> = entries.iter().map(|c| c.tag).collect();
        tags.sort_unstable();
        for (i, c) in entries.iter().enumerate() {
            let corrupted = i == 2;
            let tag_ok = (100..108).contains(&c.tag);
            match kind {
                FaultKind::WrongTag => {
                    assert_eq!(tag_ok, !corrupted, "entry {i}: {c:?}");
                    assert!(c.phase, "entry {i}");
                }
                _ => {
                    assert!(tag_ok, "entry {i}: {c:?}");
                    assert_eq!(c.phase, !corrupted, "entry {i}");
                }
            }
        }
        let stats = core.fault_stats();
        assert_eq!((stats.wrong_tags, stats.wrong_phases, stats.total()), {
            let tag = u64::from(kind == FaultKind::WrongTag);
            (tag, 1 - tag, 1)
        });
        assert_eq!(
            core.read_reg(REG_STATUS),
            0,
            "the core itself noticed nothing"
        );
    }
}

#[test]
fn a_failed_read_sets_the_dma_error_and_stops_completions_until_reset() {
    let mut core = core();
    core.inject(Fault::new(FaultKind::ReadError, Trigger::ReadBeats(20)));
    submit(&mut core, 0, 30);
    assert!(step_until(&mut core, 50_000, |c| {
        c.read_reg(REG_STATUS) & STATUS_BIT_DMA_ERROR != 0
    }));
    assert_eq!(core.fault_stats().read_errors, 1);
    let (tail, sq_tail, beats) = (
        core.read_reg(REG_CQ_TAIL),
        core.read_reg(REG_SQ_TAIL),
        core.stats().read_requests,
    );
    core.step(20_000);
    assert!(tail < 30, "the batch did not finish: {tail}");
    assert_eq!(
        core.read_reg(REG_CQ_TAIL),
        tail,
        "no completion after the error"
    );
    assert_eq!(core.read_reg(REG_SQ_TAIL), sq_tail, "no descriptor fetched");
    assert_eq!(core.stats().read_requests, beats, "no read request");
    // Every completion written is of a job whose result is right.
    for index in 0..tail {
        let c = completion(&mut core, index);
        let i = (c.tag - 100) as usize;
        assert_eq!(result(&mut core, i), keccak(&input(i)), "job {i}");
    }
    soft_reset(&mut core);
    assert_works_after_reset(&mut core);
}

#[test]
fn a_failed_result_write_gets_no_completion() {
    let mut core = core();
    // Writes alternate result, completion: the fifth write is the third job's result.
    core.inject(Fault::new(
        FaultKind::WriteError { late_by: 0 },
        Trigger::Writes(4),
    ));
    submit(&mut core, 0, 12);
    assert!(step_until(&mut core, 50_000, |c| {
        c.read_reg(REG_STATUS) & STATUS_BIT_DMA_ERROR != 0
    }));
    core.step(10_000);
    assert_eq!(core.read_reg(REG_CQ_TAIL), 2, "two jobs completed before");
    assert_eq!(core.fault_stats().write_errors, 1);
    let done: Vec<usize> = (0..2)
        .map(|k| (completion(&mut core, k).tag - 100) as usize)
        .collect();
    for i in 0..12 {
        if done.contains(&i) {
            assert_eq!(result(&mut core, i), keccak(&input(i)));
        }
    }
    // The failed write left its slot as it was: exactly one finished job's slot holds 0x55
    // among those the writer served (the others were never written).
    let unwritten = (0..12)
        .filter(|&i| !done.contains(&i) && result(&mut core, i) == [0x55; 32])
        .count();
    assert_eq!(unwritten, 10, "no result written but the two completed");
    soft_reset(&mut core);
    assert_works_after_reset(&mut core);
}

#[test]
fn a_late_write_error_comes_after_the_completion_but_still_sets_the_status() {
    let mut core = core();
    core.inject(Fault::new(
        FaultKind::WriteError { late_by: 5 },
        Trigger::Writes(0),
    ));
    submit(&mut core, 0, 1);
    assert!(step_until(&mut core, 50_000, |c| {
        c.read_reg(REG_STATUS) & STATUS_BIT_DMA_ERROR != 0
    }));
    assert_eq!(core.read_reg(REG_CQ_TAIL), 1, "the completion was written");
    let c = completion(&mut core, 0);
    assert_eq!((c.tag, c.status, c.phase), (100, STATUS_OK, true));
    assert_eq!(result(&mut core, 0), [0x55; 32], "but the result was not");
    soft_reset(&mut core);
    assert_works_after_reset(&mut core);
}

#[test]
fn a_completion_write_that_fails_advances_nothing_the_host_can_see() {
    let mut core = core();
    // The sixth write: the third job's completion.
    core.inject(Fault::new(
        FaultKind::WriteError { late_by: 0 },
        Trigger::Writes(5),
    ));
    submit(&mut core, 0, 12);
    assert!(step_until(&mut core, 50_000, |c| {
        c.read_reg(REG_STATUS) & STATUS_BIT_DMA_ERROR != 0
    }));
    core.step(10_000);
    // CQ_TAIL counts the failed write (the core saw its handshake), nothing after it.
    assert_eq!(core.read_reg(REG_CQ_TAIL), 3);
    let c = completion(&mut core, 2);
    assert!(!c.phase, "the failed completion is not in memory: {c:?}");
    soft_reset(&mut core);
    assert_works_after_reset(&mut core);
}

#[test]
fn a_core_that_resets_itself_drops_its_jobs_and_comes_back_disabled() {
    let mut core = core();
    core.inject(Fault::new(FaultKind::SelfReset, Trigger::Completions(5)));
    submit(&mut core, 0, 30);
    assert!(step_until(&mut core, 50_000, |c| c
        .fault_stats()
        .self_resets
        == 1));
    assert!(step_until(&mut core, 10_000, |c| c.read_reg(REG_STATUS) == 0));
    core.step(5_000);
    assert_eq!(core.read_reg(REG_CONTROL) & CONTROL_ENABLE, 0, "disabled");
    for reg in [REG_SQ_HEAD, REG_SQ_TAIL, REG_CQ_HEAD, REG_CQ_TAIL] {
        assert_eq!(core.read_reg(reg), 0, "register {reg:#x}");
    }
    assert!(core.read_reg(REG_JOBS_LO) < 30, "the batch did not finish");
    assert_works_after_reset(&mut core);
}

#[test]
fn a_device_gone_reads_all_ones_and_no_reset_brings_it_back() {
    let mut core = core();
    core.inject(Fault::new(FaultKind::Gone, Trigger::Cycles(200)));
    submit(&mut core, 0, 30);
    core.step(300);
    assert_eq!(core.read_reg(REG_ID), u32::MAX);
    assert_eq!(core.read_reg(REG_STATUS), u32::MAX);
    let beats = core.stats().read_beats;
    core.write_reg(REG_CONTROL, CONTROL_SOFT_RESET);
    core.step(10_000);
    assert_eq!(core.read_reg(REG_STATUS), u32::MAX, "still gone");
    assert_eq!(core.stats().read_beats, beats, "no DMA");
    assert_eq!(core.fault_stats().gone, 1);
    core.clear_faults();
    assert_eq!(core.read_reg(REG_ID), ID_VALUE, "back after clear_faults");
}

#[test]
fn a_fault_waits_for_its_trigger() {
    let mut core = core();
    core.inject(Fault::new(FaultKind::Hang, Trigger::Cycles(1000)));
    let start = core.cycles();
    assert!(step_until(&mut core, 5_000, |c| c.is_stalled()));
    let at = core.cycles() - start;
    assert!(
        (1000..1000 + 8 + 16).contains(&at),
        "hung after {at} cycles"
    );
    assert_eq!(core.faults_pending(), 0, "spent");
}

/// The core's soft reset waits for its outstanding read beats (`rd_pending`) to drain. A read
/// request accepted in the cycle a beat is taken (the fetcher asks for the next descriptor
/// with the last beat of a job's input) must count too, or the counter wraps below zero and
/// a later soft reset never finishes.
#[test]
fn a_soft_reset_finishes_when_requests_and_beats_share_a_cycle() {
    let mut core = SimCore::new(Config::DEFAULT, BASE, MEM, SimOptions::default()).expect("model");
    program(&mut core);
    submit(&mut core, 0, 30);
    assert!(step_until(&mut core, 50_000, |c| c.read_reg(REG_CQ_TAIL) == 30));
    soft_reset(&mut core);
}
