//! The generated declarations carry the values and layout the SDK documents.

use fpevm_sys::raw;
use std::mem::{offset_of, size_of};

#[test]
fn constants_have_the_documented_values() {
    assert_eq!(raw::FPGA_APP_PF, 0);
    assert_eq!(raw::FPGA_MGMT_PF, 1);
    assert_eq!(raw::APP_PF_BAR0, 0);
    assert_eq!(raw::APP_PF_BAR1, 1);
    assert_eq!(raw::APP_PF_BAR4, 4);
    assert_eq!(raw::BURST_CAPABLE, 1);
    assert_eq!(raw::PCI_BAR_HANDLE_INIT, -1);
    assert_eq!(raw::AFI_ID_STR_MAX, 64);
    assert_eq!(raw::FPGA_STATUS_LOADED, 0);
    assert_eq!(raw::FPGA_STATUS_CLEARED, 1);
    assert_eq!(raw::FPGA_STATUS_BUSY, 2);
    assert_eq!(raw::FPGA_STATUS_NOT_PROGRAMMED, 3);
    assert_eq!(raw::FPGA_STATUS_LOAD_FAILED, 7);
    assert_eq!(raw::FPGA_ERR_AFI_CMD_BUSY, 3);
    assert_eq!(raw::FPGA_ERR_AFI_ID_INVALID, 5);
    assert_eq!(raw::FPGA_ERR_SHELL_MISMATCH, 16);
    assert_eq!(fpevm_sys::bar::APP_PF, 0);
    assert_eq!(fpevm_sys::bar::APP_PF_BAR0, 0);
}

#[test]
fn the_documented_prefix_of_the_image_info_has_the_sdk_layout() {
    // Holds for the project's header and for the SDK's own: status, status_q and slot_id are
    // ints, then the packed ids (a 64-byte id string and four u16 PCI ids).
    assert_eq!(size_of::<raw::pci_bar_handle_t>(), 4);
    assert_eq!(offset_of!(raw::fpga_mgmt_image_info, status), 0);
    assert_eq!(offset_of!(raw::fpga_mgmt_image_info, status_q), 4);
    assert_eq!(offset_of!(raw::fpga_mgmt_image_info, slot_id), 8);
    assert_eq!(offset_of!(raw::fpga_mgmt_image_info, ids), 12);
    assert_eq!(offset_of!(raw::fpga_meta_ids, afi_device_ids), 64);
    assert_eq!(size_of::<raw::fpga_meta_ids>(), 72);
    // The SDK writes its whole struct; the buffer must hold every known release's (about
    // 400 bytes in the releases read for this crate).
    assert!(size_of::<raw::fpga_mgmt_image_info>() >= 84);
}
