//! An AWS F1/F2 FPGA slot as a [`Transport`]: registers through the SDK's peek and poke on the
//! application PF's BAR0 (the OCL AXI-Lite window the fpevm shell maps the core's register
//! port to), DMA memory in pinned huge pages that the core masters over PCIM, time from the
//! core's `CYCLES` counter.
//!
//! Bus addresses: F1 and F2 instances give the custom logic's PCIM master no IOMMU
//! translation, so the bus address of a host page is its physical address, found through
//! `/proc/self/pagemap` (which shows frame numbers only to a process with `CAP_SYS_ADMIN`:
//! run as root). The core sees one window, so the DMA memory must be physically contiguous;
//! one huge page always is, and [`AwsError::NotContiguous`] says when a larger region is not.
//!
//! Memory ordering: descriptors are written with ordinary stores before the doorbell's
//! uncached MMIO write, with a full fence between; completions are read after a fence in
//! [`Transport::advance`]. x86 PCIe DMA is cache-coherent, so no flushes are needed.
//!
//! Nothing here has run on F1/F2 hardware. What is tested without it: the ID and version
//! check, the SDK calls (against the fake SDK library of `fpevm-sys`), pagemap parsing and
//! the contiguity rule, the huge page size parser, and the typed errors.

use super::error::OffloadError;
use super::layout;
use super::transport::Transport;
use fpevm_sys::{PciBar, Sdk, SdkError};
use std::ptr::NonNull;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Frequency of `clk_main_a0`, the core's clock: 250 MHz on F2, and on F1 with clock recipe A1
/// (the F1 build's default A0 gives 125 MHz). Only [`Transport::advance`]'s waits use it;
/// timeouts count the core's own `CYCLES`.
pub const CLOCK_HZ: u64 = 250_000_000;
/// Environment variable choosing the slot `--device aws` opens (default 0).
pub const SLOT_ENV: &str = "FPEVM_AWS_SLOT";
/// Longest single wait in [`Transport::advance`]: the driver polls again after it.
const MAX_ADVANCE_WAIT: Duration = Duration::from_millis(1);
/// Waits shorter than this spin; longer ones sleep.
const SPIN_LIMIT: Duration = Duration::from_micros(50);
/// Longest wait for the core to finish a soft reset when the device is closed.
const RESET_WAIT: Duration = Duration::from_millis(10);
/// Reads of a split 64-bit counter before its last reading is taken as it is.
const COUNTER_TRIES: usize = 3;

