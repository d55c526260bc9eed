//! [`PciBar`]: one BAR of a slot's PCI function, attached through `fpga_pci_attach` and
//! detached when dropped.
// Casts of SDK constants stay even where they are no-ops: the integer type bindgen gives an
// anonymous C enum's constants depends on the header it read.
#![allow(clippy::unnecessary_cast)]

use crate::error::{check, SdkError};
use crate::raw;
use crate::sdk::Sdk;
use std::os::raw::c_int;
use std::sync::Arc;

/// The application physical function (`FPGA_APP_PF`): the custom logic's own BARs.
pub const APP_PF: u32 = raw::FPGA_APP_PF as u32;
/// BAR0 of the application PF (`APP_PF_BAR0`): the OCL AXI-Lite window, where the custom
/// logic's registers are.
pub const APP_PF_BAR0: u32 = raw::APP_PF_BAR0 as u32;

/// An attached BAR. Invariant: `handle` is a live attachment of `sdk` until drop.
pub struct PciBar {
    sdk: Arc<Sdk>,
    handle: raw::pci_bar_handle_t,
    slot: u32,
}

fn to_int(v: u32) -> Result<c_int, SdkError> {
    c_int::try_from(v).map_err(|_| SdkError::BadSlot(v))
}

impl PciBar {
    /// Attaches BAR `bar` of physical function `pf` of slot `slot` (no flags: uncached
    /// register access, which orders each access after the stores before it).
    pub fn attach(sdk: Arc<Sdk>, slot: u32, pf: u32, bar: u32) -> Result<Self, SdkError> {
        let (slot_id, pf_id, bar_id) = (to_int(slot)?, to_int(pf)?, to_int(bar)?);
        let mut handle: raw::pci_bar_handle_t = raw::PCI_BAR_HANDLE_INIT;
        // SAFETY: `handle` is a valid out-pointer for the call's duration.
        let code = unsafe {
            sdk.api()
                .fpga_pci_attach(slot_id, pf_id, bar_id, 0, &mut handle)
        };
        check("fpga_pci_attach", code)?;
        Ok(Self { sdk, handle, slot })
    }

    /// Attaches the OCL BAR (application PF, BAR0) of `slot`: the fpevm core's registers.
    pub fn ocl(sdk: Arc<Sdk>, slot: u32) -> Result<Self, SdkError> {
        Self::attach(sdk, slot, APP_PF, APP_PF_BAR0)
    }

    /// The slot this BAR belongs to.
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// Reads the 32-bit register at byte `offset` (the SDK checks the BAR's bounds).
    pub fn peek(&self, offset: u64) -> Result<u32, SdkError> {
        let mut value = 0u32;
        // SAFETY: live handle (type invariant); `value` is a valid out-pointer.
        let code = unsafe {
            self.sdk
                .api()
                .fpga_pci_peek(self.handle, offset, &mut value)
        };
        check("fpga_pci_peek", code).map(|()| value)
    }

    /// Writes the 32-bit register at byte `offset`.
    pub fn poke(&self, offset: u64, value: u32) -> Result<(), SdkError> {
        // SAFETY: live handle (type invariant).
        let code = unsafe { self.sdk.api().fpga_pci_poke(self.handle, offset, value) };
        check("fpga_pci_poke", code)
    }

    /// Reads 64 bits at byte `offset` in one access.
    pub fn peek64(&self, offset: u64) -> Result<u64, SdkError> {
        let mut value = 0u64;
        // SAFETY: live handle (type invariant); `value` is a valid out-pointer.
        let code = unsafe {
            self.sdk
                .api()
                .fpga_pci_peek64(self.handle, offset, &mut value)
        };
        check("fpga_pci_peek64", code).map(|()| value)
    }

    /// Writes 64 bits at byte `offset` in one access.
    pub fn poke64(&self, offset: u64, value: u64) -> Result<(), SdkError> {
        // SAFETY: live handle (type invariant).
        let code = unsafe { self.sdk.api().fpga_pci_poke64(self.handle, offset, value) };
        check("fpga_pci_poke64", code)
    }

    /// Whether `dwords` 32-bit words from byte `offset` lie inside the BAR's mapping, as the
    /// SDK's bounds-checked `fpga_pci_get_address` tells. The pointer itself is not handed
    /// out: every access goes through peek and poke.
    pub fn covers(&self, offset: u64, dwords: u64) -> Result<(), SdkError> {
        let mut ptr = std::ptr::null_mut();
        // SAFETY: live handle (type invariant); `ptr` is a valid out-pointer.
        let code = unsafe {
            self.sdk
                .api()
                .fpga_pci_get_address(self.handle, offset, dwords, &mut ptr)
        };
        check("fpga_pci_get_address", code)
    }
}

impl Drop for PciBar {
    fn drop(&mut self) {
        // SAFETY: live handle (type invariant), detached exactly once here. A failed detach
        // leaves nothing this process could still do about it.
        unsafe {
            self.sdk.api().fpga_pci_detach(self.handle);
        }
    }
}

impl std::fmt::Debug for PciBar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PciBar")
            .field("slot", &self.slot)
            .field("handle", &self.handle)
            .finish()
    }
}
