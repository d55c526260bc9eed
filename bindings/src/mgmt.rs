//! Slot management through `fpga_mgmt`: what a slot holds, and loading an AFI into it.
//! These calls talk to the slot's management function and need root on an F1/F2 instance.
// Casts of SDK constants stay even where they are no-ops: the integer type bindgen gives an
// anonymous C enum's constants depends on the header it read.
#![allow(clippy::unnecessary_cast)]

use crate::error::{check, SdkError};
use crate::raw;
use crate::sdk::Sdk;
use std::os::raw::c_int;

/// State of a slot (`FPGA_STATUS_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotStatus {
    /// An AFI is loaded.
    Loaded,
    /// The slot is cleared.
    Cleared,
    /// A load or clear is in progress.
    Busy,
    /// Nothing was ever loaded.
    NotProgrammed,
    /// The last load failed.
    LoadFailed,
    /// A code this crate does not know.
    Other(i32),
}

impl SlotStatus {
    /// The status an SDK code stands for.
    pub fn from_code(code: i32) -> Self {
        match u32::try_from(code) {
            Ok(c) if c == raw::FPGA_STATUS_LOADED as u32 => Self::Loaded,
            Ok(c) if c == raw::FPGA_STATUS_CLEARED as u32 => Self::Cleared,
            Ok(c) if c == raw::FPGA_STATUS_BUSY as u32 => Self::Busy,
            Ok(c) if c == raw::FPGA_STATUS_NOT_PROGRAMMED as u32 => Self::NotProgrammed,
            Ok(c) if c == raw::FPGA_STATUS_LOAD_FAILED as u32 => Self::LoadFailed,
            _ => Self::Other(code),
        }
    }

    /// The SDK tools' name for it (`loaded`, `cleared`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Loaded => "loaded",
            Self::Cleared => "cleared",
            Self::Busy => "busy",
            Self::NotProgrammed => "not-programmed",
            Self::LoadFailed => "load-failed",
            Self::Other(_) => "unknown",
        }
    }
}

/// What `fpga_mgmt_describe_local_image` tells about a slot (its documented leading fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// The slot.
    pub slot: u32,
    /// Its state.
    pub status: SlotStatus,
    /// The status qualifier (`FPGA_ERR_*`; 0 when all is well).
    pub status_q: i32,
    /// The loaded AFI's global id (`agfi-...`); empty when none.
    pub afi_id: String,
    /// PCI vendor id the AFI declares.
    pub vendor_id: u16,
    /// PCI device id the AFI declares.
    pub device_id: u16,
    /// PCI subsystem vendor id the AFI declares.
    pub subsystem_vendor_id: u16,
    /// PCI subsystem id the AFI declares.
    pub subsystem_id: u16,
}

fn slot_id(slot: u32) -> Result<c_int, SdkError> {
    c_int::try_from(slot).map_err(|_| SdkError::BadSlot(slot))
}

/// Describes slot `slot` (no hardware metrics).
pub fn describe(sdk: &Sdk, slot: u32) -> Result<ImageInfo, SdkError> {
    let id = slot_id(slot)?;
    sdk.ensure_mgmt()?;
    // SAFETY: the struct holds only integers and byte arrays, for which all-zero is valid.
    let mut info: Box<raw::fpga_mgmt_image_info> =
        Box::new(unsafe { std::mem::MaybeUninit::zeroed().assume_init() });
    // SAFETY: `info` is a valid, writable struct of the size the generated declaration says:
    // the SDK's own (with AWS_FPGA_SDK_DIR) or the project's, which reserves more room than
    // any known release writes (include/fpevm_aws_sdk.h).
    let code = unsafe { sdk.api().fpga_mgmt_describe_local_image(id, &mut *info, 0) };
    check("fpga_mgmt_describe_local_image", code)?;
    // Packed fields are copied out by value, never referenced.
    let ids = info.ids;
    let devices = ids.afi_device_ids;
    let afi_bytes: Vec<u8> = ids
        .afi_id
        .iter()
        .map(|&c| c as u8)
        .take_while(|&b| b != 0)
        .collect();
    Ok(ImageInfo {
        slot,
        status: SlotStatus::from_code(info.status),
        status_q: info.status_q,
        afi_id: String::from_utf8_lossy(&afi_bytes).into_owned(),
        vendor_id: devices.vendor_id,
        device_id: devices.device_id,
        subsystem_vendor_id: devices.svid,
        subsystem_id: devices.ssid,
    })
}

