//! The C ABI of the Verilated models (`csrc/harness.cpp`); the layouts here must match it.

use std::ffi::{c_char, c_int, c_void};

/// Input ports, applied with the clock low.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Inputs {
    pub reg_wdata: u32,
    pub reg_wr: u8,
    pub reg_addr: u8,
    pub rd_req_ready: u8,
    pub rd_resp_valid: u8,
    pub wr_ready: u8,
    pub rd_resp_error: u8,
    pub wr_error: u8,
    pub pad: u8,
    pub rd_resp_data: [u32; 16],
}

/// Output ports, read once the inputs have settled.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Outputs {
    pub rd_req_addr: u64,
    pub wr_addr: u64,
    pub wr_strb: u64,
    pub reg_rdata: u32,
    pub rd_req_beats: u32,
    pub rd_req_valid: u8,
    pub rd_resp_ready: u8,
    pub wr_valid: u8,
    pub pad: [u8; 5],
    pub wr_data: [u32; 16],
}

/// One Verilated configuration of the core.
pub(crate) struct Variant {
    pub engines: usize,
    pub rounds: usize,
    pub new: unsafe extern "C" fn() -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    pub settle: unsafe extern "C" fn(*mut c_void, *const Inputs, *mut Outputs),
    pub tick: unsafe extern "C" fn(*mut c_void),
    pub trace: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
}

/// One Verilated lone-permutation model.
pub(crate) struct PermVariant {
    pub rounds: usize,
    pub new: unsafe extern "C" fn() -> *mut c_void,
    pub free: unsafe extern "C" fn(*mut c_void),
    #[allow(clippy::type_complexity)]
    pub cycle: unsafe extern "C" fn(*mut c_void, u8, u8, u8, *const u32, *mut u32, *mut u8),
}

include!(concat!(env!("OUT_DIR"), "/variants.rs"));
