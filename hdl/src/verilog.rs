//! Verilog generation for the core and for per-block test benches.
//!
//! rust-hdl writes an untyped Rust integer literal (an `i32`) as a sized `32'h..` constant
//! and a slice offset as a sized `64'h..` constant, which makes Verilator's width lint fire
//! on every comparison or part-select with a narrower signal. [`finish`] rewrites exactly
//! those two forms as unsized constants (`'h..`), which take the width of their context —
//! what the HDL source means. Literals written with an explicit width (`_u64`, `Constant`)
//! are left alone.

use crate::core::FpevmCore;
use crate::permutation_top::PermutationTop;
use rust_hdl::prelude::*;

/// Rewrites rust-hdl's default-typed literals as unsized constants (see the module docs).
pub fn finish(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len());
    let bytes = verilog.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = sized_literal_prefix(&verilog[i..]) {
            let prev_ident = i > 0 && is_ident_byte(bytes[i - 1]);
            if !prev_ident {
                out.push('\'');
                out.push('h');
                i += len;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out
}

/// Length of `32'h` at the start of `s`, or of `64'h` when it is a part-select offset
/// (`(64'h..)+:`).
fn sized_literal_prefix(s: &str) -> Option<usize> {
    if s.starts_with("32'h") {
        return Some(4);
    }
    if let Some(rest) = s.strip_prefix("64'h") {
        let digits = rest.bytes().take_while(|b| b.is_ascii_hexdigit()).count();
        if rest[digits..].starts_with(")+:") {
            return Some(4);
        }
    }
    None
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Verilog of a lone permutation (`rounds` per clock) with flat ports, as module `top`, for
/// its test model.
pub fn generate_permutation_verilog(rounds: usize) -> String {
    let mut top = PermutationTop::new(rounds);
    top.connect_top();
    finish(&generate_verilog(&top))
}

/// Verilog of the whole core (`engines` engines, `rounds` rounds per clock) as module `top`.
pub fn generate_core_verilog(engines: usize, rounds: usize) -> String {
    let mut core = FpevmCore::new(engines, rounds);
    core.connect_top();
    finish(&generate_verilog(&core))
}
