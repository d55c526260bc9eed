//! The offload driver against the Verilated core: the official Keccak known answers, long
//! multi-block messages, ring wrap-around and phase bits, hundreds of jobs in flight finishing
//! out of order, the DMA window with a canary around it, a bad ring, and soft reset with jobs
//! in flight. Every test also checks that the core never touched memory outside the harness's
//! DMA memory.
#![cfg(feature = "sim")]

use alloy_primitives::keccak256;
use fpevm::offload::kat::read_kat_file;
use fpevm::offload::layout::{self, Completion, Descriptor};
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{Driver, DriverConfig, OffloadError, Transport};
use fpevm_sim::Config;
use std::path::PathBuf;

fn config(ring_size: u32, max_input_bytes: usize) -> DriverConfig {
    DriverConfig {
        ring_size,
        max_input_bytes,
        ..DriverConfig::default()
    }
}

fn sim_driver(cfg: DriverConfig, extra_bytes: usize) -> Driver<SimDevice> {
    let bytes = cfg.dma_bytes().expect("valid config") + extra_bytes;
    let device = SimDevice::new(Config::DEFAULT, bytes).expect("simulated core");
    Driver::new(device, cfg).expect("driver")
}

fn assert_no_violation(d: &Driver<SimDevice>) {
    assert_eq!(
        d.transport().dma_stats().violations,
        0,
        "DMA outside the memory"
    );
}

/// Inputs of lengths 0 to several Keccak blocks.
fn inputs(n: usize, salt: usize, max_len: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = (i * 37 + salt) % max_len;
            (0..len).map(|j| (i * 131 + j * 7 + salt) as u8).collect()
        })
        .collect()
}

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(Vec::as_slice).collect()
}

fn expected(v: &[Vec<u8>]) -> Vec<[u8; 32]> {
    v.iter().map(|x| keccak256(x).0).collect()
}

fn job(tag: u64, src: u64, dst: u64, src_len: u32) -> Descriptor {
    Descriptor {
        tag,
        src,
        dst,
        src_len,
        opcode: layout::OP_KECCAK256,
    }
}

/// Polls until `n` completions arrived (bounded).
fn poll_n(d: &mut Driver<SimDevice>, n: usize) -> Vec<Completion> {
    let mut done = Vec::new();
    for _ in 0..10_000 {
        if done.len() >= n {
            break;
        }
        done.extend(d.poll());
    }
    assert_eq!(done.len(), n, "completions");
    done
}

#[test]
fn every_official_known_answer_through_the_core() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/keccak-kat"
    ));
    let file = dir.join("ShortMsgKAT_256.txt");
    assert!(
        file.is_file(),
        "the Keccak KAT corpus is missing at {}",
        dir.display()
    );
    let kat = read_kat_file(&file).expect("KAT file");
    assert_eq!(kat.vectors.len(), 256, "byte-aligned vectors");
    let mut d = sim_driver(DriverConfig::default(), 0);
    for chunk in kat.vectors.chunks(64) {
        let msgs: Vec<&[u8]> = chunk.iter().map(|v| v.msg.as_slice()).collect();
        let got = d.keccak_batch(&msgs).expect("batch");
        for (v, g) in chunk.iter().zip(got) {
            assert_eq!(g, v.md, "Len = {} (line {})", v.len_bits, v.line);
        }
    }
    assert_no_violation(&d);
}

#[test]
fn long_messages_of_many_blocks() {
    let mut d = sim_driver(config(64, 16 * 1024), 0);
    // Every length class around block and beat edges, then thousands of bytes.
    let mut lens: Vec<usize> = (0..=4)
        .flat_map(|k| [136 * k, 136 * k + 1, 136 * k + 135])
        .collect();
    lens.extend([1000, 1087, 1088, 1089, 2008 / 8, 4096, 8191]);
    let data: Vec<Vec<u8>> = lens
        .iter()
        .enumerate()
        .map(|(i, &len)| (0..len).map(|j| (j * 13 + i) as u8).collect())
        .collect();
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    assert_no_violation(&d);
}

