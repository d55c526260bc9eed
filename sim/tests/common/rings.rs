//! Programs a raw core the way every raw-core test starts: rings, DMA window, enable.

use fpevm_hdl::layout::*;
use fpevm_sim::SimCore;

/// Points the core's submission and completion rings (`ring` entries each) at `sq` and `cq`,
/// its DMA window at `base..base + mem`, and enables it.
pub fn program_rings(core: &mut SimCore, sq: u64, cq: u64, ring: u32, base: u64, mem: usize) {
    for (lo, hi, v) in [
        (REG_SQ_BASE_LO, REG_SQ_BASE_HI, sq),
        (REG_CQ_BASE_LO, REG_CQ_BASE_HI, cq),
        (REG_WIN_BASE_LO, REG_WIN_BASE_HI, base),
        (REG_WIN_LIMIT_LO, REG_WIN_LIMIT_HI, base + mem as u64),
    ] {
        core.write_reg(lo, v as u32);
        core.write_reg(hi, (v >> 32) as u32);
    }
    core.write_reg(REG_RING_SIZE, ring);
    core.write_reg(REG_CONTROL, CONTROL_ENABLE);
}
