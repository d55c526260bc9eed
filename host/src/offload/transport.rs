//! The seam between the driver and a device: register access, DMA memory, and time.

/// A device speaking the ring protocol of [`super::layout`].
///
/// The driver owns the transport and runs on one thread; `advance` is where the device makes
/// progress, so a simulated core needs no thread of its own.
pub trait Transport: Send {
    /// Short name of the transport (`cpu`, `sim`, `aws`).
    fn name(&self) -> &'static str;
    /// Reads the 32-bit register at byte offset `off`.
    fn read_reg(&mut self, off: u32) -> u32;
    /// Writes `v` to the 32-bit register at byte offset `off`.
    fn write_reg(&mut self, off: u32, v: u32);
    /// Bus address of byte 0 of [`Transport::dma`].
    fn dma_base(&self) -> u64;
    /// The DMA memory the device masters.
    fn dma(&mut self) -> &mut [u8];
    /// Lets the device make progress: a simulated core clocks up to `cycles` cycles; the cpu
    /// reference processes what is pending.
    fn advance(&mut self, cycles: u64);
    /// Device cycles elapsed (0 for a device that does not count them).
    fn cycles(&self) -> u64;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn read_reg(&mut self, off: u32) -> u32 {
        (**self).read_reg(off)
    }
    fn write_reg(&mut self, off: u32, v: u32) {
        (**self).write_reg(off, v)
    }
    fn dma_base(&self) -> u64 {
        (**self).dma_base()
    }
    fn dma(&mut self) -> &mut [u8] {
        (**self).dma()
    }
    fn advance(&mut self, cycles: u64) {
        (**self).advance(cycles)
    }
    fn cycles(&self) -> u64 {
        (**self).cycles()
    }
}
