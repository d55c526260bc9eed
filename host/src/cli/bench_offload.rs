//! `fpevm bench offload`: for Keccak-256 of several lengths and each ALU opcode, the device's
//! simulated cycles, its projected time at 250 MHz including a modeled PCIe round trip per
//! doorbell, the CPU's time measured in the same run, and what the `auto` policy decides.
//!
//! Device cycles are measured on the Verilated core: the simulated clock from the doorbell to
//! the last completion, for one job alone (latency: what a lane waiting on one opcode sees)
//! and for a batch of 64 (throughput: a trie level). Every result is checked against the CPU.
//! The projection adds [`PCIE_ROUND_TRIP_NS`] per doorbell; the `auto` column is the cost
//! model's decision with these measured numbers. Lines where the CPU wins say so.

// Without the simulated core only the argument type and the refusal in `run` are used.
#![cfg_attr(not(feature = "sim"), allow(dead_code, unused_imports))]

use clap::Args;
use fpevm::offload::alu;
use fpevm::offload::cost_model::{CostModel, DEVICE_CLOCK_HZ, PCIE_ROUND_TRIP_NS};
use fpevm::offload::layout::{self, ALU_OPS};
use fpevm::offload::{Driver, Job, Transport};
use fpevm::vectors::{Outcome, Tally};
use revm::primitives::U256;
use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Keccak input lengths: a word, one block, a typical ABI payload, a large calldata.
const KECCAK_LENGTHS: [usize; 4] = [32, 136, 1024, 16384];
/// Jobs per doorbell of the throughput column.
const BATCH: usize = 64;
/// Least wall time of each CPU timing.
const MIN_TIME: Duration = Duration::from_millis(100);

/// Arguments of `fpevm bench offload`.
#[derive(Debug, Clone, Args)]
pub struct OffloadBench {
    /// One JSON object per result line.
    #[arg(long)]
    pub json: bool,
}

/// One result line.
#[derive(Debug, Serialize)]
struct OffloadLine {
    op: String,
    input_bytes: usize,
    /// Simulated cycles of one job submitted alone, doorbell to completion.
    device_cycles_one: u64,
    /// Simulated cycles per job in a batch of `BATCH`.
    device_cycles_per_job_batched: f64,
    /// Projected ns of one job alone: PCIe round trip + cycles at 250 MHz.
    device_ns_one: f64,
    /// Projected ns per job in a batch of `BATCH` (one round trip shared).
    device_ns_batched: f64,
    /// Measured on this CPU, same inputs.
    cpu_ns: f64,
    /// What `auto` decides for one job alone and in a batch.
    auto_one: &'static str,
    auto_batched: &'static str,
}

/// Runs the command.
pub fn run(args: &OffloadBench) -> Result<Tally, String> {
    #[cfg(feature = "sim")]
    {
        measure(args)
    }
    #[cfg(not(feature = "sim"))]
    {
        let _ = args;
        Err("bench offload needs the simulated core (feature `sim`)".into())
    }
}

