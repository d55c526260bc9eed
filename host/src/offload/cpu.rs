//! `CpuDevice`: the software reference of the core's contract, always available.
//!
//! It has the core's register file and runs the same rules ([`layout::check_descriptor`], the
//! DMA window, the completion ring that never overruns, phase bits), hashing and computing
//! the ALU opcodes ([`alu`]) on the CPU. It
//! takes no time: `advance` processes every pending descriptor the completion ring has room
//! for, and `cycles` stays 0.
//!
//! Choices where `layout.rs` leaves the behaviour open: a ring size that is not a power of two
//! in `1..=MAX_RING_SIZE`, or a ring base that is not 64-byte aligned, stops the device with
//! [`layout::STATUS_BIT_CONFIG_ERROR`] like a ring slot outside the window; the window in
//! effect is the programmed one cut down to the DMA memory this device has.

use super::alu;
use super::error::OffloadError;
use super::layout::{self, Completion, Descriptor, ENTRY_BYTES, RESULT_BYTES};
use super::transport::Transport;
use memmap2::MmapMut;

/// Default bus address of DMA byte 0: far from 0, so a buffer offset is never mistaken for an
/// address.
pub const DEFAULT_DMA_BASE: u64 = 0x1_0000_0000;

/// The reference's number of ALUs (it runs every ALU opcode).
const CPU_ALUS: u32 = 1;

/// The software reference device.
pub struct CpuDevice {
    mem: MmapMut,
    base: u64,
    enabled: bool,
    config_error: bool,
    sq_base: u64,
    cq_base: u64,
    ring_size: u32,
    sq_head: u32,
    sq_tail: u32,
    cq_head: u32,
    cq_tail: u32,
    win_base: u64,
    win_limit: u64,
    jobs: u64,
}

/// The device stops: a ring slot it needs is unusable.
struct ConfigError;

impl CpuDevice {
    /// A device with `dma_bytes` of zeroed DMA memory at [`DEFAULT_DMA_BASE`].
    pub fn new(dma_bytes: usize) -> Result<Self, OffloadError> {
        Self::with_base(dma_bytes, DEFAULT_DMA_BASE)
    }

    /// A device with `dma_bytes` of zeroed DMA memory whose byte 0 is at bus address `base`.
    pub fn with_base(dma_bytes: usize, base: u64) -> Result<Self, OffloadError> {
        if dma_bytes == 0 {
            return Err(OffloadError::Config(
                "the DMA memory cannot be empty".into(),
            ));
        }
        if base.checked_add(dma_bytes as u64).is_none() {
            return Err(OffloadError::Config(format!(
                "DMA memory of {dma_bytes} bytes at {base:#x} wraps the address space"
            )));
        }
        let mem = MmapMut::map_anon(dma_bytes).map_err(|source| OffloadError::Memory {
            bytes: dma_bytes,
            source,
        })?;
        Ok(Self {
            mem,
            base,
            enabled: false,
            config_error: false,
            sq_base: 0,
            cq_base: 0,
            ring_size: 0,
            sq_head: 0,
            sq_tail: 0,
            cq_head: 0,
            cq_tail: 0,
            win_base: 0,
            win_limit: 0,
            jobs: 0,
        })
    }

    fn status(&self) -> u32 {
        let mut s = 0;
        if self.enabled && !self.config_error && self.sq_head != self.sq_tail {
            s |= layout::STATUS_BIT_BUSY;
        }
        if self.config_error {
            s |= layout::STATUS_BIT_CONFIG_ERROR;
        }
        s
    }

    fn soft_reset(&mut self) {
        self.sq_head = 0;
        self.sq_tail = 0;
        self.cq_head = 0;
        self.cq_tail = 0;
        self.config_error = false;
        self.enabled = false;
    }

    /// The window in effect: the programmed one, within the memory this device has.
    fn window(&self) -> (u64, u64) {
        let end = self.base + self.mem.len() as u64;
        (self.win_base.max(self.base), self.win_limit.min(end))
    }

