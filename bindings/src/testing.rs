//! Test support: the fake SDK library `build.rs` compiles from `csrc/fake_fpga_mgmt.c`.

/// Path of the fake `libfpga_mgmt` stand-in, or `None` if this machine could not build it
/// (no C compiler when the crate was built).
pub fn fake_sdk_library() -> Option<&'static str> {
    let path = env!("FPEVM_FAKE_SDK_LIB");
    (!path.is_empty()).then_some(path)
}