#[cfg(feature = "sim")]
fn measure(args: &OffloadBench) -> Result<Tally, String> {
    use fpevm::offload::sim::SimDevice;
    use fpevm::offload::DriverConfig;
    let config = DriverConfig::default();
    let bytes = config.dma_bytes().map_err(|e| e.to_string())?;
    let device = SimDevice::new(fpevm_sim::Config::DEFAULT, bytes).map_err(|e| e.to_string())?;
    let mut driver = Driver::new(device, config).map_err(|e| format!("driver: {e}"))?;
    let t = driver.transport_mut();
    let (engines, rounds, alus) = (
        t.read_reg(layout::REG_ENGINES),
        t.read_reg(layout::REG_ROUNDS),
        t.read_reg(layout::REG_ALUS),
    );
    let note = |line: String| match args.json {
        true => eprintln!("{line}"),
        false => println!("{line}"),
    };
    note(format!(
        "simulated core: {engines} engines x {rounds} rounds/clock, {alus} ALU; projected at {} MHz with a modeled PCIe round trip of {} ns per doorbell",
        DEVICE_CLOCK_HZ / 1e6,
        PCIE_ROUND_TRIP_NS
    ));
    let mut model = CostModel::calibrate(engines, rounds, 0.0);
    let mut tally = Tally::default();
    let mut losses = Vec::new();
    let mut wins_alone = Vec::new();
    let mut cases: Vec<(String, u8, Vec<Vec<u8>>)> = KECCAK_LENGTHS
        .iter()
        .map(|&len| {
            let inputs = (0..BATCH).map(|i| vec![(i * 7 + len) as u8; len]).collect();
            (format!("KECCAK256/{len}"), layout::OP_KECCAK256, inputs)
        })
        .collect();
    for opcode in ALU_OPS {
        let inputs = (0..BATCH).map(|i| alu_input(opcode, i as u64)).collect();
        cases.push((alu_name(opcode).to_string(), opcode, inputs));
    }
    for (op, opcode, inputs) in cases {
        if opcode != layout::OP_KECCAK256 && alus == 0 {
            note(format!("{op}: skipped (this core has no ALU)"));
            tally.add(&Outcome::Skipped("no ALU".into()));
            continue;
        }
        let jobs: Vec<Job> = inputs.iter().map(|input| Job { opcode, input }).collect();
        let line = (|| -> Result<OffloadLine, String> {
            let one = timed_cycles(&mut driver, &jobs[..1])?;
            let batched = timed_cycles(&mut driver, &jobs)? as f64 / jobs.len() as f64;
            let cpu_ns = cpu_ns(&jobs);
            let len = inputs[0].len();
            if opcode == layout::OP_KECCAK256 {
                model.cpu_keccak_ns = cpu_ns - model.cpu_keccak_ns_per_byte * len as f64;
            } else {
                model.alu_cycles = one as f64;
                model.cpu_alu_ns = cpu_ns;
            }
            let device_ns_one = PCIE_ROUND_TRIP_NS + one as f64 / DEVICE_CLOCK_HZ * 1e9;
            let device_ns_batched =
                PCIE_ROUND_TRIP_NS / jobs.len() as f64 + batched / DEVICE_CLOCK_HZ * 1e9;
            let verdict = |pays: bool| if pays { "device" } else { "cpu" };
            Ok(OffloadLine {
                op: op.clone(),
                input_bytes: len,
                device_cycles_one: one,
                device_cycles_per_job_batched: batched,
                device_ns_one,
                device_ns_batched,
                cpu_ns,
                auto_one: verdict(model.device_pays(opcode, len, 1)),
                auto_batched: verdict(model.device_pays(opcode, len, jobs.len())),
            })
        })();
        match line {
            Ok(line) => {
                if line.device_ns_batched >= line.cpu_ns {
                    losses.push(line.op.clone());
                }
                if line.device_ns_one < line.cpu_ns {
                    wins_alone.push(line.op.clone());
                }
                if args.json {
                    println!("{}", serde_json::to_string(&line).unwrap_or_default());
                } else {
                    println!(
                        "{:<16} {:>6} B  device {:>6} cycles alone, {:>8.1} per job in {BATCH}  projected {:>8.0} ns alone, {:>7.1} ns batched  cpu {:>8.1} ns  auto: {} alone, {} batched",
                        line.op, line.input_bytes, line.device_cycles_one, line.device_cycles_per_job_batched,
                        line.device_ns_one, line.device_ns_batched, line.cpu_ns, line.auto_one, line.auto_batched
                    );
                }
                tally.add(&Outcome::Passed);
            }
            Err(e) => {
                note(format!("{op}: FAILED {e}"));
                tally.add(&Outcome::Failed(e));
            }
        }
    }
    note(format!(
        "one job per doorbell (a lane waiting on one opcode) pays only for: {} (the {PCIE_ROUND_TRIP_NS} ns round trip outweighs the rest)",
        if wins_alone.is_empty() { "nothing".to_string() } else { wins_alone.join(", ") }
    ));
    if !losses.is_empty() {
        note(format!(
            "offloading loses even in batches of {BATCH} for: {}",
            losses.join(", ")
        ));
    }
    Ok(tally)
}

/// Simulated cycles from the doorbell to the last completion of `jobs`, every result checked.
fn timed_cycles<T: Transport>(driver: &mut Driver<T>, jobs: &[Job]) -> Result<u64, String> {
    let before = driver.transport().cycles();
    let results = driver.run_jobs(jobs).map_err(|e| e.to_string())?;
    let cycles = driver.transport().cycles().saturating_sub(before);
    for (job, result) in jobs.iter().zip(&results) {
        if Some(*result) != job.cpu_result() {
            return Err(format!(
                "the device's result differs from the CPU's (opcode {:#04x})",
                job.opcode
            ));
        }
    }
    Ok(cycles)
}

/// ns per job on this CPU, the best of several timed passes over `jobs`.
fn cpu_ns(jobs: &[Job]) -> f64 {
    let mut best = f64::INFINITY;
    let started = Instant::now();
    while started.elapsed() < MIN_TIME {
        let pass = Instant::now();
        for job in jobs {
            black_box(black_box(job).cpu_result());
        }
        best = best.min(pass.elapsed().as_nanos() as f64 / jobs.len() as f64);
    }
    best
}

/// Full-width pseudo-random operands for ALU opcode `opcode` (EXP gets a 64-bit exponent, the
/// size common in contracts' fixed-point math).
fn alu_input(opcode: u8, seed: u64) -> Vec<u8> {
    let word = |k: u64| {
        let mut limbs = [0u64; 4];
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ k;
        for limb in &mut limbs {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *limb = x;
        }
        U256::from_limbs(limbs)
    };
    let operands: Vec<U256> = match opcode {
        layout::OP_EXP => vec![word(1), word(2) >> 192],
        layout::OP_ADDMOD | layout::OP_MULMOD => vec![word(1), word(2), word(3) >> 8],
        _ => vec![word(1), word(2) >> 64],
    };
    alu::encode_operands(&operands)
}

fn alu_name(opcode: u8) -> &'static str {
    match opcode {
        layout::OP_MUL => "MUL",
        layout::OP_DIV => "DIV",
        layout::OP_SDIV => "SDIV",
        layout::OP_MOD => "MOD",
        layout::OP_SMOD => "SMOD",
        layout::OP_ADDMOD => "ADDMOD",
        layout::OP_MULMOD => "MULMOD",
        layout::OP_EXP => "EXP",
        _ => "?",
    }
}