/// Why the aws transport could not open or serve a slot.
#[derive(Debug, Error)]
pub enum AwsError {
    /// The SDK could not be loaded, or one of its calls failed.
    #[error(transparent)]
    Sdk(#[from] SdkError),
    /// The ID register does not hold [`layout::ID_VALUE`]: the slot holds no fpevm AFI.
    #[error(
        "slot {slot} holds no fpevm core: the ID register reads {found:#010x}, expected {:#010x} (load the AFI: fpevm device load)",
        layout::ID_VALUE
    )]
    BadId {
        /// The slot.
        slot: u32,
        /// What the ID register reads.
        found: u32,
    },
    /// The core's major version is not the one this driver speaks.
    #[error(
        "slot {slot}: core version {found:#010x} is not supported (the driver speaks {:#010x})",
        layout::VERSION_VALUE
    )]
    BadVersion {
        /// The slot.
        slot: u32,
        /// What the VERSION register reads.
        found: u32,
    },
    /// An empty DMA region was asked for.
    #[error("the DMA memory cannot be empty")]
    EmptyDma,
    /// The huge pages could not be mapped (none reserved, or too few).
    #[error(
        "cannot map {bytes} bytes of {page_bytes}-byte huge pages: {source} (reserve them: echo N | sudo tee /proc/sys/vm/nr_hugepages)"
    )]
    HugePages {
        /// Bytes asked for, rounded up to whole huge pages.
        bytes: usize,
        /// The huge page size.
        page_bytes: usize,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The DMA memory could not be locked in RAM.
    #[error("cannot lock {bytes} bytes of DMA memory: {source}")]
    Lock {
        /// Bytes to lock.
        bytes: usize,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// `/proc/self/pagemap` could not be read.
    #[error("cannot read /proc/self/pagemap: {0}")]
    Pagemap(std::io::Error),
    /// A page of the DMA memory is not in RAM.
    #[error("page {index} of the DMA memory is not present in RAM")]
    NotPresent {
        /// Its index in 4 KiB pages from the region's start.
        index: usize,
    },
    /// The kernel hides frame numbers from this process.
    #[error("/proc/self/pagemap hides physical addresses from this process: bus addresses need CAP_SYS_ADMIN (run as root)")]
    AddressesHidden,
    /// The DMA memory is not one physically contiguous range.
    #[error("the DMA memory is not physically contiguous: page {index} is at {found:#x}, not {expected:#x} (use a region of one huge page)")]
    NotContiguous {
        /// The first page out of line, in 4 KiB pages from the region's start.
        index: usize,
        /// Where it would have to be.
        expected: u64,
        /// Where it is.
        found: u64,
    },
    /// A physical address that does not fit in 64 bits (a corrupt pagemap entry).
    #[error("pagemap entry of page {index} gives an address past 2^64")]
    AddressOverflow {
        /// The page's index.
        index: usize,
    },
}

impl From<AwsError> for OffloadError {
    /// A missing SDK library is [`OffloadError::Unavailable`] (this machine has no F1/F2
    /// slot), the ID and version checks keep their driver errors, the rest is
    /// [`OffloadError::Device`] with the full message.
    fn from(e: AwsError) -> Self {
        match e {
            AwsError::Sdk(SdkError::Load { .. }) => OffloadError::Unavailable(
                "the aws transport cannot load the AWS FPGA SDK library libfpga_mgmt.so on this machine (install the SDK, or set FPEVM_FPGA_MGMT_LIB)",
            ),
            AwsError::BadId { found, .. } => OffloadError::BadId { found },
            AwsError::BadVersion { found, .. } => OffloadError::BadVersion { found },
            other => OffloadError::Device(other.to_string()),
        }
    }
}

/// Checks that the core answering `read` is an fpevm core whose major version this driver
/// speaks. `read` returns the 32-bit register at a byte offset.
pub fn check_core(
    slot: u32,
    mut read: impl FnMut(u32) -> Result<u32, SdkError>,
) -> Result<(), AwsError> {
    let id = read(layout::REG_ID)?;
    if id != layout::ID_VALUE {
        return Err(AwsError::BadId { slot, found: id });
    }
    let version = read(layout::REG_VERSION)?;
    if version >> 16 != layout::VERSION_VALUE >> 16 {
        return Err(AwsError::BadVersion {
            slot,
            found: version,
        });
    }
    Ok(())
}

/// `/proc/self/pagemap`: one little-endian u64 per 4 KiB virtual page.
pub mod pagemap {
    use super::AwsError;
    use std::os::unix::fs::FileExt;

    /// Bytes of the pages pagemap describes (the kernel's base page; 4 KiB on x86-64).
    pub const PAGE_BYTES: u64 = 4096;
    /// Entry bit 63: the page is present in RAM.
    pub const PRESENT: u64 = 1 << 63;
    /// Entry bits 54:0: the page frame number (0 when hidden from the reader).
    pub const FRAME_MASK: u64 = (1 << 55) - 1;

    /// The entries in `bytes` (8 bytes each; a trailing partial entry is ignored).
    pub fn parse(bytes: &[u8]) -> Vec<u64> {
        bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()
    }

    /// The physical address of the first page, if `entries` (of consecutive virtual pages)
    /// describe one physically contiguous range of present pages.
    pub fn contiguous_base(entries: &[u64]) -> Result<u64, AwsError> {
        let mut first = None;
        for (index, &entry) in entries.iter().enumerate() {
            if entry & PRESENT == 0 {
                return Err(AwsError::NotPresent { index });
            }
            let frame = entry & FRAME_MASK;
            if frame == 0 {
                return Err(AwsError::AddressesHidden);
            }
            let found = frame
                .checked_mul(PAGE_BYTES)
                .ok_or(AwsError::AddressOverflow { index })?;
            let base = *first.get_or_insert(found);
            let expected = (index as u64)
                .checked_mul(PAGE_BYTES)
                .and_then(|off| base.checked_add(off))
                .ok_or(AwsError::AddressOverflow { index })?;
            if found != expected {
                return Err(AwsError::NotContiguous {
                    index,
                    expected,
                    found,
                });
            }
        }
        first.ok_or(AwsError::EmptyDma)
    }

    /// The pagemap entries of the `pages` 4 KiB pages from virtual address `addr`.
    pub fn read(addr: usize, pages: usize) -> Result<Vec<u64>, AwsError> {
        let file = std::fs::File::open("/proc/self/pagemap").map_err(AwsError::Pagemap)?;
        let mut bytes = vec![0u8; pages * 8];
        let offset = (addr as u64 / PAGE_BYTES) * 8;
        file.read_exact_at(&mut bytes, offset)
            .map_err(AwsError::Pagemap)?;
        Ok(parse(&bytes))
    }
}

/// The default huge page size from `/proc/meminfo` text (`Hugepagesize: 2048 kB`).
pub fn huge_page_bytes(meminfo: &str) -> Option<usize> {
    let line = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("Hugepagesize:"))?;
    let kib = line
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<usize>()
        .ok()?;
    kib.checked_mul(1024).filter(|b| b.is_power_of_two())
}

