//! `EvmOffload`: one device serving every lane of a block (or of many blocks) through one
//! batcher, with the offload policy that decides, operation by operation, what goes there.
//!
//! Lanes reach it through a [`LaneRoute`] installed in their thread
//! ([`super::evm_ops::enter_lane`]); the state root reaches it as a [`KeccakBatch`]. Every
//! path gives the CPU's result: the device contract computes the same values, and device
//! faults finish on the CPU inside the runner.

use super::batcher::{Batcher, BatcherHandle, OwnedJob};
use super::cost_model::CostModel;
use super::driver::{Driver, Job};
use super::error::OffloadError;
use super::layout;
use super::pool::DevicePool;
use super::runner::JobRunner;
use super::{open_device_at, DriverConfig, Transport};
use crate::options::{DeviceKind, OffloadPolicy};
use crate::trie::{CpuKeccak, KeccakBatch};
use alloy_primitives::B256;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Jobs the batcher gathers into one device batch at most.
const MAX_BATCH: usize = 4096;
/// ALU cycles assumed when the device has no clock to measure one job with (the cpu
/// reference).
const UNMEASURED_ALU_CYCLES: f64 = 1_000.0;

/// Where routed operations went.
#[derive(Debug, Default)]
struct RouteCounters {
    device: AtomicU64,
    cpu: AtomicU64,
}

/// What an [`EvmOffload`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OffloadStats {
    /// Operations (opcodes and trie hashes) sent to the device.
    pub device_ops: u64,
    /// Routed operations the policy kept on the CPU.
    pub cpu_ops: u64,
    /// Device batches run.
    pub batches: u64,
    /// Device faults survived (their work finished on the CPU).
    pub faults: u64,
}

struct Shared {
    batcher: Batcher,
    policy: OffloadPolicy,
    model: CostModel,
    alu: bool,
    counters: RouteCounters,
}

/// A device, its batcher thread and the offload policy. Cheap to clone (shared).
#[derive(Clone)]
pub struct EvmOffload {
    shared: Arc<Shared>,
}

impl EvmOffload {
    /// Opens device `kind` with the default driver configuration and calibrates the cost
    /// model: the CPU side is timed now, the device's ALU latency measured with one job.
    pub fn open(kind: DeviceKind, policy: OffloadPolicy) -> Result<Self, OffloadError> {
        Self::open_pool(kind, 1, policy)
    }

    /// Opens `devices` devices of `kind` (FPGA slots, or simulated cores) as one
    /// [`DevicePool`] serving every lane (one device: its driver alone). The ALU opcodes go to
    /// the devices only when all of them have an ALU.
    pub fn open_pool(
        kind: DeviceKind,
        devices: usize,
        policy: OffloadPolicy,
    ) -> Result<Self, OffloadError> {
        let mut drivers = Vec::with_capacity(devices.max(1));
        let (mut engines, mut rounds, mut alu) = (0, 0, true);
        for index in 0..devices.max(1) {
            let mut transport = open_device_at(kind, index as u32)?;
            engines += transport.read_reg(layout::REG_ENGINES);
            rounds = transport.read_reg(layout::REG_ROUNDS);
            alu &= transport.read_reg(layout::REG_ALUS) > 0;
            drivers.push(Driver::new(transport, DriverConfig::default())?);
        }
        let alu_cycles = match alu {
            true => measure_alu_cycles(&mut drivers[0])?,
            false => UNMEASURED_ALU_CYCLES,
        };
        let model = CostModel::calibrate(engines, rounds, alu_cycles);
        if drivers.len() == 1 {
            let driver = drivers
                .pop()
                .ok_or_else(|| OffloadError::Config("no device".into()))?;
            return Self::with_runner(driver, policy, model, alu);
        }
        Self::with_runner(DevicePool::new(drivers), policy, model, alu)
    }

