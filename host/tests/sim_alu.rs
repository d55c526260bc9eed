//! The core's 256-bit ALU through the offload driver and the Verilated core, against revm's
//! own arithmetic (`fpevm::offload::alu::evaluate`): thousands of random and edge-case
//! operands per opcode, submitted in ring-sized batches that mix every ALU opcode with
//! Keccak-256 jobs, so many jobs of both unit kinds are in flight together.
#![cfg(feature = "sim")]

use alloy_primitives::keccak256;
use fpevm::offload::alu::{encode_operands, evaluate};
use fpevm::offload::layout::{self, ALU_OPS, OP_ADDMOD, OP_EXP, OP_MULMOD, OP_SDIV, OP_SMOD};
use fpevm::offload::sim::SimDevice;
use fpevm::offload::{Driver, DriverConfig, Job, Transport};
use fpevm_sim::Config;
use revm::primitives::U256;
use std::time::Instant;

/// Random cases per opcode (the edge cases come on top).
const RANDOM_CASES: usize = 2000;
/// Jobs per `run_jobs` call: about one ring's worth.
const BATCH: usize = 240;
/// One Keccak job is mixed in after this many ALU jobs.
const KECCAK_EVERY: usize = 6;

/// A small deterministic generator (SplitMix64), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn uniform(&mut self) -> U256 {
        U256::from_limbs([self.next(), self.next(), self.next(), self.next()])
    }

    /// An operand from a mix of shapes that exercise carries, signs and the divider's
    /// zero skipping.
    fn operand(&mut self) -> U256 {
        let half: U256 = U256::ONE << 255;
        let k = U256::from(self.below(1000));
        match self.below(10) {
            0 | 1 => self.uniform(),
            2 => U256::from(self.below(1 << 20)),
            3 => U256::from(self.next()),
            4 => half.wrapping_add(k),
            5 => half.wrapping_sub(k),
            6 => U256::MAX.wrapping_sub(k),
            7 => [U256::ZERO, U256::ONE, U256::from(2), U256::MAX][self.below(4) as usize],
            8 => U256::ONE << self.below(256) as usize,
            _ => self.uniform() >> self.below(256) as usize,
        }
    }

    /// An exponent for `EXP`: small, mid-size, full-size, powers of two.
    fn exponent(&mut self) -> U256 {
        match self.below(6) {
            0 => U256::from(self.below(4)),
            1 => U256::from(self.below(300)),
            2 => U256::from(self.next()),
            3 => self.uniform(),
            4 => U256::ONE << self.below(256) as usize,
            _ => self.uniform() >> self.below(256) as usize,
        }
    }
}

/// The edge cases every opcode must get right.
fn edge_cases() -> Vec<(u8, Vec<U256>)> {
    let (zero, one, max) = (U256::ZERO, U256::ONE, U256::MAX);
    let min: U256 = U256::ONE << 255;
    let words = [
        zero,
        one,
        U256::from(2),
        max,
        max - one,
        min,
        min - one,
        min + one,
    ];
    let mut cases = Vec::new();
    for &op in &ALU_OPS {
        for &a in &words {
            for &b in &words {
                if layout::alu_operands(op) == Some(3) {
                    for &n in &words {
                        cases.push((op, vec![a, b, n]));
                    }
                } else {
                    cases.push((op, vec![a, b]));
                }
            }
        }
    }
    // Named ones, even though the grid above holds most of them.
    cases.push((OP_SDIV, vec![min, max]));
    cases.push((OP_SMOD, vec![max - U256::from(6), U256::from(3)]));
    cases.push((OP_EXP, vec![zero, zero]));
    cases.push((OP_EXP, vec![U256::from(7), zero]));
    cases.push((OP_EXP, vec![U256::from(3), max]));
    cases.push((OP_ADDMOD, vec![max, max, U256::from(7)]));
    cases.push((OP_MULMOD, vec![max, max, max - one]));
    cases.push((OP_MULMOD, vec![U256::from(5), U256::from(6), zero]));
    cases
}

/// Random cases of every opcode.
fn random_cases(rng: &mut Rng) -> Vec<(u8, Vec<U256>)> {
    let mut cases = Vec::new();
    for &op in &ALU_OPS {
        for _ in 0..RANDOM_CASES {
            let operands = match op {
                OP_EXP => vec![rng.operand(), rng.exponent()],
                OP_ADDMOD | OP_MULMOD => vec![rng.operand(), rng.operand(), rng.operand()],
                _ => vec![rng.operand(), rng.operand()],
            };
            cases.push((op, operands));
        }
    }
    cases
}

fn driver() -> Driver<SimDevice> {
    let cfg = DriverConfig::default();
    let device = SimDevice::new(Config::DEFAULT, cfg.dma_bytes().expect("config")).expect("core");
    Driver::new(device, cfg).expect("driver")
}

#[test]
fn the_core_reports_one_alu() {
    let mut d = driver();
    assert_eq!(d.transport_mut().read_reg(layout::REG_ALUS), 1);
}

#[test]
fn every_alu_opcode_matches_revm() {
    let started = Instant::now();
    let mut rng = Rng(0x005E_EDA1);
    let mut cases = edge_cases();
    cases.extend(random_cases(&mut rng));
    // Shuffle, so every batch mixes opcodes.
    for i in (1..cases.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        cases.swap(i, j);
    }
    let inputs: Vec<Vec<u8>> = cases.iter().map(|(_, ops)| encode_operands(ops)).collect();
    let messages: Vec<Vec<u8>> = (0..cases.len() / KECCAK_EVERY + 1)
        .map(|i| (0..(i * 41) % 400).map(|b| (b * 3 + i) as u8).collect())
        .collect();

    // Jobs in submission order, with what each must return.
    let mut jobs = Vec::new();
    let mut expected = Vec::new();
    for (i, ((op, operands), input)) in cases.iter().zip(&inputs).enumerate() {
        jobs.push(Job { opcode: *op, input });
        expected.push(
            evaluate(*op, operands)
                .expect("an ALU case")
                .to_be_bytes::<32>(),
        );
        if i % KECCAK_EVERY == KECCAK_EVERY - 1 {
            let message = &messages[i / KECCAK_EVERY];
            jobs.push(Job::keccak(message));
            expected.push(keccak256(message).0);
        }
    }

    let mut d = driver();
    let cycles_before = d.transport().cycles();
    let mut per_op = [0usize; 8];
    for (batch, want) in jobs.chunks(BATCH).zip(expected.chunks(BATCH)) {
        let got = d.run_jobs(batch).expect("device");
        for ((job, got), want) in batch.iter().zip(&got).zip(want) {
            assert_eq!(
                got,
                want,
                "opcode {:#x} on input {}",
                job.opcode,
                hex(job.input)
            );
            if let Some(k) = ALU_OPS.iter().position(|&op| op == job.opcode) {
                per_op[k] += 1;
            }
        }
    }
    let cycles = d.transport().cycles() - cycles_before;
    assert_eq!(d.transport().dma_stats().violations, 0);
    assert_eq!(per_op.iter().sum::<usize>(), cases.len());
    println!(
        "{} ALU cases (per opcode MUL..EXP: {per_op:?}) and {} Keccak jobs in {cycles} \
         simulated cycles, {:.1} s",
        cases.len(),
        jobs.len() - cases.len(),
        started.elapsed().as_secs_f64()
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