    /// Offset in `mem` of ring index `index` of the ring at `ring_base`, if the whole slot
    /// lies in the window.
    fn ring_slot(&self, ring_base: u64, index: u32) -> Result<usize, ConfigError> {
        let size = self.ring_size;
        if !size.is_power_of_two() || size > layout::MAX_RING_SIZE {
            return Err(ConfigError);
        }
        if !ring_base.is_multiple_of(ENTRY_BYTES as u64) {
            return Err(ConfigError);
        }
        let slot = u64::from(index & (size - 1)) * ENTRY_BYTES as u64;
        let addr = ring_base.checked_add(slot).ok_or(ConfigError)?;
        let end = addr.checked_add(ENTRY_BYTES as u64).ok_or(ConfigError)?;
        let (win_base, win_limit) = self.window();
        if addr < win_base || end > win_limit {
            return Err(ConfigError);
        }
        usize::try_from(addr - self.base).map_err(|_| ConfigError)
    }

    /// Runs the descriptor at `SQ_TAIL` and writes its completion at `CQ_TAIL`.
    fn step(&mut self) -> Result<(), ConfigError> {
        let sq_off = self.ring_slot(self.sq_base, self.sq_tail)?;
        let cq_off = self.ring_slot(self.cq_base, self.cq_tail)?;
        let mut entry = [0u8; ENTRY_BYTES];
        entry.copy_from_slice(
            self.mem
                .get(sq_off..sq_off + ENTRY_BYTES)
                .ok_or(ConfigError)?,
        );
        let desc = Descriptor::decode(&entry);
        let (win_base, win_limit) = self.window();
        let mut status = layout::check_descriptor(&desc, win_base, win_limit, CPU_ALUS);
        if status == layout::STATUS_OK && self.run(&desc).is_none() {
            // Unreachable when the check holds (the window lies inside the memory); kept so
            // that no input can make the reference index out of bounds.
            status = layout::STATUS_OUT_OF_WINDOW;
        }
        let completion = Completion {
            tag: desc.tag,
            status,
            phase: layout::phase_of(self.cq_tail, self.ring_size),
        };
        self.mem
            .get_mut(cq_off..cq_off + ENTRY_BYTES)
            .ok_or(ConfigError)?
            .copy_from_slice(&completion.encode());
        self.sq_tail = self.sq_tail.wrapping_add(1);
        self.cq_tail = self.cq_tail.wrapping_add(1);
        self.jobs += 1;
        Ok(())
    }

    /// Runs a checked descriptor (Keccak-256 or an ALU opcode) and writes its result; `None`
    /// if it leaves the memory.
    fn run(&mut self, desc: &Descriptor) -> Option<()> {
        let src = usize::try_from(desc.src.checked_sub(self.base)?).ok()?;
        let dst = usize::try_from(desc.dst.checked_sub(self.base)?).ok()?;
        let len = usize::try_from(desc.src_len).ok()?;
        let input = self.mem.get(src..src.checked_add(len)?)?;
        let result = if desc.opcode == layout::OP_KECCAK256 {
            alloy_primitives::keccak256(input).0
        } else {
            alu::evaluate_bytes(desc.opcode, input)?
        };
        self.mem
            .get_mut(dst..dst.checked_add(RESULT_BYTES)?)?
            .copy_from_slice(&result);
        Some(())
    }
}

fn set_lo(reg: &mut u64, v: u32) {
    *reg = (*reg & !0xFFFF_FFFF) | u64::from(v);
}

fn set_hi(reg: &mut u64, v: u32) {
    *reg = (*reg & 0xFFFF_FFFF) | (u64::from(v) << 32);
}

impl Transport for CpuDevice {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn read_reg(&mut self, off: u32) -> u32 {
        match off {
            layout::REG_ID => layout::ID_VALUE,
            layout::REG_VERSION => layout::VERSION_VALUE,
            layout::REG_STATUS => self.status(),
            layout::REG_CONTROL => u32::from(self.enabled) * layout::CONTROL_ENABLE,
            layout::REG_SQ_BASE_LO => self.sq_base as u32,
            layout::REG_SQ_BASE_HI => (self.sq_base >> 32) as u32,
            layout::REG_RING_SIZE => self.ring_size,
            layout::REG_SQ_HEAD => self.sq_head,
            layout::REG_SQ_TAIL => self.sq_tail,
            layout::REG_CQ_BASE_LO => self.cq_base as u32,
            layout::REG_CQ_BASE_HI => (self.cq_base >> 32) as u32,
            layout::REG_CQ_HEAD => self.cq_head,
            layout::REG_CQ_TAIL => self.cq_tail,
            layout::REG_WIN_BASE_LO => self.win_base as u32,
            layout::REG_WIN_BASE_HI => (self.win_base >> 32) as u32,
            layout::REG_WIN_LIMIT_LO => self.win_limit as u32,
            layout::REG_WIN_LIMIT_HI => (self.win_limit >> 32) as u32,
            layout::REG_JOBS_LO => self.jobs as u32,
            layout::REG_JOBS_HI => (self.jobs >> 32) as u32,
            layout::REG_ALUS => CPU_ALUS,
            // CYCLES, BUSY, ENGINES, ROUNDS: the reference has no clock and no engines.
            _ => 0,
        }
    }

