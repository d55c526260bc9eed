//! Bindings to the AWS FPGA SDK's userspace library (`libfpga_mgmt`: the `fpga_pci_*` and
//! `fpga_mgmt_*` calls) and the safe wrappers fpevm's `aws` transport uses.
//!
//! - [`raw`]: what bindgen generated from `include/fpevm_aws_sdk.h` (or, with
//!   `AWS_FPGA_SDK_DIR` set at build time, from the SDK's own headers).
//! - [`Sdk`]: the loaded library. By default it is opened at run time, so every binary builds
//!   and links on any machine and a missing SDK is [`SdkError::Load`] at [`Sdk::load`];
//!   feature `link` links it at build time instead.
//! - [`PciBar`]: one attached BAR of a slot (detached on drop), 32- and 64-bit peek and poke.
//! - [`mgmt`]: describe a slot, load an AFI into it.
//!
//! Nothing here has run against real F1/F2 hardware; the tests run against a fake library
//! (`csrc/fake_fpga_mgmt.c`) that follows the SDK's documented calling conventions.

mod api;
pub mod bar;
pub mod error;
pub mod mgmt;
pub mod raw;
pub mod sdk;
#[doc(hidden)]
pub mod testing;

pub use bar::PciBar;
pub use error::SdkError;
pub use sdk::Sdk;