/// The state of slot `slot` and its qualifier, without the image description.
pub fn status(sdk: &Sdk, slot: u32) -> Result<(SlotStatus, i32), SdkError> {
    let id = slot_id(slot)?;
    sdk.ensure_mgmt()?;
    let (mut status, mut status_q) = (0, 0);
    // SAFETY: both out-pointers are valid for the call.
    let code = unsafe {
        sdk.api()
            .fpga_mgmt_get_status(id, &mut status, &mut status_q)
    };
    check("fpga_mgmt_get_status", code)?;
    Ok((SlotStatus::from_code(status), status_q))
}

/// Checks that `afi_id` looks like an AFI global id: `agfi-`, then letters and digits, NUL
/// included shorter than `AFI_ID_STR_MAX`. Returns it NUL-terminated.
pub fn afi_id_bytes(afi_id: &str) -> Result<Vec<u8>, SdkError> {
    let rest = afi_id.strip_prefix("agfi-").unwrap_or("");
    let fits = afi_id.len() < raw::AFI_ID_STR_MAX as usize;
    if rest.is_empty() || !fits || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SdkError::BadAfiId(afi_id.into()));
    }
    let mut bytes = afi_id.as_bytes().to_vec();
    bytes.push(0);
    Ok(bytes)
}

/// Starts loading AFI `afi_id` (`agfi-...`) into slot `slot`; [`describe`] shows `busy`
/// until it is done, then `loaded`.
pub fn load(sdk: &Sdk, slot: u32, afi_id: &str) -> Result<(), SdkError> {
    let id = slot_id(slot)?;
    let mut bytes = afi_id_bytes(afi_id)?;
    sdk.ensure_mgmt()?;
    // SAFETY: `bytes` is NUL-terminated and lives for the call; the SDK reads the string
    // (its parameter is `char *` but documented as input only).
    let code = unsafe {
        sdk.api()
            .fpga_mgmt_load_local_image(id, bytes.as_mut_ptr().cast())
    };
    check("fpga_mgmt_load_local_image", code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn afi_ids_are_checked() {
        assert_eq!(
            afi_id_bytes("agfi-0fcf87119b8e97bf3").expect("valid"),
            b"agfi-0fcf87119b8e97bf3\0"
        );
        for bad in [
            "",
            "agfi-",
            "afi-0123",
            "agfi-01 23",
            "agfi-0123\0",
            "AGFI-0123",
        ] {
            assert!(
                matches!(afi_id_bytes(bad), Err(SdkError::BadAfiId(_))),
                "{bad:?} accepted"
            );
        }
        let longest = format!("agfi-{}", "a".repeat(58));
        assert!(afi_id_bytes(&longest).is_ok());
        assert!(afi_id_bytes(&format!("{longest}a")).is_err());
    }

    #[test]
    fn status_codes_have_their_documented_meaning() {
        assert_eq!(SlotStatus::from_code(0), SlotStatus::Loaded);
        assert_eq!(SlotStatus::from_code(1), SlotStatus::Cleared);
        assert_eq!(SlotStatus::from_code(2), SlotStatus::Busy);
        assert_eq!(SlotStatus::from_code(3), SlotStatus::NotProgrammed);
        assert_eq!(SlotStatus::from_code(7), SlotStatus::LoadFailed);
        assert_eq!(SlotStatus::from_code(4), SlotStatus::Other(4));
        assert_eq!(SlotStatus::from_code(-1).name(), "unknown");
    }
}
