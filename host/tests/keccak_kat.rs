//! Every byte-aligned Keccak-256 known answer of the shared corpus through the offload driver
//! on the cpu device, and the same through `fpevm keccak`.

use fpevm::offload::kat::read_kat_file;
use fpevm::offload::{CpuDevice, Driver, DriverConfig};
use std::path::PathBuf;

#[path = "common/run_cli.rs"]
mod run_cli;
use run_cli::fpevm;

/// The corpus's `keccak-kat/` folder.
///
/// # Panics
/// When it is missing: this test must fail loudly, never pass without vectors.
fn kat_dir() -> PathBuf {
    let corpus = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    let dir = corpus.join("keccak-kat");
    assert!(
        dir.is_dir(),
        "the Keccak KAT corpus is missing at {}: clone the project with ../shared beside it",
        dir.display()
    );
    dir
}

fn kat_files() -> Vec<PathBuf> {
    let dir = kat_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", dir.display());
    files
}

#[test]
fn every_byte_aligned_vector_passes_through_the_cpu_device() {
    let cfg = DriverConfig::default();
    let device = CpuDevice::new(cfg.dma_bytes().expect("config")).expect("device");
    let mut driver = Driver::new(device, cfg).expect("driver");
    let (mut run, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for path in kat_files() {
        let file = read_kat_file(&path).unwrap_or_else(|e| panic!("{e}"));
        skipped += file.skipped.len();
        for chunk in file.vectors.chunks(64) {
            let inputs: Vec<&[u8]> = chunk.iter().map(|v| v.msg.as_slice()).collect();
            let digests = driver
                .keccak_batch(&inputs)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for (vector, got) in chunk.iter().zip(digests) {
                run += 1;
                if got != vector.md {
                    failures.push(format!("{}: Len = {}", path.display(), vector.len_bits));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
    // ShortMsgKAT_256: 256 byte-aligned messages of 0..255 bytes, 1792 bit-level ones.
    assert_eq!((run, skipped), (256, 1792));
    assert_eq!(driver.faults(), 0);
}

#[test]
fn cli_runs_the_corpus() {
    let files: Vec<String> = kat_files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["keccak", "--device", "cpu"];
    args.extend(files.iter().map(String::as_str));
    let (ok, stdout, stderr) = fpevm(&args);
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("256 passed, 0 failed, 1792 skipped"),
        "{stdout}"
    );
}

#[test]
fn cli_reports_a_wrong_digest_and_a_malformed_file() {
    let dir = std::env::temp_dir().join(format!("fpevm-kat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let wrong = dir.join("wrong.txt");
    let empty_md = "C5D2460186F7233C927E7DB2DCC703C0E500B653CA82273B7BFAD8045D85A470";
    std::fs::write(&wrong, format!("Len = 8\nMsg = 01\nMD = {empty_md}\n")).expect("write");
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "Len = 8\nMsg = 0g\n").expect("write");
    let (ok, stdout, stderr) = fpevm(&[
        "keccak",
        wrong.to_str().expect("path"),
        bad.to_str().expect("path"),
    ]);
    assert!(!ok, "must fail: {stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("0 passed, 2 failed"),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("FAIL")
            && l.contains("wrong.txt")
            && l.contains("Len = 8")
            && l.contains(&format!("expected {empty_md}"))),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bad.txt [line 2]") && l.contains("Msg is not hex")),
        "{stdout}"
    );
}

#[test]
fn cli_runs_the_known_answers_on_the_simulated_core() {
    let file = kat_dir().join("ShortMsgKAT_256.txt");
    let path = file.to_str().expect("utf-8 path");
    let (ok, stdout, stderr) = fpevm(&["keccak", "--device", "sim", path]);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("256 passed, 0 failed, 1792 skipped"),
        "{stdout}"
    );
}
