//! The SDK's declarations as bindgen generated them (see `build.rs`): SDK names, unsafe.
//!
//! Without feature `link`, the functions are methods of [`FpgaSdk`], a table filled from the
//! shared library when it is opened; with it, they are plain `extern "C"` functions.
#![allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    missing_docs
)]

include!(concat!(env!("OUT_DIR"), "/sdk.rs"));