    /// Serves lanes with `runner` under `policy`; `alu` says whether the device runs the ALU
    /// opcodes (without one they stay on the CPU).
    pub fn with_runner<R: JobRunner + 'static>(
        runner: R,
        policy: OffloadPolicy,
        model: CostModel,
        alu: bool,
    ) -> Result<Self, OffloadError> {
        Ok(Self {
            shared: Arc::new(Shared {
                batcher: Batcher::spawn(runner, MAX_BATCH)?,
                policy,
                model,
                alu,
                counters: RouteCounters::default(),
            }),
        })
    }

    /// The policy.
    pub fn policy(&self) -> OffloadPolicy {
        self.shared.policy
    }

    /// The cost model `auto` decides with.
    pub fn model(&self) -> &CostModel {
        &self.shared.model
    }

    /// Whether the device runs the ALU opcodes.
    pub fn has_alu(&self) -> bool {
        self.shared.alu
    }

    /// The device's name (`cpu`, `sim`, ...).
    pub fn device_name(&self) -> &str {
        self.shared.batcher.name()
    }

    /// The route a lane installs in its thread.
    pub fn lane_route(&self) -> LaneRoute {
        LaneRoute {
            handle: self.shared.batcher.handle(),
            shared: Arc::clone(&self.shared),
        }
    }

    /// Counts so far.
    pub fn stats(&self) -> OffloadStats {
        let batcher = self.shared.batcher.stats();
        OffloadStats {
            device_ops: self.shared.counters.device.load(Ordering::Relaxed),
            cpu_ops: self.shared.counters.cpu.load(Ordering::Relaxed),
            batches: batcher.batches,
            faults: batcher.faults,
        }
    }
}

impl Shared {
    /// The policy's decision for one operation in a batch of `batch` like it.
    fn wants(&self, opcode: u8, len: usize, batch: usize) -> bool {
        let runs_there = opcode == layout::OP_KECCAK256 || self.alu;
        let yes = runs_there
            && match self.policy {
                OffloadPolicy::Never => false,
                OffloadPolicy::Always => true,
                OffloadPolicy::Auto => self.model.device_pays(opcode, len, batch),
            };
        let counter = if yes {
            &self.counters.device
        } else {
            &self.counters.cpu
        };
        counter.fetch_add(batch as u64, Ordering::Relaxed);
        yes
    }
}

/// One lane's way to the device.
pub struct LaneRoute {
    handle: BatcherHandle,
    shared: Arc<Shared>,
}

impl LaneRoute {
    /// Whether the policy sends this operation (one job, `len` input bytes) to the device.
    pub(crate) fn wants(&self, opcode: u8, len: usize) -> bool {
        self.shared.wants(opcode, len, 1)
    }

    /// Runs one job through the batcher (blocking this lane only); `None` for a job outside
    /// the contract, which the caller computes itself.
    pub(crate) fn run(&self, opcode: u8, input: Vec<u8>) -> Option<[u8; 32]> {
        self.handle.run(OwnedJob { opcode, input }).ok()
    }
}

impl KeccakBatch for EvmOffload {
    /// A trie level: on the device as one batch when the policy says so.
    fn keccak_batch(&self, inputs: &[&[u8]], out: &mut Vec<B256>) {
        let mean_len = inputs.iter().map(|i| i.len()).sum::<usize>() / inputs.len().max(1);
        if inputs.is_empty()
            || !self
                .shared
                .wants(layout::OP_KECCAK256, mean_len, inputs.len())
        {
            return CpuKeccak.keccak_batch(inputs, out);
        }
        let jobs = inputs
            .iter()
            .map(|input| OwnedJob {
                opcode: layout::OP_KECCAK256,
                input: input.to_vec(),
            })
            .collect();
        match self.shared.batcher.handle().run_all(jobs) {
            Ok(digests) => out.extend(digests.into_iter().map(B256::from)),
            // Keccak jobs are always valid; hashing here gives the same digests regardless.
            Err(_) => CpuKeccak.keccak_batch(inputs, out),
        }
    }
}

/// Device cycles of one MULMOD of full-width operands, submitted alone (so it includes the
/// descriptor fetch, the input read and the writes).
fn measure_alu_cycles(driver: &mut Driver<Box<dyn Transport>>) -> Result<f64, OffloadError> {
    use revm::primitives::U256;
    let input =
        super::alu::encode_operands(&[U256::MAX - U256::from(3), U256::MAX >> 3, U256::MAX >> 7]);
    let job = Job {
        opcode: layout::OP_MULMOD,
        input: &input,
    };
    let before = driver.transport().cycles();
    driver.run_jobs(&[job])?;
    let cycles = driver.transport().cycles().saturating_sub(before);
    Ok(if cycles == 0 {
        UNMEASURED_ALU_CYCLES
    } else {
        cycles as f64
    })
}

impl PartialEq for EvmOffload {
    /// The same device and batcher.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for EvmOffload {}

impl std::fmt::Debug for EvmOffload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmOffload")
            .field("device", &self.device_name())
            .field("policy", &self.shared.policy)
            .field("alu", &self.shared.alu)
            .finish_non_exhaustive()
    }
}
