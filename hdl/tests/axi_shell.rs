//! The F1 shell (`fpevm_shell`) in Verilator, against the C++ test bench in `tests/axi_tb/`:
//! an AXI-Lite master on OCL and an AXI4 host-memory model on PCIM with seeded random
//! back-pressure, driving the ring protocol of `layout.rs`. The bench checks the AXI rules it
//! sees (4 KiB boundaries, `arlen <= 63`, `arsize = 6`, outstanding limits, `wlast`, stable
//! valid/payload) and every digest; this test builds it, feeds it the vectors and asserts
//! its exit status and summary.
//!
//! Two shells are tested: the shipped one (default outstanding limits) and one whose read
//! limit is low enough for the long messages to reach it and whose write limit is above 1.
//!
//! Vectors: every byte-aligned record of the Keccak team's `ShortMsgKAT_256.txt` (from the
//! shared corpus, `../shared/corpus` beside the workspace, or `$FPEVM_CORPUS`), and long
//! messages whose digests `tiny-keccak` computes here.

use fpevm_hdl::engine::MAX_ROOM;
use fpevm_hdl::shell::axi_read_master::DEFAULT_MAX_READ_BURSTS;
use fpevm_hdl::shell::axi_write_master::DEFAULT_MAX_WRITES;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tiny_keccak::{Hasher, Keccak};

/// Engines and rounds per clock of the simulated core: small, for a short build.
const ENGINES: usize = 2;
const ROUNDS: usize = 4;
/// Outstanding read bursts of the tight configuration: low enough that long messages reach
/// the limit.
const TIGHT_READ_BURSTS: usize = 2;
/// Outstanding writes of the tight configuration: more than one, so the write master's
/// counting is exercised (its completion-after-failed-write guarantee needs 1 and is not
/// checked here).
const TIGHT_WRITES: usize = 4;
/// Seeds of the bench's random back-pressure; the first one's numbers are printed.
const SEEDS: [u64; 3] = [0x5eed, 1, 2];
/// Byte-aligned records in `ShortMsgKAT_256.txt` (`Len` = 0, 8, ..., 2040).
const KAT_BYTE_ALIGNED: usize = 256;
/// Lengths of the long messages (several 136-byte blocks, up to a few KiB).
const LONG_LENGTHS: [usize; 14] = [
    135, 136, 137, 408, 953, 1000, 2048, 2500, 4095, 4096, 4097, 5000, 6000, 6800,
];

