//! Typed errors of the SDK wrappers; a failed call carries the SDK's own return code.
// Casts of SDK constants stay even where they are no-ops: the integer type bindgen gives an
// anonymous C enum's constants depends on the header it read.
#![allow(clippy::unnecessary_cast)]

use crate::raw;
use thiserror::Error;

/// Why an SDK operation failed.
#[derive(Debug, Error)]
pub enum SdkError {
    /// The shared library could not be opened, or lacks one of the functions fpevm calls.
    #[error(
        "cannot load the AWS FPGA SDK library `{library}`: {reason} (install the SDK with \
         `source sdk_setup.sh`, or point {} at libfpga_mgmt.so)",
        crate::sdk::LIBRARY_ENV
    )]
    Load {
        /// The name or path that was tried.
        library: String,
        /// The dynamic loader's message.
        reason: String,
    },
    /// An SDK call returned a non-zero code: `-errno`, or a positive `FPGA_ERR_*` code.
    #[error("{call} failed: code {code} ({})", code_name(*code))]
    Call {
        /// The SDK function.
        call: &'static str,
        /// What it returned.
        code: i32,
    },
    /// An AFI id that the SDK would not accept (`agfi-` and up to 58 letters or digits).
    #[error("invalid AFI id `{0}`: expected `agfi-` followed by letters and digits, at most 63 bytes in all")]
    BadAfiId(String),
    /// A slot number the SDK's `int` slot id cannot hold.
    #[error("slot {0} is out of range")]
    BadSlot(u32),
}

/// Turns an SDK return code into a result: 0 is success.
pub(crate) fn check(call: &'static str, code: i32) -> Result<(), SdkError> {
    match code {
        0 => Ok(()),
        code => Err(SdkError::Call { call, code }),
    }
}

/// A short description of an SDK return code: the errno's text for negative codes, the
/// SDK's name for its positive `FPGA_ERR_*` codes.
pub fn code_name(code: i32) -> String {
    if code < 0 {
        return match code.checked_neg() {
            Some(errno) => std::io::Error::from_raw_os_error(errno).to_string(),
            None => "unknown error".into(),
        };
    }
    let name = match u32::try_from(code).unwrap_or(u32::MAX) {
        c if c == raw::FPGA_ERR_OK as u32 => "ok",
        c if c == raw::FPGA_ERR_AFI_CMD_BUSY as u32 => "busy: an AFI command is in progress",
        c if c == raw::FPGA_ERR_AFI_ID_INVALID as u32 => "invalid AFI id",
        c if c == raw::FPGA_ERR_AFI_CMD_API_VERSION_INVALID as u32 => {
            "invalid AFI command API version"
        }
        c if c == raw::FPGA_ERR_CL_ID_MISMATCH as u32 => "CL PCI ids mismatch",
        c if c == raw::FPGA_ERR_CL_DDR_CALIB_FAILED as u32 => "CL DDR calibration failed",
        c if c == raw::FPGA_ERR_FAIL as u32 => "unspecified error",
        c if c == raw::FPGA_ERR_SHELL_MISMATCH as u32 => "AFI and shell versions mismatch",
        _ => "unknown FPGA error",
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named() {
        assert_eq!(code_name(5), "invalid AFI id");
        assert_eq!(code_name(16), "AFI and shell versions mismatch");
        assert_eq!(code_name(99), "unknown FPGA error");
        assert!(code_name(-2).contains("No such file"), "{}", code_name(-2));
        assert_eq!(code_name(i32::MIN), "unknown error");
        let e = SdkError::Call {
            call: "fpga_pci_attach",
            code: -19,
        };
        assert!(e
            .to_string()
            .starts_with("fpga_pci_attach failed: code -19 ("));
    }

    #[test]
    fn zero_is_success() {
        assert!(check("x", 0).is_ok());
        assert!(matches!(
            check("x", 3),
            Err(SdkError::Call { call: "x", code: 3 })
        ));
    }
}
