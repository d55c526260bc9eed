use fpevm_hdl::layout::*;
use fpevm_sim::{Config, SimCore, SimOptions};

#[path = "common/keccak.rs"]
mod keccak;
use keccak::keccak;

#[test]
fn one_job() {
    let base = 0x1_0000_0000u64;
    let mut core = SimCore::new(
        Config {
            engines: 4,
            rounds: 2,
        },
        base,
        1 << 20,
        SimOptions::default(),
    )
    .unwrap();
    assert_eq!(core.read_reg(REG_ID), ID_VALUE);
    let size = 16u32;
    let sq = base;
    let cq = base + 64 * 16;
    core.write_reg(REG_SQ_BASE_LO, sq as u32);
    core.write_reg(REG_SQ_BASE_HI, (sq >> 32) as u32);
    core.write_reg(REG_CQ_BASE_LO, cq as u32);
    core.write_reg(REG_CQ_BASE_HI, (cq >> 32) as u32);
    core.write_reg(REG_RING_SIZE, size);
    core.write_reg(REG_WIN_BASE_LO, base as u32);
    core.write_reg(REG_WIN_BASE_HI, (base >> 32) as u32);
    let limit = base + (1 << 20);
    core.write_reg(REG_WIN_LIMIT_LO, limit as u32);
    core.write_reg(REG_WIN_LIMIT_HI, (limit >> 32) as u32);
    core.write_reg(REG_CONTROL, CONTROL_ENABLE);
    let lens = [
        0usize, 1, 7, 8, 32, 63, 64, 135, 136, 137, 200, 271, 272, 273, 1000,
    ];
    for (i, &len) in lens.iter().enumerate() {
        let input: Vec<u8> = (0..len).map(|b| (b * 7 + i) as u8).collect();
        let src = 0x10000 + i * 0x1000;
        let mem = core.memory().bytes();
        mem[src..src + len].copy_from_slice(&input);
        // garbage after the input inside the last beat
        for b in len..len.div_ceil(64) * 64 {
            mem[src + b] = 0xAB;
        }
        let d = Descriptor {
            tag: 100 + i as u64,
            src: base + src as u64,
            dst: base + 0x80000 + 32 * i as u64,
            src_len: len as u32,
            opcode: OP_KECCAK256,
        };
        let slot = (i % 16) * 64;
        mem[slot..slot + 64].copy_from_slice(&d.encode());
    }
    let n = lens.len() as u32;
    core.write_reg(REG_SQ_HEAD, n);
    let start = core.cycles();
    let mut seen = 0;
    while seen < n && core.cycles() - start < 20000 {
        core.step(1);
        seen = core.read_reg(REG_CQ_TAIL);
    }
    println!(
        "{} jobs in {} cycles, stats {:?}",
        seen,
        core.cycles() - start,
        core.stats()
    );
    assert_eq!(seen, n);
    let mem = core.memory().bytes().to_vec();
    for i in 0..n as usize {
        let c = Completion::decode(mem[1024 + 64 * i..1024 + 64 * i + 64].try_into().unwrap());
        assert_eq!(c.status, STATUS_OK);
        assert!(c.phase);
        let j = (c.tag - 100) as usize;
        let len = lens[j];
        let input: Vec<u8> = (0..len).map(|b| (b * 7 + j) as u8).collect();
        let got = &mem[0x80000 + 32 * j..0x80000 + 32 * j + 32];
        assert_eq!(got, &keccak(&input), "len {len}");
    }
    assert_eq!(core.stats().violations, 0);
}

/// With feature `vcd`, a trace file is written; without it, asking says it is not built in.
#[test]
fn vcd_trace_follows_the_feature() {
    let mut core =
        SimCore::new(Config::DEFAULT, 0x1000_0000, 1 << 16, SimOptions::default()).expect("model");
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("core.vcd");
    let traced = core.trace_to(&path);
    core.step(20);
    drop(core);
    if cfg!(feature = "vcd") {
        traced.expect("tracing built in");
        let text = std::fs::read_to_string(&path).expect("trace written");
        assert!(text.contains("$enddefinitions"), "a VCD header");
    } else {
        assert!(matches!(traced, Err(fpevm_sim::SimError::NoTrace)));
    }
}