    fn write_reg(&mut self, off: u32, v: u32) {
        match off {
            layout::REG_CONTROL => {
                if v & layout::CONTROL_SOFT_RESET != 0 {
                    self.soft_reset();
                } else {
                    self.enabled = v & layout::CONTROL_ENABLE != 0;
                }
            }
            layout::REG_SQ_BASE_LO => set_lo(&mut self.sq_base, v),
            layout::REG_SQ_BASE_HI => set_hi(&mut self.sq_base, v),
            layout::REG_RING_SIZE => self.ring_size = v,
            layout::REG_SQ_HEAD => self.sq_head = v,
            layout::REG_CQ_BASE_LO => set_lo(&mut self.cq_base, v),
            layout::REG_CQ_BASE_HI => set_hi(&mut self.cq_base, v),
            layout::REG_CQ_HEAD => self.cq_head = v,
            layout::REG_WIN_BASE_LO => set_lo(&mut self.win_base, v),
            layout::REG_WIN_BASE_HI => set_hi(&mut self.win_base, v),
            layout::REG_WIN_LIMIT_LO => set_lo(&mut self.win_limit, v),
            layout::REG_WIN_LIMIT_HI => set_hi(&mut self.win_limit, v),
            // Read-only and unknown registers ignore writes.
            _ => {}
        }
    }

    fn dma_base(&self) -> u64 {
        self.base
    }

    fn dma(&mut self) -> &mut [u8] {
        &mut self.mem
    }

    /// Processes descriptors from `SQ_TAIL` to `SQ_HEAD` while enabled, stopping when the
    /// completion ring is full. Each descriptor needs one completion slot and the ring holds
    /// at most `size` unconsumed entries, so one call does at most `size` jobs whatever the
    /// registers hold.
    fn advance(&mut self, _cycles: u64) {
        if !self.enabled {
            return;
        }
        while !self.config_error && self.sq_tail != self.sq_head {
            // A CQ_HEAD ahead of CQ_TAIL (a host bug) also reads as full: wrapping_sub is huge.
            if self.cq_tail.wrapping_sub(self.cq_head) >= self.ring_size {
                break;
            }
            if self.step().is_err() {
                self.config_error = true;
            }
        }
    }