#[test]
fn ring_of_8_wraps_many_times_with_the_phase_bit() {
    let mut d = sim_driver(config(8, 4096), 0);
    let data = inputs(1000, 1, 300);
    for chunk in data.chunks(7) {
        assert_eq!(
            d.keccak_batch(&refs(chunk)).expect("batch"),
            expected(chunk)
        );
    }
    // 1000 completions in a ring of 8: 125 passes, the phase of each slot is that of the
    // last pass that wrote it.
    let t = d.transport_mut();
    let tail = t.read_reg(layout::REG_CQ_TAIL);
    assert_eq!(tail, 1000);
    let cq = d.layout().cq;
    let base = d.transport().dma_base();
    for index in tail - 8..tail {
        let off = (layout::slot_addr(cq, index, 8) - base) as usize;
        let entry: [u8; 64] = d.transport_mut().dma()[off..off + 64].try_into().unwrap();
        assert_eq!(
            Completion::decode(&entry).phase,
            layout::phase_of(index, 8),
            "index {index}"
        );
    }
    assert_no_violation(&d);
}

#[test]
fn hundreds_in_flight_finish_out_of_order() {
    let mut d = sim_driver(config(512, 512 * 1024), 0);
    let l = *d.layout();
    let base = d.transport().dma_base();
    // 400 raw jobs: long ones first, so later short ones overtake them.
    let lens: Vec<usize> = (0..400)
        .map(|i| if i % 4 == 0 { 700 } else { i % 90 })
        .collect();
    let mut src = l.arena;
    let mut descs = Vec::new();
    for (i, &len) in lens.iter().enumerate() {
        let off = (src - base) as usize;
        for j in 0..len {
            d.transport_mut().dma()[off + j] = (i + j) as u8;
        }
        descs.push(job(i as u64, src, l.results + 32 * i as u64, len as u32));
        src += len.div_ceil(64).max(1) as u64 * 64;
    }
    d.submit(&descs).expect("submit 400 at once");
    let done = poll_n(&mut d, 400);
    let tags: Vec<u64> = done.iter().map(|c| c.tag).collect();
    assert!(
        tags.windows(2).any(|w| w[0] > w[1]),
        "some jobs overtook others"
    );
    let mut sorted = tags.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..400).collect::<Vec<u64>>(),
        "every tag exactly once"
    );
    for (i, &len) in lens.iter().enumerate() {
        let input: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
        let off = (l.results - base) as usize + 32 * i;
        assert_eq!(
            &d.transport_mut().dma()[off..off + 32],
            keccak256(&input).as_slice(),
            "job {i}"
        );
    }
    assert!(done.iter().all(|c| c.status == layout::STATUS_OK));
    assert_no_violation(&d);
}

#[test]
fn out_of_window_jobs_complete_with_an_error_and_the_canary_stays() {
    let cfg = config(16, 4096);
    let mut d = sim_driver(cfg, 64 * 1024);
    let l = *d.layout();
    let base = d.transport().dma_base();
    let (end, len) = ((l.end - base) as usize, d.transport_mut().dma().len());
    let t = d.transport_mut();
    t.write_reg(layout::REG_WIN_LIMIT_LO, l.end as u32);
    t.write_reg(layout::REG_WIN_LIMIT_HI, (l.end >> 32) as u32);
    t.dma()[end..].fill(0xAA);
    let results = (l.results - base) as usize;
    t.dma()[results..results + 32 * 8].fill(0x55);
    t.dma()[(l.arena - base) as usize..][..3].copy_from_slice(b"abc");
    let outside = l.end + 128;
    let descs = [
        job(1, outside, l.results, 3),
        job(2, l.arena, outside, 3),
        job(3, l.end - 64, l.results + 64, 65),
        job(4, l.arena, l.end, 3),
        job(5, l.arena, l.results + 96, 3),
        Descriptor {
            opcode: 7,
            ..job(6, l.arena, l.results + 128, 3)
        },
        job(7, l.arena + 8, l.results + 160, 3),
        job(8, u64::MAX - 63, u64::MAX - 31, 64),
        job(9, base - 64, l.results + 192, 3),
    ];
    d.submit(&descs).expect("submit");
    let mut status: Vec<(u64, u8)> = poll_n(&mut d, descs.len())
        .iter()
        .map(|c| (c.tag, c.status))
        .collect();
    status.sort_unstable();
    use layout::{
        STATUS_BAD_OPCODE as OP, STATUS_MISALIGNED as MIS, STATUS_OK as OK,
        STATUS_OUT_OF_WINDOW as WIN,
    };
    assert_eq!(
        status,
        vec![
            (1, WIN),
            (2, WIN),
            (3, WIN),
            (4, WIN),
            (5, OK),
            (6, OP),
            (7, MIS),
            (8, WIN),
            (9, WIN)
        ]
    );
    let dma = d.transport_mut().dma();
    assert!(
        dma[end..len].iter().all(|&b| b == 0xAA),
        "the canary after the window changed"
    );
    let slot = |i: usize| &dma[results + 32 * i..results + 32 * (i + 1)];
    assert!(slot(0).iter().all(|&b| b == 0x55));
    assert!(slot(2).iter().all(|&b| b == 0x55));
    assert_eq!(slot(3), keccak256(b"abc").as_slice());
    assert!(slot(4).iter().all(|&b| b == 0x55));
    assert_no_violation(&d);
    let data = inputs(20, 4, 300);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
}