fn corpus() -> PathBuf {
    let path = std::env::var_os("FPEVM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
        });
    assert!(
        path.is_dir(),
        "the shared corpus is missing at {} (clone the project with ../shared beside it, or set \
         FPEVM_CORPUS)",
        path.display()
    );
    path
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The byte-aligned `(message, digest)` records of a KAT file (`Len = bits`, `Msg = hex`,
/// `MD = hex`; `Len = 0` carries the placeholder `Msg = 00`).
fn byte_aligned_kat(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the KAT file is missing at {}: {e}", path.display()));
    let mut out = Vec::new();
    let mut len_bits: Option<usize> = None;
    let mut msg: Option<Vec<u8>> = None;
    for line in text.lines().map(str::trim) {
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        match key {
            "Len" => len_bits = Some(value.parse().expect("Len is a number")),
            "Msg" => msg = Some(unhex(value)),
            "MD" => {
                let bits = len_bits.take().expect("MD after Len");
                let m = msg.take().expect("MD after Msg");
                let md = unhex(value);
                assert_eq!(md.len(), 32, "MD is 32 bytes");
                if bits.is_multiple_of(8) {
                    let bytes = bits / 8;
                    let m = if bytes == 0 { Vec::new() } else { m };
                    assert_eq!(m.len(), bytes, "Msg of Len = {bits}");
                    out.push((m, md));
                }
            }
            _ => {}
        }
    }
    out
}

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

/// A deterministic message of `len` bytes.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Builds the Verilated bench of a shell with the given outstanding limits in `dir`, unless
/// the same Verilog and bench were built there before; returns the binary and the build time
/// (None when reused).
fn build_bench(dir: &Path, max_read_bursts: usize, max_writes: usize) -> (PathBuf, Option<f64>) {
    let verilog = fpevm_hdl::verilog::generate_shell_verilog_with_limits(
        ENGINES,
        ROUNDS,
        max_read_bursts,
        max_writes,
    );
    let tb_src = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/axi_tb/tb.cpp"));
    let tb_text = std::fs::read_to_string(&tb_src).expect("read tb.cpp");
    let stamp = hex(&keccak256(format!("{verilog}{tb_text}").as_bytes()));
    let binary = dir.join("obj_dir").join("fpevm_shell_tb");
    let stamp_file = dir.join("stamp");
    if binary.exists() && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(&stamp) {
        return (binary, None);
    }
    std::fs::create_dir_all(dir).expect("bench dir");
    let v_file = dir.join("fpevm_shell.v");
    std::fs::write(&v_file, &verilog).expect("write Verilog");
    let waivers = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/lint.vlt"));
    let start = Instant::now();
    let out = Command::new("verilator")
        .current_dir(dir)
        .args(["--cc", "--exe", "--build", "-O2", "-j", "2"])
        .args(["--top-module", fpevm_hdl::verilog::SHELL_MODULE])
        .args(["-o", "fpevm_shell_tb", "-CFLAGS", "-O1"])
        .arg(&waivers)
        .arg(&v_file)
        .arg(&tb_src)
        .output()
        .expect("verilator must be installed (make setup)");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "verilator build failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&stamp_file, &stamp).expect("write stamp");
    (binary, Some(secs))
}

/// Writes the vector file the bench reads: every byte-aligned KAT record, then the long
/// messages with their digests.
fn write_vectors(path: &Path) {
    let kat = byte_aligned_kat(&corpus().join("keccak-kat/ShortMsgKAT_256.txt"));
    assert_eq!(kat.len(), KAT_BYTE_ALIGNED, "byte-aligned KAT records");
    // The parser read real digests: the empty message's is the well-known one.
    assert_eq!(hex(&kat[0].1), hex(&keccak256(&[])));
    let mut vectors = String::new();
    for (msg, md) in &kat {
        let m = if msg.is_empty() {
            "-".to_string()
        } else {
            hex(msg)
        };
        vectors += &format!("kat {} {} {}\n", msg.len(), m, hex(md));
    }
    for (i, &len) in LONG_LENGTHS.iter().enumerate() {
        let msg = pattern(len, i as u64 + 1);
        vectors += &format!("long {} {} {}\n", len, hex(&msg), hex(&keccak256(&msg)));
    }
    std::fs::write(path, vectors).expect("write vectors");
}

/// Builds and runs the bench for each seed, asserts its exit status and the summary numbers
/// every run must have, and returns the first run's summary.
fn run_shell(name: &str, max_read_bursts: usize, max_writes: usize) -> HashMap<String, u64> {
    let wall = Instant::now();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let vector_file = dir.join("vectors.txt");
    write_vectors(&vector_file);
    let (binary, build_secs) = build_bench(&dir, max_read_bursts, max_writes);
    let mut first = None;
    for seed in SEEDS {
        let run_start = Instant::now();
        let out = Command::new(&binary)
            .arg(&vector_file)
            .arg(seed.to_string())
            .arg(ENGINES.to_string())
            .arg(ROUNDS.to_string())
            .arg(max_read_bursts.to_string())
            .arg(max_writes.to_string())
            .output()
            .expect("run the bench");
        let run_secs = run_start.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("{name} seed {seed}: {stdout}{stderr}bench run {run_secs:.2} s");
        assert!(
            out.status.success(),
            "{name} seed {seed}: the bench failed: {stderr}"
        );
        let summary: HashMap<String, u64> = stdout
            .lines()
            .find_map(|l| l.strip_prefix("SUMMARY "))
            .expect("a SUMMARY line")
            .split_whitespace()
            .map(|kv| {
                let (k, v) = kv.split_once('=').expect("key=value");
                (k.to_string(), v.parse().expect("a number"))
            })
            .collect();
        let n = |k: &str| {
            *summary
                .get(k)
                .unwrap_or_else(|| panic!("summary has no {k}"))
        };
        assert_eq!(n("failures"), 0);
        assert_eq!(n("kat_total"), KAT_BYTE_ALIGNED as u64);
        assert_eq!(n("kat_fast_ok"), KAT_BYTE_ALIGNED as u64);
        assert_eq!(n("kat_bp_ok"), KAT_BYTE_ALIGNED as u64);
        assert_eq!(n("long_total"), LONG_LENGTHS.len() as u64);
        assert_eq!(n("long_ok"), LONG_LENGTHS.len() as u64);
        assert!(n("regs_total") >= 80 && n("regs_ok") == n("regs_total"));
        let err_checks = if max_writes == 1 { 14 } else { 12 };
        assert!(n("err_total") == err_checks && n("err_ok") == n("err_total"));
        // The splitting and channel orders were exercised, not just allowed.
        assert!(
            n("page_end_bursts") > 0,
            "some bursts stop at a 4 KiB boundary"
        );
        // The core asks for at most `MAX_ROOM` beats per read request (it interleaves the
        // engines' inputs block by block), so the read master's split into 64-beat bursts is
        // no longer reached through the core; the longest burst is one whole request.
        assert_eq!(
            n("max_arlen"),
            MAX_ROOM as u64 - 1,
            "the longest read requests were issued as one burst"
        );
        assert!(n("max_reads_out") >= 2 && n("max_reads_out") <= max_read_bursts as u64);
        assert!(n("max_writes_out") >= 1 && n("max_writes_out") <= max_writes as u64);
        assert!(n("w_before_aw") > 0 && n("aw_before_w") > 0 && n("aw_with_w") > 0);
        // Back-pressure slows the run down; it does not change the results.
        assert!(n("cycles_kat_bp") > n("cycles_kat_fast"));
        first.get_or_insert(summary);
    }
    match build_secs {
        Some(s) => eprintln!("{name}: verilator build {s:.1} s"),
        None => eprintln!("{name}: verilator build reused"),
    }
    eprintln!("{name}: test wall {:.1} s", wall.elapsed().as_secs_f64());
    first.expect("at least one seed")
}

#[test]
fn shipped_shell_runs_kat_long_messages_registers_and_dma_errors_under_back_pressure() {
    let summary = run_shell(
        "axi_shell_default",
        DEFAULT_MAX_READ_BURSTS,
        DEFAULT_MAX_WRITES,
    );
    assert_eq!(summary["max_writes_out"], DEFAULT_MAX_WRITES as u64);
}

#[test]
fn tight_limits_are_reached_and_respected() {
    let summary = run_shell("axi_shell_tight", TIGHT_READ_BURSTS, TIGHT_WRITES);
    assert_eq!(summary["max_reads_out"], TIGHT_READ_BURSTS as u64);
    assert!(
        summary["max_writes_out"] >= 2,
        "several writes were in flight"
    );
}