    fn cycles(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = DEFAULT_DMA_BASE;

    fn device() -> CpuDevice {
        let mut d = CpuDevice::new(64 * 1024).expect("device");
        d.write_reg(layout::REG_SQ_BASE_LO, BASE as u32);
        d.write_reg(layout::REG_SQ_BASE_HI, (BASE >> 32) as u32);
        let cq = BASE + 4096;
        d.write_reg(layout::REG_CQ_BASE_LO, cq as u32);
        d.write_reg(layout::REG_CQ_BASE_HI, (cq >> 32) as u32);
        d.write_reg(layout::REG_RING_SIZE, 4);
        let limit = BASE + 64 * 1024;
        d.write_reg(layout::REG_WIN_BASE_LO, BASE as u32);
        d.write_reg(layout::REG_WIN_BASE_HI, (BASE >> 32) as u32);
        d.write_reg(layout::REG_WIN_LIMIT_LO, limit as u32);
        d.write_reg(layout::REG_WIN_LIMIT_HI, (limit >> 32) as u32);
        d.write_reg(layout::REG_CONTROL, layout::CONTROL_ENABLE);
        d
    }

    fn put_desc(d: &mut CpuDevice, index: u32, desc: &Descriptor) {
        let off = (index as usize % 4) * ENTRY_BYTES;
        d.dma()[off..off + ENTRY_BYTES].copy_from_slice(&desc.encode());
    }

    fn completion(d: &mut CpuDevice, index: u32) -> Completion {
        let off = 4096 + (index as usize % 4) * ENTRY_BYTES;
        let mut e = [0u8; ENTRY_BYTES];
        e.copy_from_slice(&d.dma()[off..off + ENTRY_BYTES]);
        Completion::decode(&e)
    }

    fn job(tag: u64) -> Descriptor {
        Descriptor {
            tag,
            src: BASE + 8192,
            dst: BASE + 16384 + 32 * tag,
            src_len: 3,
            opcode: layout::OP_KECCAK256,
        }
    }

    #[test]
    fn identifies_itself() {
        let mut d = CpuDevice::new(4096).expect("device");
        assert_eq!(d.read_reg(layout::REG_ID), layout::ID_VALUE);
        assert_eq!(d.read_reg(layout::REG_VERSION), layout::VERSION_VALUE);
        assert_eq!(d.read_reg(layout::REG_ENGINES), 0);
        assert_eq!(d.read_reg(0xFFFC), 0);
    }

    #[test]
    fn hashes_and_stops_when_the_completion_ring_is_full() {
        let mut d = device();
        d.dma()[8192..8195].copy_from_slice(b"abc");
        for i in 0..4 {
            put_desc(&mut d, i, &job(u64::from(i)));
        }
        d.write_reg(layout::REG_SQ_HEAD, 4);
        d.advance(1);
        assert_eq!(d.read_reg(layout::REG_CQ_TAIL), 4);
        for i in 0..4 {
            let c = completion(&mut d, i);
            assert_eq!((c.tag, c.status, c.phase), (u64::from(i), 0, true));
        }
        let want = alloy_primitives::keccak256(b"abc");
        assert_eq!(&d.dma()[16384..16416], want.as_slice());
        // Four more: the ring is full until the host consumes.
        for i in 4..8 {
            put_desc(&mut d, i, &job(u64::from(i)));
        }
        d.write_reg(layout::REG_SQ_HEAD, 8);
        d.advance(1);
        assert_eq!(d.read_reg(layout::REG_SQ_TAIL), 4);
        assert_ne!(d.read_reg(layout::REG_STATUS) & layout::STATUS_BIT_BUSY, 0);
        d.write_reg(layout::REG_CQ_HEAD, 2);
        d.advance(1);
        assert_eq!(d.read_reg(layout::REG_CQ_TAIL), 6);
        let c = completion(&mut d, 4);
        assert_eq!((c.tag, c.phase), (4, false));
        assert_eq!(d.read_reg(layout::REG_JOBS_LO), 6);
    }

    #[test]
    fn ring_outside_the_window_is_a_sticky_config_error() {
        let mut d = device();
        let limit = BASE + 2048; // the CQ at BASE + 4096 is outside
        d.write_reg(layout::REG_WIN_LIMIT_LO, limit as u32);
        put_desc(&mut d, 0, &job(0));
        d.write_reg(layout::REG_SQ_HEAD, 1);
        d.advance(1);
        assert_eq!(d.read_reg(layout::REG_SQ_TAIL), 0);
        let status = d.read_reg(layout::REG_STATUS);
        assert_ne!(status & layout::STATUS_BIT_CONFIG_ERROR, 0);
        d.write_reg(layout::REG_CONTROL, layout::CONTROL_SOFT_RESET);
        assert_eq!(d.read_reg(layout::REG_STATUS), 0);
        assert_eq!(d.read_reg(layout::REG_CONTROL), 0);
        assert_eq!(
            d.read_reg(layout::REG_RING_SIZE),
            4,
            "reset keeps the ring size"
        );
    }

    #[test]
    fn garbage_registers_do_not_panic() {
        for size in [0, 3, u32::MAX, layout::MAX_RING_SIZE * 2] {
            let mut d = device();
            d.write_reg(layout::REG_RING_SIZE, size);
            d.write_reg(layout::REG_SQ_BASE_HI, u32::MAX);
            d.write_reg(layout::REG_SQ_HEAD, u32::MAX);
            d.write_reg(layout::REG_CQ_HEAD, 12345);
            d.advance(u64::MAX);
            d.write_reg(layout::REG_WIN_LIMIT_HI, u32::MAX);
            d.write_reg(layout::REG_WIN_BASE_HI, u32::MAX);
            d.advance(1);
        }
        let mut d = device();
        put_desc(
            &mut d,
            0,
            &Descriptor {
                src: u64::MAX - 63,
                src_len: u32::MAX,
                ..job(0)
            },
        );
        d.write_reg(layout::REG_SQ_HEAD, 1);
        d.advance(1);
        assert_eq!(completion(&mut d, 0).status, layout::STATUS_OUT_OF_WINDOW);
    }
}
