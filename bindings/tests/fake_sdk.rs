//! The safe wrappers against the fake SDK library (`csrc/fake_fpga_mgmt.c`): the real call
//! sequence through the run-time loader, without FPGA hardware. Each test uses its own slot,
//! since the fake's state is shared by the whole test process.
#![cfg(not(feature = "link"))]

use fpevm_sys::mgmt::{self, SlotStatus};
use fpevm_sys::{PciBar, Sdk, SdkError};
use std::sync::Arc;

fn fake_sdk() -> Arc<Sdk> {
    let path = fpevm_sys::testing::fake_sdk_library()
        .expect("the fake SDK library was not built (no C compiler when fpevm-sys was built)");
    Arc::new(Sdk::load_from(path).expect("load the fake SDK"))
}

#[test]
fn registers_round_trip_through_peek_and_poke() {
    let sdk = fake_sdk();
    let bar = PciBar::ocl(Arc::clone(&sdk), 2).expect("attach");
    assert_eq!(bar.slot(), 2);
    bar.poke(0x10, 0xDEAD_BEEF).expect("poke");
    assert_eq!(bar.peek(0x10).expect("peek"), 0xDEAD_BEEF);
    bar.poke64(0x20, 0x0123_4567_89AB_CDEF).expect("poke64");
    assert_eq!(bar.peek(0x20).expect("low half"), 0x89AB_CDEF);
    assert_eq!(bar.peek(0x24).expect("high half"), 0x0123_4567);
    assert_eq!(bar.peek64(0x20).expect("peek64"), 0x0123_4567_89AB_CDEF);
    bar.covers(0, 16).expect("the first 64 bytes are mapped");
    // A second attachment of the same slot sees the same registers.
    let other = PciBar::ocl(sdk, 2).expect("attach again");
    assert_eq!(other.peek(0x10).expect("peek"), 0xDEAD_BEEF);
}

#[test]
fn failed_calls_carry_the_sdk_code() {
    let sdk = fake_sdk();
    let bar = PciBar::ocl(Arc::clone(&sdk), 3).expect("attach");
    match bar.peek(0x1_0000) {
        Err(SdkError::Call { call, code }) => {
            assert_eq!(call, "fpga_pci_peek");
            assert_eq!(code, -22, "EINVAL");
        }
        other => panic!("out-of-bounds peek: {other:?}"),
    }
    assert!(matches!(
        bar.covers(0xFFFC, 2),
        Err(SdkError::Call {
            call: "fpga_pci_get_address",
            ..
        })
    ));
    match PciBar::ocl(Arc::clone(&sdk), 8) {
        Err(SdkError::Call { call, code }) => {
            assert_eq!(call, "fpga_pci_attach");
            assert_eq!(code, -19, "ENODEV");
        }
        other => panic!("attach of a missing slot: {other:?}"),
    }
    assert!(matches!(
        PciBar::ocl(sdk, u32::MAX),
        Err(SdkError::BadSlot(u32::MAX))
    ));
}

#[test]
fn dropping_a_bar_detaches_it() {
    // The fake has 32 attachment handles: leaking them would fail the 33rd attach.
    let sdk = fake_sdk();
    for _ in 0..100 {
        let bar = PciBar::ocl(Arc::clone(&sdk), 4).expect("attach");
        bar.poke(0, 1).expect("poke");
    }
}

#[test]
fn an_afi_loads_and_is_described() {
    let sdk = fake_sdk();
    let before = mgmt::describe(&sdk, 5).expect("describe");
    assert_eq!(before.slot, 5);
    assert_eq!(before.status, SlotStatus::Cleared);
    assert_eq!(before.afi_id, "");
    assert_eq!(
        mgmt::status(&sdk, 5).expect("status"),
        (SlotStatus::Cleared, 0)
    );
    mgmt::load(&sdk, 5, "agfi-0123456789abcdef0").expect("load");
    let after = mgmt::describe(&sdk, 5).expect("describe");
    assert_eq!(after.status, SlotStatus::Loaded);
    assert_eq!(after.afi_id, "agfi-0123456789abcdef0");
    assert_eq!((after.vendor_id, after.device_id), (0x1d0f, 0xf000));
    assert!(matches!(
        mgmt::load(&sdk, 5, "not-an-afi"),
        Err(SdkError::BadAfiId(_))
    ));
    assert!(matches!(
        mgmt::describe(&sdk, 9),
        Err(SdkError::Call {
            call: "fpga_mgmt_describe_local_image",
            code: -19
        })
    ));
}

#[test]
fn dropping_one_sdk_leaves_the_management_layer_to_the_others() {
    // The SDK's management state is process-wide: an Sdk that closed it on drop broke every
    // other Sdk's calls (seen as -EINVAL from describe in tests running side by side).
    let kept = fake_sdk();
    let dropped = fake_sdk();
    mgmt::describe(&kept, 6).expect("describe through the first Sdk");
    mgmt::describe(&dropped, 6).expect("describe through the second Sdk");
    drop(dropped);
    let after = mgmt::describe(&kept, 6).expect("describe after the other Sdk is gone");
    assert_eq!(after.slot, 6);
}
