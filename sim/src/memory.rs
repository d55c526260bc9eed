//! Host memory the simulated core masters over DMA: an anonymous mapping at a bus address.

use memmap2::MmapMut;

use crate::SimError;

/// DMA memory: `len` bytes whose byte 0 has bus address `base`.
pub struct DmaMemory {
    base: u64,
    map: MmapMut,
}

impl DmaMemory {
    /// Maps `len` zeroed bytes at bus address `base`.
    pub fn new(base: u64, len: usize) -> Result<Self, SimError> {
        if len == 0 || base.checked_add(len as u64).is_none() {
            return Err(SimError::BadMemory { base, len });
        }
        let map = MmapMut::map_anon(len).map_err(SimError::Map)?;
        Ok(Self { base, map })
    }

    /// Bus address of byte 0.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The bytes.
    pub fn bytes(&mut self) -> &mut [u8] {
        &mut self.map
    }

    /// Offset of the 64-byte beat at bus address `addr`, if it lies wholly inside.
    pub(crate) fn beat_offset(&self, addr: u64) -> Option<usize> {
        let off = usize::try_from(addr.checked_sub(self.base)?).ok()?;
        (off.checked_add(64)? <= self.map.len()).then_some(off)
    }
}