#[test]
fn a_ring_outside_the_window_halts_the_core_until_reset() {
    let mut d = sim_driver(config(8, 1024), 0);
    let cq = d.layout().cq;
    d.transport_mut()
        .write_reg(layout::REG_WIN_LIMIT_LO, cq as u32);
    d.transport_mut()
        .write_reg(layout::REG_WIN_LIMIT_HI, (cq >> 32) as u32);
    let data = inputs(5, 5, 300);
    let err = d.keccak_batch(&refs(&data)).expect_err("halted");
    assert!(
        matches!(err, OffloadError::Halted { status } if status & layout::STATUS_BIT_CONFIG_ERROR != 0)
            || matches!(err, OffloadError::Timeout { .. }),
        "{err}"
    );
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("after reset"),
        expected(&data)
    );
    assert_no_violation(&d);
}

#[test]
fn soft_reset_with_jobs_in_flight() {
    let mut d = sim_driver(config(64, 64 * 1024), 0);
    let l = *d.layout();
    // Long jobs, so that the reset lands with reads outstanding and engines busy.
    let descs: Vec<_> = (0..40)
        .map(|i| job(i, l.arena, l.results + 32 * i, 4000))
        .collect();
    d.submit(&descs).expect("submit");
    d.transport_mut().advance(50);
    let t = d.transport_mut();
    assert!(t.read_reg(layout::REG_CQ_TAIL) < 40, "still in flight");
    d.reset().expect("reset");
    let t = d.transport_mut();
    for reg in [
        layout::REG_SQ_HEAD,
        layout::REG_SQ_TAIL,
        layout::REG_CQ_HEAD,
        layout::REG_CQ_TAIL,
    ] {
        assert_eq!(t.read_reg(reg), 0, "register {reg:#x} after reset");
    }
    let data = inputs(50, 6, 400);
    assert_eq!(
        d.keccak_batch(&refs(&data)).expect("batch"),
        expected(&data)
    );
    assert_no_violation(&d);
}

#[test]
fn registers_identify_the_core() {
    let mut d = sim_driver(config(8, 1024), 0);
    let t = d.transport_mut();
    assert_eq!(t.read_reg(layout::REG_ID), layout::ID_VALUE);
    assert_eq!(t.read_reg(layout::REG_VERSION), layout::VERSION_VALUE);
    assert_eq!(
        t.read_reg(layout::REG_ENGINES) as usize,
        Config::DEFAULT.engines
    );
    assert_eq!(
        t.read_reg(layout::REG_ROUNDS) as usize,
        Config::DEFAULT.rounds
    );
    let c0 = t.read_reg(layout::REG_CYCLES_LO);
    t.advance(10);
    assert_eq!(t.read_reg(layout::REG_CYCLES_LO).wrapping_sub(c0), 10);
}