/// DMA memory: anonymous huge pages, populated, locked, physically contiguous. Invariant:
/// `ptr..ptr + mapped` is a live private mapping owned by this value; `len <= mapped`.
pub struct DmaRegion {
    ptr: NonNull<u8>,
    len: usize,
    mapped: usize,
    bus: u64,
}

// SAFETY: the mapping is owned exclusively by the region and reached only through `&mut self`.
unsafe impl Send for DmaRegion {}

impl DmaRegion {
    /// `bytes` of zeroed DMA memory in the system's default huge pages.
    pub fn new(bytes: usize) -> Result<Self, AwsError> {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let page_bytes = huge_page_bytes(&meminfo).unwrap_or(2 << 20);
        Self::map(bytes, page_bytes, libc::MAP_HUGETLB)
    }

    /// Maps `bytes` rounded up to `page_bytes` with the extra mmap `flags`, locks it and
    /// finds its bus address.
    fn map(bytes: usize, page_bytes: usize, flags: libc::c_int) -> Result<Self, AwsError> {
        if bytes == 0 {
            return Err(AwsError::EmptyDma);
        }
        let mapped = bytes.div_ceil(page_bytes) * page_bytes;
        // SAFETY: a fresh anonymous private mapping; no existing memory is touched.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE | flags,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return Err(AwsError::HugePages {
                bytes: mapped,
                page_bytes,
                source: std::io::Error::last_os_error(),
            });
        }
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or(AwsError::EmptyDma)?;
        // From here on, Drop unmaps.
        let mut region = Self {
            ptr,
            len: bytes,
            mapped,
            bus: 0,
        };
        // SAFETY: the range is the mapping just made.
        if unsafe { libc::mlock(raw, mapped) } != 0 {
            return Err(AwsError::Lock {
                bytes: mapped,
                source: std::io::Error::last_os_error(),
            });
        }
        let pages = mapped / pagemap::PAGE_BYTES as usize;
        let entries = pagemap::read(raw as usize, pages)?;
        region.bus = pagemap::contiguous_base(&entries)?;
        Ok(region)
    }

    /// Bus (physical) address of byte 0.
    pub fn bus_address(&self) -> u64 {
        self.bus
    }

    /// The memory.
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: type invariant: `len` bytes of a live mapping owned by `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for DmaRegion {
    fn drop(&mut self) {
        // SAFETY: type invariant; nothing refers to the mapping once the region is dropped
        // (the device is stopped by its owner first, see AwsDevice's Drop).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.mapped);
        }
    }
}

/// One F1/F2 slot holding the fpevm AFI, with its DMA memory.
pub struct AwsDevice {
    bar: PciBar,
    dma: DmaRegion,
    /// The first register access that failed: reads return all ones from then on.
    fault: Option<SdkError>,
}

impl AwsDevice {
    /// Opens slot `slot` through the SDK library [`Sdk::load`] finds, with `dma_bytes` of DMA
    /// memory.
    pub fn open(slot: u32, dma_bytes: usize) -> Result<Self, AwsError> {
        Self::open_with(Arc::new(Sdk::load()?), slot, dma_bytes)
    }

    /// Opens slot `slot` through `sdk`: attaches the OCL BAR, checks the core's ID and
    /// version, then allocates the DMA memory.
    pub fn open_with(sdk: Arc<Sdk>, slot: u32, dma_bytes: usize) -> Result<Self, AwsError> {
        let bar = PciBar::ocl(sdk, slot)?;
        check_core(slot, |off| bar.peek(u64::from(off)))?;
        let dma = DmaRegion::new(dma_bytes)?;
        Ok(Self {
            bar,
            dma,
            fault: None,
        })
    }

    /// The slot.
    pub fn slot(&self) -> u32 {
        self.bar.slot()
    }

    /// The first failed register access, if any.
    pub fn fault(&self) -> Option<&SdkError> {
        self.fault.as_ref()
    }

    /// Reads a 64-bit counter split in `_LO`/`_HI` registers: `HI, LO, HI`, retried while
    /// the two `HI` reads differ (the layout's rule). `HI` moves once per 2^32 counts, so a
    /// second try agrees unless the registers are broken; after [`COUNTER_TRIES`] the last
    /// reading is returned.
    fn counter(&self, lo: u32, hi: u32) -> Result<u64, SdkError> {
        let mut value = 0;
        for _ in 0..COUNTER_TRIES {
            let h1 = self.bar.peek(u64::from(hi))?;
            let l = self.bar.peek(u64::from(lo))?;
            let h2 = self.bar.peek(u64::from(hi))?;
            value = (u64::from(h2) << 32) | u64::from(l);
            if h1 == h2 {
                break;
            }
        }
        Ok(value)
    }

    /// Soft-resets the core and waits (at most [`RESET_WAIT`]) until it reports neither a
    /// reset in progress nor work in flight, so that it masters no DMA memory afterwards.
    fn quiesce(&self) -> Result<(), SdkError> {
        let status = u64::from(layout::REG_STATUS);
        self.bar
            .poke(u64::from(layout::REG_CONTROL), layout::CONTROL_SOFT_RESET)?;
        let start = Instant::now();
        while start.elapsed() < RESET_WAIT {
            let s = self.bar.peek(status)?;
            if s & (layout::STATUS_BIT_RESETTING | layout::STATUS_BIT_BUSY) == 0 {
                return Ok(());
            }
            std::hint::spin_loop();
        }
        Ok(())
    }
}

impl Drop for AwsDevice {
    /// Stops the core mastering the DMA memory before the memory is unmapped (the fields
    /// drop after this): a huge page freed while the core still wrote into it could already
    /// belong to another process.
    fn drop(&mut self) {
        if let Err(e) = self.quiesce() {
            tracing::error!(slot = self.slot(), "soft reset on close failed: {e}");
        }
    }
}

impl Transport for AwsDevice {
    fn name(&self) -> &'static str {
        "aws"
    }

    /// A failed access reads as all ones (as a PCIe read that found no device) and is kept
    /// in [`AwsDevice::fault`]; the driver then sees a bad completion index or a timeout.
    fn read_reg(&mut self, off: u32) -> u32 {
        match self.bar.peek(u64::from(off)) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(slot = self.slot(), off, "register read failed: {e}");
                self.fault.get_or_insert(e);
                u32::MAX
            }
        }
    }

    fn write_reg(&mut self, off: u32, v: u32) {
        // Descriptors written to DMA memory are visible before the doorbell.
        fence(Ordering::SeqCst);
        if let Err(e) = self.bar.poke(u64::from(off), v) {
            tracing::error!(slot = self.slot(), off, "register write failed: {e}");
            self.fault.get_or_insert(e);
        }
    }

    fn dma_base(&self) -> u64 {
        self.dma.bus_address()
    }

    fn dma(&mut self) -> &mut [u8] {
        self.dma.bytes()
    }

    /// The hardware runs by itself: waits about `cycles` clock periods (at most
    /// [`MAX_ADVANCE_WAIT`]) or until the core writes a completion, whichever is first (see
    /// [`wait_for_completion`]), then fences so completions the core wrote are read fresh.
    fn advance(&mut self, cycles: u64) {
        let nanos = cycles.saturating_mul(1_000_000_000) / CLOCK_HZ;
        let wait = Duration::from_nanos(nanos).min(MAX_ADVANCE_WAIT);
        wait_for_completion(|| self.read_reg(layout::REG_CQ_TAIL), wait);
        fence(Ordering::SeqCst);
    }

    /// The core's `CYCLES` counter; 0 when it cannot be read.
    fn cycles(&self) -> u64 {
        self.counter(layout::REG_CYCLES_LO, layout::REG_CYCLES_HI)
            .unwrap_or(0)
    }
}

/// Waits up to `wait` for a completion: returns as soon as `cq_tail` (the core's `CQ_TAIL`)
/// reads differently from its first reading. Each reading is a PCIe round trip of about a
/// microsecond, which paces the spin; waits longer than [`SPIN_LIMIT`] sleep after spinning
/// that long. Without this, a lane waiting on one offloaded opcode waited out the whole
/// `advance_cycles` budget (16 µs by default) however early the core finished.
fn wait_for_completion(mut cq_tail: impl FnMut() -> u32, wait: Duration) {
    let start = Instant::now();
    let first = cq_tail();
    while start.elapsed() < wait.min(SPIN_LIMIT) {
        if cq_tail() != first {
            return;
        }
        std::hint::spin_loop();
    }
    if let Some(rest) = wait.checked_sub(start.elapsed()) {
        if wait > SPIN_LIMIT {
            std::thread::sleep(rest);
        }
    }
}

/// Opens the `index`-th slot `--device aws` means (from [`slot_from_env`] on) for the
/// driver, logging the full reason of a failure before it becomes an [`OffloadError`].
pub fn open_for_driver(index: u32, dma_bytes: usize) -> Result<AwsDevice, OffloadError> {
    let slot = slot_from_env()? + index;
    AwsDevice::open(slot, dma_bytes).map_err(|e| {
        tracing::warn!(slot, "aws transport: {e}");
        OffloadError::from(e)
    })
}

/// The slot `--device aws` opens: [`SLOT_ENV`], else 0.
pub fn slot_from_env() -> Result<u32, OffloadError> {
    match std::env::var(SLOT_ENV) {
        Ok(s) => s
            .trim()
            .parse()
            .map_err(|_| OffloadError::Config(format!("{SLOT_ENV}={s:?} is not a slot number"))),
        Err(_) => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(frame: u64) -> u64 {
        pagemap::PRESENT | frame
    }

    #[test]
    fn a_wait_ends_at_the_first_completion() {
        let mut readings = 0;
        wait_for_completion(
            || {
                readings += 1;
                if readings < 3 {
                    5
                } else {
                    6
                }
            },
            Duration::from_secs(1),
        );
        assert_eq!(readings, 3, "the tail moved on the third reading");
        let mut readings = 0;
        wait_for_completion(
            || {
                readings += 1;
                5
            },
            Duration::ZERO,
        );
        assert_eq!(readings, 1, "a zero wait reads the tail once and returns");
    }

    #[test]
    fn pagemap_entries_parse_little_endian() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&entry(0x1234).to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.push(0xFF); // a partial entry is ignored
        assert_eq!(pagemap::parse(&bytes), vec![entry(0x1234), 0]);
    }

    #[test]
    fn contiguous_frames_give_the_base_address() {
        let entries: Vec<u64> = (0..512).map(|i| entry(0x8_0000 + i)).collect();
        assert_eq!(
            pagemap::contiguous_base(&entries).expect("contiguous"),
            0x8_0000 * 4096
        );
        // Bits 55..62 (soft-dirty, exclusive, ...) are flags, not part of the frame.
        let flagged: Vec<u64> = entries.iter().map(|e| e | (1 << 55) | (1 << 61)).collect();
        assert_eq!(
            pagemap::contiguous_base(&flagged).expect("contiguous"),
            0x8_0000 * 4096
        );
    }

    #[test]
    fn broken_regions_are_typed_errors() {
        let gap = [entry(10), entry(11), entry(13)];
        match pagemap::contiguous_base(&gap) {
            Err(AwsError::NotContiguous {
                index,
                expected,
                found,
            }) => {
                assert_eq!(index, 2);
                assert_eq!(expected, 12 * 4096);
                assert_eq!(found, 13 * 4096);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            pagemap::contiguous_base(&[entry(10), 11]),
            Err(AwsError::NotPresent { index: 1 })
        ));
        assert!(matches!(
            pagemap::contiguous_base(&[pagemap::PRESENT]),
            Err(AwsError::AddressesHidden)
        ));
        assert!(matches!(
            pagemap::contiguous_base(&[]),
            Err(AwsError::EmptyDma)
        ));
        assert!(matches!(
            pagemap::contiguous_base(&[entry(pagemap::FRAME_MASK)]),
            Err(AwsError::AddressOverflow { index: 0 })
        ));
    }

    #[test]
    fn this_process_pagemap_shows_a_touched_page_present() {
        // Needs no privilege: the present bit is always shown, frame numbers only to
        // CAP_SYS_ADMIN (so the frame is not asserted).
        let mut page = vec![0u8; 2 * pagemap::PAGE_BYTES as usize];
        page.iter_mut().for_each(|b| *b = 1);
        let addr = page.as_ptr() as usize;
        let entries = pagemap::read(addr, 1).expect("read pagemap");
        assert_eq!(entries.len(), 1);
        assert_ne!(entries[0] & pagemap::PRESENT, 0, "{:#x}", entries[0]);
    }

    #[test]
    fn huge_page_size_is_read_from_meminfo() {
        let meminfo = "MemTotal: 1 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n";
        assert_eq!(huge_page_bytes(meminfo), Some(2 << 20));
        assert_eq!(
            huge_page_bytes("Hugepagesize:    1048576 kB\n"),
            Some(1 << 30)
        );
        assert_eq!(huge_page_bytes("Hugepagesize: 3 kB\n"), None);
        assert_eq!(huge_page_bytes("Hugepagesize: lots\n"), None);
        assert_eq!(huge_page_bytes(""), None);
    }

    #[test]
    fn a_normal_page_region_maps_and_translates_or_says_why_not() {
        // Normal pages instead of huge pages: one 4 KiB page is trivially contiguous. As
        // root the bus address is found; otherwise the error says the kernel hides it.
        match DmaRegion::map(100, pagemap::PAGE_BYTES as usize, 0) {
            Ok(mut region) => {
                assert_eq!(region.bytes().len(), 100);
                assert!(region.bytes().iter().all(|&b| b == 0));
                assert_eq!(region.bus_address() % pagemap::PAGE_BYTES, 0);
                assert_ne!(region.bus_address(), 0);
                println!("bus address {:#x}", region.bus_address());
            }
            Err(e @ (AwsError::AddressesHidden | AwsError::Lock { .. })) => println!("{e}"),
            Err(other) => panic!("{other}"),
        }
        assert!(matches!(
            DmaRegion::map(0, 4096, 0),
            Err(AwsError::EmptyDma)
        ));
    }

    #[test]
    fn the_id_check_reads_id_then_version() {
        let regs = |id: u32, version: u32| {
            move |off: u32| match off {
                layout::REG_ID => Ok(id),
                layout::REG_VERSION => Ok(version),
                _ => Ok(0),
            }
        };
        check_core(0, regs(layout::ID_VALUE, layout::VERSION_VALUE)).expect("good core");
        // A newer minor version is still spoken.
        check_core(0, regs(layout::ID_VALUE, layout::VERSION_VALUE | 7)).expect("minor");
        assert!(matches!(
            check_core(3, regs(0xFFFF_FFFF, layout::VERSION_VALUE)),
            Err(AwsError::BadId {
                slot: 3,
                found: 0xFFFF_FFFF
            })
        ));
        assert!(matches!(
            check_core(1, regs(layout::ID_VALUE, 0x0002_0000)),
            Err(AwsError::BadVersion {
                slot: 1,
                found: 0x0002_0000
            })
        ));
        let failing = |_: u32| {
            Err(SdkError::Call {
                call: "fpga_pci_peek",
                code: -5,
            })
        };
        assert!(matches!(
            check_core(0, failing),
            Err(AwsError::Sdk(SdkError::Call { code: -5, .. }))
        ));
    }

    #[test]
    fn errors_map_to_the_driver_errors() {
        let e: OffloadError = AwsError::BadId { slot: 0, found: 1 }.into();
        assert!(matches!(e, OffloadError::BadId { found: 1 }));
        let e: OffloadError = AwsError::BadVersion { slot: 0, found: 2 }.into();
        assert!(matches!(e, OffloadError::BadVersion { found: 2 }));
        let load = SdkError::Load {
            library: "x".into(),
            reason: "y".into(),
        };
        let e: OffloadError = AwsError::Sdk(load).into();
        assert!(matches!(e, OffloadError::Unavailable(m) if m.contains("aws")));
        let e: OffloadError = AwsError::AddressesHidden.into();
        assert!(matches!(e, OffloadError::Device(m) if m.contains("CAP_SYS_ADMIN")));
    }

    #[cfg(not(feature = "link"))]
    mod fake_sdk {
        //! The whole open path against `fpevm-sys`'s fake SDK library (one slot per test:
        //! the fake's registers are shared by the process).
        use super::super::*;
        use fpevm_sys::testing::fake_sdk_library;

        fn sdk() -> Arc<Sdk> {
            let path = fake_sdk_library().expect("fpevm-sys built no fake SDK library");
            Arc::new(Sdk::load_from(path).expect("load the fake SDK"))
        }

        #[test]
        fn a_slot_without_the_fpevm_afi_is_refused() {
            match AwsDevice::open_with(sdk(), 6, 1 << 20) {
                Err(AwsError::BadId { slot: 6, found: 0 }) => {}
                Err(other) => panic!("{other}"),
                Ok(_) => panic!("an empty slot opened"),
            }
        }

        #[test]
        fn a_core_of_another_major_version_is_refused() {
            let sdk = sdk();
            let bar = PciBar::ocl(Arc::clone(&sdk), 7).expect("attach");
            bar.poke(u64::from(layout::REG_ID), layout::ID_VALUE)
                .expect("poke");
            bar.poke(u64::from(layout::REG_VERSION), 0x0009_0000)
                .expect("poke");
            assert!(matches!(
                AwsDevice::open_with(sdk, 7, 1 << 20),
                Err(AwsError::BadVersion {
                    slot: 7,
                    found: 0x0009_0000
                })
            ));
        }

        #[test]
        fn a_good_core_gets_as_far_as_the_dma_memory() {
            let sdk = sdk();
            let bar = PciBar::ocl(Arc::clone(&sdk), 1).expect("attach");
            bar.poke(u64::from(layout::REG_ID), layout::ID_VALUE)
                .expect("poke");
            bar.poke(u64::from(layout::REG_VERSION), layout::VERSION_VALUE)
                .expect("poke");
            bar.poke(u64::from(layout::REG_CYCLES_LO), 0x89AB_CDEF)
                .expect("poke");
            bar.poke(u64::from(layout::REG_CYCLES_HI), 0x0123_4567)
                .expect("poke");
            // Without reserved huge pages (the usual CI machine) the DMA allocation is what
            // fails, with its own error; with them, the device opens on the fake registers.
            match AwsDevice::open_with(sdk, 1, 1 << 20) {
                Ok(mut device) => {
                    assert_eq!(device.name(), "aws");
                    assert_eq!(device.read_reg(layout::REG_ID), layout::ID_VALUE);
                    assert_eq!(device.cycles(), 0x0123_4567_89AB_CDEF);
                    assert_eq!(device.dma().len(), 1 << 20);
                    assert_ne!(device.dma_base(), 0);
                    assert!(device.read_reg(0x1_0000) == u32::MAX && device.fault().is_some());
                    println!("opened, DMA at bus address {:#x}", device.dma_base());
                }
                Err(e @ (AwsError::HugePages { .. } | AwsError::AddressesHidden)) => {
                    println!("{e}")
                }
                Err(other) => panic!("{other}"),
            }
        }
    }
}
