//! `Driver`: runs batches of jobs (Keccak-256 and the ALU opcodes) on a device through the
//! rings in its DMA memory.
//!
//! A batch is cut into chunks that fit the ring and the input arena. Each chunk is copied into
//! the arena, written as descriptors, announced with one doorbell write, and waited for: the
//! driver consumes the completions already written, advancing the device only when none is
//! waiting (so none waits out a whole poll), and matches them to jobs by tag. A chunk starts
//! only when the previous one completed, so every chunk sees empty rings.
//!
//! Tags come from a counter that never repeats within 2^64 jobs, so a completion left over from
//! an earlier chunk can never pass for one of the current chunk. After any error the driver
//! soft-resets the device and reprograms it, so the next batch starts clean.
//!
//! Faults and how each is noticed (a result is trusted only when none of these fired):
//! - a hang: no completion for `timeout_cycles` ([`OffloadError::Timeout`]);
//! - a bad completion: a tag not in flight or seen twice, or an entry the core reports written
//!   (`CQ_TAIL`) whose phase bit stays stale ([`OffloadError::BadCompletion`]);
//! - a failed DMA read or write: `STATUS_BIT_DMA_ERROR`, read whenever a poll brings nothing
//!   and once more after a chunk's last completion, because a write's error may arrive after
//!   the job's completion ([`OffloadError::DmaError`]);
//! - a core that reset itself: it reads disabled ([`OffloadError::DeviceReset`]);
//! - a configuration halt, or a device gone (registers all ones).
//!
//! The driver then soft-resets the core and the jobs not done run on the CPU. A device whose
//! reset fails is unhealthy ([`Driver::is_healthy`]): its jobs go straight to the CPU until
//! [`Driver::recover`] succeeds.

use super::alu;
use super::config::{DmaLayout, DriverConfig};
use super::error::{FaultCounts, OffloadError};
use super::layout::{self, Completion, Descriptor, ENTRY_BYTES, RESULT_BYTES};
use super::ring::Rings;
use super::transport::Transport;
use std::sync::atomic::{fence, Ordering};

/// One job for the device: a descriptor opcode (`layout::OP_*`) and its input bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job<'a> {
    /// `layout::OP_KECCAK256` or an ALU opcode.
    pub opcode: u8,
    /// The input: the message to hash, or the ALU's 32-byte big-endian operands.
    pub input: &'a [u8],
}

impl<'a> Job<'a> {
    /// Keccak-256 of `input`.
    pub fn keccak(input: &'a [u8]) -> Self {
        Self {
            opcode: layout::OP_KECCAK256,
            input,
        }
    }

    /// The job's result computed on the CPU (the same contract as the device), or `None`
    /// for an unknown opcode or an ALU input of the wrong length.
    pub fn cpu_result(&self) -> Option<[u8; RESULT_BYTES]> {
        if self.opcode == layout::OP_KECCAK256 {
            Some(alloy_primitives::keccak256(self.input).0)
        } else {
            alu::evaluate_bytes(self.opcode, self.input)
        }
    }
}

/// The offload driver of one device.
pub struct Driver<T: Transport> {
    transport: T,
    config: DriverConfig,
    layout: DmaLayout,
    window: (u64, u64),
    rings: Rings,
    next_tag: u64,
    faults: u64,
    counts: FaultCounts,
    needs_reset: bool,
    healthy: bool,
    /// The core's ALU count (`REG_ALUS`): ALU jobs run on the CPU when it has none.
    alus: u32,
}

/// What a run on the device left: each job's result, `None` for jobs a device fault left
/// pending, and the fault (already counted, logged and followed by a soft reset).
pub(crate) struct Partial {
    /// Results in job order.
    pub results: Vec<Option<[u8; RESULT_BYTES]>>,
    /// The fault that stopped the run.
    pub fault: Option<OffloadError>,
}

/// A valid job's result on the CPU (the device contract's reference).
fn cpu_result(job: &Job) -> [u8; RESULT_BYTES] {
    job.cpu_result().unwrap_or_default()
}

/// How long the driver has waited without progress.
struct Idle {
    since: u64,
    last: u64,
    polls: u64,
    stalled: u64,
}

impl Idle {
    fn new(cycles: u64) -> Self {
        Self {
            since: cycles,
            last: cycles,
            polls: 0,
            stalled: 0,
        }
    }

