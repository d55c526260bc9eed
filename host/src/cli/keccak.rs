//! `fpevm keccak`: runs Keccak known-answer files through the offload driver, compares each
//! digest with the file's, prints one line per failure or skip, then `N passed, M failed[, K
//! skipped]`.

use super::args::DeviceArgs;
use clap::Args;
use fpevm::offload::kat::{read_kat_file, KatVector};
use fpevm::offload::{open_device, Driver, DriverConfig, Transport};
use fpevm::vectors::{CaseReport, Outcome, Tally};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `fpevm keccak`.
#[derive(Debug, Clone, Args)]
pub struct KeccakArgs {
    /// Known-answer files in the Keccak team's format (`Len`, `Msg`, `MD` records).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Vectors per batch (one doorbell each).
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    #[command(flatten)]
    pub target: DeviceArgs,
}

/// Runs every byte-aligned vector of every file; returns the tally (the caller prints it and
/// sets the exit code).
pub fn run(args: &KeccakArgs) -> Result<Tally, String> {
    if args.batch == 0 {
        return Err("--batch must be at least 1".into());
    }
    let device = args.target.device;
    let transport = open_device(device).map_err(|e| format!("--device {device}: {e}"))?;
    let mut driver = Driver::new(transport, DriverConfig::default())
        .map_err(|e| format!("--device {device}: {e}"))?;
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut vectors = 0;
    for path in &args.files {
        vectors += run_file(&mut driver, path, args.batch, &mut tally);
    }
    if vectors == 0 && tally.failed == 0 {
        return Err("no byte-aligned Len/Msg/MD records in the given files".into());
    }
    eprintln!(
        "keccak: {} files, {vectors} vectors on the {device} device in {:.2} s",
        args.files.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(tally)
}

fn report(tally: &mut Tally, file: &Path, case: String, outcome: Outcome) {
    tally.add(&outcome);
    if outcome != Outcome::Passed {
        let report = CaseReport {
            file: file.display().to_string(),
            test: String::new(),
            case,
            outcome,
        };
        println!("{report}");
    }
}

/// Runs one file in batches of `batch`; returns how many vectors it ran.
fn run_file<T: Transport>(
    driver: &mut Driver<T>,
    path: &Path,
    batch: usize,
    tally: &mut Tally,
) -> usize {
    let file = match read_kat_file(path) {
        Ok(file) => file,
        Err(e) => {
            let case = match e.line {
                0 => String::new(),
                line => format!("line {line}"),
            };
            report(tally, path, case, Outcome::Failed(e.kind.to_string()));
            return 0;
        }
    };
    if file.vectors.is_empty() && file.skipped.is_empty() {
        eprintln!("note: {}: no Len/Msg/MD records", path.display());
    }
    if let Some(first) = file.skipped.first() {
        // One line for all of a file's skips, counted one by one.
        let reason = format!("{} records: {}", file.skipped.len(), first.reason);
        println!("SKIP {}: {reason}", path.display());
        tally.skipped += file.skipped.len();
    }
    for chunk in file.vectors.chunks(batch) {
        let inputs: Vec<&[u8]> = chunk.iter().map(|v| v.msg.as_slice()).collect();
        match driver.keccak_batch(&inputs) {
            Ok(digests) => {
                for (vector, got) in chunk.iter().zip(digests) {
                    report(tally, path, case(vector), compare(vector, &got));
                }
            }
            Err(e) => {
                for vector in chunk {
                    let outcome = Outcome::Failed(format!("device error: {e}"));
                    report(tally, path, case(vector), outcome);
                }
            }
        }
    }
    file.vectors.len()
}

fn case(vector: &KatVector) -> String {
    format!("Len = {}", vector.len_bits)
}

fn compare(vector: &KatVector, got: &[u8; 32]) -> Outcome {
    if *got == vector.md {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "expected {}, got {}",
            alloy_primitives::hex::encode_upper(vector.md),
            alloy_primitives::hex::encode_upper(got)
        ))
    }
}
