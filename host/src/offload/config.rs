//! The driver's configuration and where it places rings, results and inputs in DMA memory.

use super::error::OffloadError;
use super::layout::{self, ENTRY_BYTES, RESULT_BYTES};

/// How the driver uses a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriverConfig {
    /// Entries in each ring: the most jobs in flight (a power of two, 1..=`MAX_RING_SIZE`).
    pub ring_size: u32,
    /// Size of the input arena: the most input bytes one chunk carries, so also the largest
    /// single input the device hashes (each input takes a 64-byte aligned slot).
    pub max_input_bytes: usize,
    /// Device cycles without a new completion before a chunk is given up ([`OffloadError::Timeout`]).
    pub timeout_cycles: u64,
    /// Cycles each `Transport::advance` call may clock.
    pub advance_cycles: u64,
    /// Polls without a new completion and without the device's cycle counter moving before a
    /// chunk is given up: the bound for devices that count no cycles (the cpu reference).
    pub max_idle_polls: u64,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            ring_size: 256,
            max_input_bytes: 1 << 20,
            timeout_cycles: 50_000_000,
            advance_cycles: 4096,
            max_idle_polls: 64,
        }
    }
}

/// Bus addresses of the regions the driver uses, in this order from the DMA base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DmaLayout {
    /// Submission ring: `ring_size` descriptors.
    pub sq: u64,
    /// Completion ring: `ring_size` completions.
    pub cq: u64,
    /// Result slots: 32 bytes for each ring entry.
    pub results: u64,
    /// Input arena: `max_input_bytes` rounded up to 64.
    pub arena: u64,
    /// Arena size in bytes.
    pub arena_bytes: usize,
    /// End of the arena: the first byte the driver does not use.
    pub end: u64,
}

fn round_up_64(n: usize) -> Option<usize> {
    n.checked_next_multiple_of(ENTRY_BYTES)
}

impl DriverConfig {
    /// Checks the values the layout depends on.
    pub fn validate(&self) -> Result<(), OffloadError> {
        if !self.ring_size.is_power_of_two() || self.ring_size > layout::MAX_RING_SIZE {
            return Err(OffloadError::Config(format!(
                "ring size {} is not a power of two in 1..={}",
                self.ring_size,
                layout::MAX_RING_SIZE
            )));
        }
        if self.max_input_bytes == 0 || self.max_input_bytes >= layout::MAX_SRC_LEN as usize {
            return Err(OffloadError::Config(format!(
                "max_input_bytes {} is not in 1..{}",
                self.max_input_bytes,
                layout::MAX_SRC_LEN
            )));
        }
        if self.advance_cycles == 0 || self.max_idle_polls == 0 {
            return Err(OffloadError::Config(
                "advance_cycles and max_idle_polls must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Bytes of DMA memory the layout needs.
    pub fn dma_bytes(&self) -> Result<usize, OffloadError> {
        self.validate()?;
        let ring = self.ring_size as usize * ENTRY_BYTES;
        let results = round_up_64(self.ring_size as usize * RESULT_BYTES);
        let arena = round_up_64(self.max_input_bytes);
        results
            .zip(arena)
            .and_then(|(results, arena)| (2 * ring).checked_add(results)?.checked_add(arena))
            .ok_or_else(|| OffloadError::Config("the layout does not fit in memory".into()))
    }

    /// The layout in DMA memory of `dma_len` bytes whose byte 0 is at bus address `base`.
    pub fn plan(&self, base: u64, dma_len: usize) -> Result<DmaLayout, OffloadError> {
        let need = self.dma_bytes()?;
        if !base.is_multiple_of(ENTRY_BYTES as u64) {
            return Err(OffloadError::Config(format!(
                "DMA base {base:#x} is not 64-byte aligned"
            )));
        }
        if need > dma_len {
            return Err(OffloadError::Config(format!(
                "the layout needs {need} bytes of DMA memory, the device has {dma_len}"
            )));
        }
        // `need <= dma_len` and `base + dma_len` does not wrap, so no sum below does.
        base.checked_add(dma_len as u64)
            .ok_or_else(|| OffloadError::Config("the DMA memory wraps the address space".into()))?;
        let ring = (self.ring_size as usize * ENTRY_BYTES) as u64;
        let results_bytes = (self.ring_size as usize * RESULT_BYTES).next_multiple_of(ENTRY_BYTES);
        let arena_bytes = self.max_input_bytes.next_multiple_of(ENTRY_BYTES);
        let sq = base;
        let cq = sq + ring;
        let results = cq + ring;
        let arena = results + results_bytes as u64;
        let end = arena + arena_bytes as u64;
        Ok(DmaLayout {
            sq,
            cq,
            results,
            arena,
            arena_bytes,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_contiguous_and_aligned() {
        let cfg = DriverConfig {
            ring_size: 8,
            max_input_bytes: 100,
            ..DriverConfig::default()
        };
        let need = cfg.dma_bytes().expect("valid");
        assert_eq!(need, 512 + 512 + 256 + 128);
        let l = cfg.plan(0x1000, need).expect("fits");
        assert_eq!(
            (l.sq, l.cq, l.results, l.arena, l.end),
            (0x1000, 0x1200, 0x1400, 0x1500, 0x1580)
        );
        assert!(cfg.plan(0x1000, need - 1).is_err());
        assert!(cfg.plan(0x1001, need).is_err());
        assert!(cfg.plan(u64::MAX - 64 * 3, need).is_err());
    }

    #[test]
    fn rejects_bad_values() {
        for cfg in [
            DriverConfig {
                ring_size: 3,
                ..DriverConfig::default()
            },
            DriverConfig {
                ring_size: 0,
                ..DriverConfig::default()
            },
            DriverConfig {
                max_input_bytes: 0,
                ..DriverConfig::default()
            },
            DriverConfig {
                max_input_bytes: usize::MAX,
                ..DriverConfig::default()
            },
            DriverConfig {
                advance_cycles: 0,
                ..DriverConfig::default()
            },
        ] {
            assert!(
                matches!(cfg.dma_bytes(), Err(OffloadError::Config(_))),
                "{cfg:?}"
            );
        }
    }
}