    /// Counts one poll without progress at device time `cycles`; true when patience is out.
    fn tick(&mut self, cycles: u64, config: &DriverConfig) -> bool {
        self.polls += 1;
        if cycles == self.last {
            self.stalled += 1;
        }
        self.last = cycles;
        self.cycles() >= config.timeout_cycles || self.stalled >= config.max_idle_polls
    }

    fn cycles(&self) -> u64 {
        // A counter that went backwards (a device reset) counts as no time.
        self.last.saturating_sub(self.since)
    }
}

fn write64(transport: &mut impl Transport, lo: u32, hi: u32, value: u64) {
    transport.write_reg(lo, value as u32);
    transport.write_reg(hi, (value >> 32) as u32);
}

fn internal(what: &str) -> OffloadError {
    OffloadError::Config(format!("DMA layout inconsistent: {what}"))
}

impl<T: Transport> Driver<T> {
    /// Checks that an fpevm core answers, lays out the rings, results and input arena in the
    /// transport's DMA memory, sets the DMA window to that whole memory and enables the core
    /// (after a soft reset, whatever state it was in).
    pub fn new(mut transport: T, config: DriverConfig) -> Result<Self, OffloadError> {
        let id = transport.read_reg(layout::REG_ID);
        if id != layout::ID_VALUE {
            return Err(OffloadError::BadId { found: id });
        }
        let version = transport.read_reg(layout::REG_VERSION);
        if version >> 16 != layout::VERSION_VALUE >> 16 {
            return Err(OffloadError::BadVersion { found: version });
        }
        let base = transport.dma_base();
        let dma_len = transport.dma().len();
        let plan = config.plan(base, dma_len)?;
        let rings = Rings::new(config.ring_size).ok_or_else(|| internal("ring size"))?;
        // `plan` checked that `base + dma_len` does not wrap; the window bounds are 64-aligned.
        let window = (base, base + (dma_len / ENTRY_BYTES * ENTRY_BYTES) as u64);
        let alus = transport.read_reg(layout::REG_ALUS);
        let mut driver = Self {
            transport,
            config,
            layout: plan,
            window,
            rings,
            next_tag: 0,
            faults: 0,
            counts: FaultCounts::default(),
            needs_reset: true,
            healthy: true,
            alus,
        };
        driver.reset()?;
        Ok(driver)
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, for raw register and memory access (tests, diagnostics).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// The configuration.
    pub fn config(&self) -> &DriverConfig {
        &self.config
    }

    /// Where the rings, results and arena lie.
    pub fn layout(&self) -> &DmaLayout {
        &self.layout
    }

    /// The DMA window programmed into the core: `[base, limit)`.
    pub fn window(&self) -> (u64, u64) {
        self.window
    }

    /// Batches that fell back to the CPU (or, in a pool, to other devices) because of a
    /// device error.
    pub fn faults(&self) -> u64 {
        self.faults
    }

    /// Device faults by kind, and the soft resets that failed.
    pub fn fault_counts(&self) -> FaultCounts {
        self.counts
    }

    /// False once a soft reset failed: the device gets no more jobs (they run on the CPU)
    /// until [`Driver::recover`] succeeds.
    pub fn is_healthy(&self) -> bool {
        self.healthy
    }

    /// Tries to bring an unhealthy device back with a soft reset.
    pub fn recover(&mut self) -> Result<(), OffloadError> {
        self.reset()
    }

    /// The core's number of 256-bit ALUs, read when the driver started.
    pub fn alus(&self) -> u32 {
        self.alus
    }

    /// The core's completed-job counter (`JOBS`), read `HI, LO, HI` and retried when the two
    /// `HI` reads differ (a few times: a counter that keeps changing its high word is broken).
    pub fn device_jobs(&mut self) -> u64 {
        let mut hi = self.transport.read_reg(layout::REG_JOBS_HI);
        let mut lo = self.transport.read_reg(layout::REG_JOBS_LO);
        for _ in 0..4 {
            let again = self.transport.read_reg(layout::REG_JOBS_HI);
            if again == hi {
                break;
            }
            hi = again;
            lo = self.transport.read_reg(layout::REG_JOBS_LO);
        }
        (u64::from(hi) << 32) | u64::from(lo)
    }

    fn offset(&self, addr: u64) -> usize {
        // Every address the driver computes lies in its layout, above the DMA base.
        (addr - self.transport.dma_base()) as usize
    }

    /// Soft-resets the core (dropping every job in flight), waits for it to finish, and
    /// reprograms rings and window with zeroed rings. The device is healthy afterwards exactly
    /// when this succeeds.
    pub fn reset(&mut self) -> Result<(), OffloadError> {
        let result = self.try_reset();
        self.healthy = result.is_ok();
        result
    }

    fn try_reset(&mut self) -> Result<(), OffloadError> {
        self.needs_reset = true;
        self.transport
            .write_reg(layout::REG_CONTROL, layout::CONTROL_SOFT_RESET);
        let mut idle = Idle::new(self.transport.cycles());
        loop {
            let status = self.transport.read_reg(layout::REG_STATUS);
            if status & layout::STATUS_BIT_RESETTING == 0 {
                break;
            }
            self.transport.advance(self.config.advance_cycles);
            if idle.tick(self.transport.cycles(), &self.config) {
                return Err(OffloadError::ResetTimeout { status });
            }
        }
        self.program()?;
        self.rings.reset();
        let status = self.transport.read_reg(layout::REG_STATUS);
        let errors = layout::STATUS_BIT_CONFIG_ERROR | layout::STATUS_BIT_DMA_ERROR;
        if status & errors != 0 {
            return Err(OffloadError::ResetFailed(format!(
                "STATUS reads {status:#x} after the reset"
            )));
        }
        let sq_tail = self.transport.read_reg(layout::REG_SQ_TAIL);
        let cq_tail = self.transport.read_reg(layout::REG_CQ_TAIL);
        if sq_tail != 0 || cq_tail != 0 {
            return Err(OffloadError::ResetFailed(format!(
                "SQ_TAIL = {sq_tail}, CQ_TAIL = {cq_tail} after the reset"
            )));
        }
        self.needs_reset = false;
        Ok(())
    }

    /// Zeroes both rings (so no stale entry carries a valid phase bit), writes ring bases,
    /// size and window, and enables the core.
    fn program(&mut self) -> Result<(), OffloadError> {
        let l = self.layout;
        let (sq, results) = (self.offset(l.sq), self.offset(l.results));
        self.transport
            .dma()
            .get_mut(sq..results)
            .ok_or_else(|| internal("rings"))?
            .fill(0);
        let t = &mut self.transport;
        write64(t, layout::REG_SQ_BASE_LO, layout::REG_SQ_BASE_HI, l.sq);
        write64(t, layout::REG_CQ_BASE_LO, layout::REG_CQ_BASE_HI, l.cq);
        t.write_reg(layout::REG_RING_SIZE, self.config.ring_size);
        write64(
            t,
            layout::REG_WIN_BASE_LO,
            layout::REG_WIN_BASE_HI,
            self.window.0,
        );
        write64(
            t,
            layout::REG_WIN_LIMIT_LO,
            layout::REG_WIN_LIMIT_HI,
            self.window.1,
        );
        fence(Ordering::SeqCst);
        t.write_reg(layout::REG_CONTROL, layout::CONTROL_ENABLE);
        Ok(())
    }

    /// Writes `descs` into the submission ring and rings the doorbell once. Raw access: the
    /// descriptors go as they are, wherever they point.
    pub fn submit(&mut self, descs: &[Descriptor]) -> Result<(), OffloadError> {
        if descs.is_empty() {
            return Ok(());
        }
        let free = self.rings.free();
        if descs.len() > free as usize {
            return Err(OffloadError::RingFull {
                wanted: descs.len(),
                free,
            });
        }
        let sq = self.offset(self.layout.sq);
        for desc in descs {
            let index = self.rings.push().ok_or(OffloadError::RingFull {
                wanted: descs.len(),
                free,
            })?;
            let at = sq + self.rings.slot_offset(index);
            self.transport
                .dma()
                .get_mut(at..at + ENTRY_BYTES)
                .ok_or_else(|| internal("submission slot"))?
                .copy_from_slice(&desc.encode());
        }
        // The descriptors are in memory before the core can see the new head.
        fence(Ordering::SeqCst);
        self.transport
            .write_reg(layout::REG_SQ_HEAD, self.rings.sq_head());
        Ok(())
    }

    /// Consumes every valid completion; only when none is waiting, lets the device advance
    /// once first. Raw access: the completions are returned as they are, unchecked.
    ///
    /// Looking before advancing matters: the device keeps running while the driver works
    /// (on the simulated core, the `CQ_HEAD` write that acknowledges a completion takes a
    /// clock cycle), so a completion may land after the last look. `advance` returns early
    /// only for a completion written during the call, so without the look the driver would
    /// wait a whole `advance_cycles` for a result already in memory.
    pub fn poll(&mut self) -> Vec<Completion> {
        let waiting = self.collect();
        if !waiting.is_empty() {
            return waiting;
        }
        self.transport.advance(self.config.advance_cycles);
        self.collect()
    }

    /// Consumes the valid completions at the consumer index and acknowledges them (`CQ_HEAD`).
    fn collect(&mut self) -> Vec<Completion> {
        let cq = self.offset(self.layout.cq);
        let mut out = Vec::new();
        while self.rings.outstanding() > 0 {
            let at = cq + self.rings.slot_offset(self.rings.cq_head());
            let dma = self.transport.dma();
            let Some(phase) = dma.get(at + layout::compl::PHASE) else {
                break;
            };
            if !self.rings.is_valid(phase & 1 == 1) {
                break;
            }
            // The rest of the entry is read after its phase bit.
            fence(Ordering::Acquire);
            let mut entry = [0u8; ENTRY_BYTES];
            match dma.get(at..at + ENTRY_BYTES) {
                Some(bytes) => entry.copy_from_slice(bytes),
                None => break,
            }
            out.push(Completion::decode(&entry));
            self.rings.pop();
        }
        if !out.is_empty() {
            self.transport
                .write_reg(layout::REG_CQ_HEAD, self.rings.cq_head());
        }
        out
    }

    /// Keccak-256 of every input on the device, in input order (see [`Driver::run_jobs`]).
    pub fn keccak_batch(&mut self, inputs: &[&[u8]]) -> Result<Vec<[u8; 32]>, OffloadError> {
        let jobs: Vec<Job> = inputs.iter().map(|input| Job::keccak(input)).collect();
        self.run_jobs(&jobs)
    }

    /// Keccak-256 of every input, on the device when it works, else on the CPU (see
    /// [`Driver::run_jobs_or_cpu`]).
    pub fn keccak_batch_or_cpu(&mut self, inputs: &[&[u8]]) -> Vec<[u8; 32]> {
        let jobs: Vec<Job> = inputs.iter().map(|input| Job::keccak(input)).collect();
        self.run_valid_jobs_or_cpu(&jobs)
    }

    /// The result of every job on the device, in job order.
    ///
    /// One doorbell per chunk: the whole batch when it fits the ring and the input arena. On a
    /// device error the device is soft-reset before the error is returned.
    pub fn run_jobs(&mut self, jobs: &[Job]) -> Result<Vec<[u8; 32]>, OffloadError> {
        let mut out = Vec::with_capacity(jobs.len());
        self.run_batch(jobs, &mut out)?;
        Ok(out)
    }

    /// The result of every job, on the device when it works: after a device error (logged
    /// and counted in [`Driver::faults`]) the jobs not done yet run on the CPU, with the same
    /// results. Inputs larger than the input arena run on the CPU. The only error is a job
    /// that neither side can run ([`OffloadError::InvalidJob`]), found before anything runs.
    pub fn run_jobs_or_cpu(&mut self, jobs: &[Job]) -> Result<Vec<[u8; 32]>, OffloadError> {
        if let Some((index, job)) = jobs
            .iter()
            .enumerate()
            .find(|(_, job)| job.opcode != layout::OP_KECCAK256 && job.cpu_result().is_none())
        {
            return Err(OffloadError::InvalidJob {
                index,
                opcode: job.opcode,
                len: job.input.len(),
            });
        }
        Ok(self.run_valid_jobs_or_cpu(jobs))
    }

    /// [`Driver::run_jobs_or_cpu`] for jobs known to be valid.
    pub(crate) fn run_valid_jobs_or_cpu(&mut self, jobs: &[Job]) -> Vec<[u8; 32]> {
        if !self.healthy {
            return jobs.iter().map(cpu_result).collect();
        }
        let partial = self.run_until_fault(jobs);
        partial
            .results
            .into_iter()
            .zip(jobs)
            .map(|(done, job)| done.unwrap_or_else(|| cpu_result(job)))
            .collect()
    }

    /// Whether `job` runs on the CPU whatever the device's health: an input larger than the
    /// arena, or an ALU job for a core without ALUs.
    fn cpu_only(&self, job: &Job) -> bool {
        job.input.len() > self.layout.arena_bytes
            || (job.opcode != layout::OP_KECCAK256 && self.alus == 0)
    }

    /// Runs valid jobs on the device until done or until a device fault, which is counted
    /// (in [`Driver::faults`] and by kind), logged, and followed by a soft reset. Jobs only
    /// the CPU takes are computed here. An unhealthy device runs nothing.
    pub(crate) fn run_until_fault(&mut self, jobs: &[Job]) -> Partial {
        let on_cpu: Vec<bool> = jobs.iter().map(|job| self.cpu_only(job)).collect();
        let device_jobs: Vec<Job> = jobs
            .iter()
            .zip(&on_cpu)
            .filter(|(_, &cpu)| !cpu)
            .map(|(job, _)| *job)
            .collect();
        let mut done = Vec::with_capacity(device_jobs.len());
        let fault = match self.healthy {
            false => Some(OffloadError::Unhealthy),
            true => self.run_batch(&device_jobs, &mut done).err(),
        };
        if let Some(error) = &fault {
            if !matches!(error, OffloadError::Unhealthy) {
                self.record_fault(error, device_jobs.len() - done.len());
            }
        }
        let mut from_device = done.into_iter();
        let results = jobs
            .iter()
            .zip(on_cpu)
            .map(|(job, cpu)| match cpu {
                true => Some(cpu_result(job)),
                false => from_device.next(),
            })
            .collect();
        Partial { results, fault }
    }

    /// Counts and logs a fault that interrupted a run with `pending` jobs not done.
    fn record_fault(&mut self, error: &OffloadError, pending: usize) {
        self.faults += 1;
        self.counts.record(error);
        tracing::warn!(
            device = self.transport.name(),
            %error,
            pending,
            healthy = self.healthy,
            "device fault; the pending jobs finish elsewhere"
        );
    }

    /// Runs `jobs` chunk by chunk, appending each completed chunk's results to `out`; on a
    /// device error, soft-resets and returns the error.
    fn run_batch(&mut self, jobs: &[Job], out: &mut Vec<[u8; 32]>) -> Result<(), OffloadError> {
        let max = self.layout.arena_bytes;
        if let Some((index, job)) = jobs.iter().enumerate().find(|(_, j)| j.input.len() > max) {
            return Err(OffloadError::InputTooLarge {
                index,
                len: job.input.len(),
                max,
            });
        }
        let result = self.run_chunks(jobs, out);
        if result.is_err() {
            if let Err(error) = self.reset() {
                self.counts.record(&error);
                tracing::warn!(
                    device = self.transport.name(),
                    %error,
                    "soft reset failed; the device is out of service"
                );
            }
        }
        result
    }

    fn run_chunks(&mut self, jobs: &[Job], out: &mut Vec<[u8; 32]>) -> Result<(), OffloadError> {
        if self.needs_reset || self.rings.outstanding() > 0 {
            // Raw jobs or an earlier failure left the rings busy: start from a clean device.
            self.reset()?;
        }
        let mut start = 0;
        while start < jobs.len() {
            let end = self.chunk_end(jobs, start);
            self.run_chunk(&jobs[start..end], out)?;
            start = end;
        }
        Ok(())
    }

    /// The end of the chunk starting at `start`: as many jobs as the ring and the arena
    /// hold, and at least one (every input fits the arena alone).
    fn chunk_end(&self, jobs: &[Job], start: usize) -> usize {
        let slots = self.rings.free().max(1) as usize;
        let mut bytes = 0usize;
        let mut end = start;
        while end < jobs.len() && end - start < slots {
            let need = jobs[end].input.len().next_multiple_of(ENTRY_BYTES);
            if end > start && bytes + need > self.layout.arena_bytes {
                break;
            }
            bytes += need;
            end += 1;
        }
        end
    }

    /// Copies one chunk into the arena, submits it with one doorbell, waits for every
    /// completion, and appends the results to `out`.
    fn run_chunk(&mut self, chunk: &[Job], out: &mut Vec<[u8; 32]>) -> Result<(), OffloadError> {
        let n = chunk.len();
        let first_tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(n as u64);
        let l = self.layout;
        let (arena, results) = (self.offset(l.arena), self.offset(l.results));
        let mut descs = Vec::with_capacity(n);
        let mut pos = 0usize;
        let dma = self.transport.dma();
        for (j, job) in chunk.iter().enumerate() {
            let input = job.input;
            dma.get_mut(arena + pos..arena + pos + input.len())
                .ok_or_else(|| internal("arena"))?
                .copy_from_slice(input);
            descs.push(Descriptor {
                tag: first_tag.wrapping_add(j as u64),
                src: l.arena + pos as u64,
                dst: l.results + (j * RESULT_BYTES) as u64,
                src_len: input.len() as u32,
                opcode: job.opcode,
            });
            pos += input.len().next_multiple_of(ENTRY_BYTES);
        }
        // A core that reports success without writing leaves zeros, not an older digest.
        dma.get_mut(results..results + n * RESULT_BYTES)
            .ok_or_else(|| internal("result slots"))?
            .fill(0);
        self.submit(&descs)?;

        let mut done = vec![false; n];
        let mut pending = n;
        let mut idle = Idle::new(self.transport.cycles());
        let mut stale_polls = 0;
        while pending > 0 {
            let completions = self.poll();
            let now = self.transport.cycles();
            if completions.is_empty() {
                self.check_running(pending, &mut stale_polls)?;
                if idle.tick(now, &self.config) {
                    return Err(OffloadError::Timeout {
                        pending,
                        cycles: idle.cycles(),
                        polls: idle.polls,
                    });
                }
                continue;
            }
            idle = Idle::new(now);
            stale_polls = 0;
            for c in completions {
                let j = c.tag.wrapping_sub(first_tag);
                let Some(j) = usize::try_from(j).ok().filter(|&j| j < n) else {
                    return Err(OffloadError::BadCompletion(format!(
                        "tag {} is not in flight (tags {first_tag}..{})",
                        c.tag,
                        first_tag.wrapping_add(n as u64)
                    )));
                };
                if done[j] {
                    return Err(OffloadError::BadCompletion(format!(
                        "second completion for tag {}",
                        c.tag
                    )));
                }
                if c.status != layout::STATUS_OK {
                    return Err(OffloadError::JobFailed {
                        tag: c.tag,
                        status: c.status,
                    });
                }
                done[j] = true;
                pending -= 1;
            }
        }
        // A write's error may come after the job's completion: trust the results only if the
        // core reports no DMA error once every completion is in.
        self.check_status()?;
        fence(Ordering::Acquire);
        let digests = self
            .transport
            .dma()
            .get(results..results + n * RESULT_BYTES)
            .ok_or_else(|| internal("result slots"))?;
        for digest in digests.chunks_exact(RESULT_BYTES) {
            let mut d = [0u8; 32];
            d.copy_from_slice(digest);
            out.push(d);
        }
        Ok(())
    }

    /// The STATUS errors that stop the core: all ones (gone), a configuration halt, a DMA
    /// error.
    fn check_status(&mut self) -> Result<(), OffloadError> {
        let status = self.transport.read_reg(layout::REG_STATUS);
        if status == u32::MAX {
            return Err(OffloadError::Gone);
        }
        if status & layout::STATUS_BIT_CONFIG_ERROR != 0 {
            return Err(OffloadError::Halted { status });
        }
        if status & layout::STATUS_BIT_DMA_ERROR != 0 {
            return Err(OffloadError::DmaError { status });
        }
        Ok(())
    }

    /// After a poll that brought nothing, with `pending` jobs of the chunk outstanding: the
    /// core must report no error, still be enabled (a core that reset itself reads disabled),
    /// and not report completions written that never became valid. The last check must hold
    /// on two polls in a row (`stale_polls`), so that a completion still on its way to memory
    /// is not taken for a bad one.
    fn check_running(&mut self, pending: usize, stale_polls: &mut u32) -> Result<(), OffloadError> {
        self.check_status()?;
        let control = self.transport.read_reg(layout::REG_CONTROL);
        if control & layout::CONTROL_ENABLE == 0 {
            return Err(OffloadError::DeviceReset { control, pending });
        }
        let tail = self.transport.read_reg(layout::REG_CQ_TAIL);
        let written = tail.wrapping_sub(self.rings.cq_head());
        if written == 0 || written > self.rings.outstanding() {
            *stale_polls = 0;
            return Ok(());
        }
        *stale_polls += 1;
        if *stale_polls < 2 {
            return Ok(());
        }
        Err(OffloadError::BadCompletion(format!(
            "CQ_TAIL reads {tail}, but the completion at {} keeps a stale phase bit",
            self.rings.cq_head()
        )))
    }
}
