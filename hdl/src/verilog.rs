//! Verilog generation for the core and for per-block test benches.
//!
//! rust-hdl writes an untyped Rust integer literal (an `i32`) as a sized `32'h..` constant
//! and a slice offset as a sized `64'h..` constant, which makes Verilator's width lint fire
//! on every comparison or part-select with a narrower signal. [`finish`] rewrites exactly
//! those two forms as unsized constants (`'h..`), which take the width of their context —
//! what the HDL source means. Literals written with an explicit width (`_u64`, `Constant`)
//! are left alone.
//!
//! rust-hdl also writes `bit_cast::<N, _>(e)` as `((e) & N'hff..f)`, whose width is that of
//! the wider operand; [`finish`] turns each into the size cast `N'(e)`, which has the same
//! value and exactly `N` bits.

use crate::core::FpevmCore;
use crate::permutation_top::PermutationTop;
use rust_hdl::prelude::*;

/// Rewrites rust-hdl's default-typed literals and mask casts (see the module docs).
pub fn finish(verilog: &str) -> String {
    let mut text = verilog.to_string();
    while let Some(next) = one_size_cast(&text) {
        text = next;
    }
    unsized_literals(&text)
}

/// Rewrites the first `((e) & N'hff..f)` (an all-ones mask of exactly `N` bits) as `N'(e)`.
fn one_size_cast(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text[from..].find(") & ") {
        let close = from + pos;
        from = close + 4;
        let rest = &text[close + 4..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(width) = rest[..digits].parse::<usize>() else {
            continue;
        };
        let Some(hex) = rest[digits..].strip_prefix("'h") else {
            continue;
        };
        let hex_len = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        if !hex[hex_len..].starts_with(')') || !is_all_ones(&hex[..hex_len], width) {
            continue;
        }
        // The `(` that `close` closes, which must follow the cast's own `(`.
        let mut depth = 0usize;
        let mut open = None;
        for i in (0..close).rev() {
            match bytes[i] {
                b')' => depth += 1,
                b'(' if depth == 0 => {
                    open = Some(i);
                    break;
                }
                b'(' => depth -= 1,
                _ => {}
            }
        }
        let open = open?;
        if open == 0 || bytes[open - 1] != b'(' {
            continue;
        }
        let end = close + 4 + digits + 2 + hex_len + 1;
        return Some(format!(
            "{}{width}'({}){}",
            &text[..open - 1],
            &text[open + 1..close],
            &text[end..]
        ));
    }
    None
}

/// The hex digits are exactly `width` one bits.
fn is_all_ones(hex: &str, width: usize) -> bool {
    let top = width % 4;
    let full = width / 4;
    let expected_len = full + usize::from(top != 0);
    hex.len() == expected_len
        && hex.chars().enumerate().all(|(i, c)| {
            if i == 0 && top != 0 {
                c.to_digit(16) == Some((1 << top) - 1)
            } else {
                c == 'f' || c == 'F'
            }
        })
}

/// Rewrites rust-hdl's default-typed literals as unsized constants.
fn unsized_literals(verilog: &str) -> String {
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

// --- F1 shell generation (added with the shell adapter) ---

/// Name of the shell's Verilog top module.
pub const SHELL_MODULE: &str = "fpevm_shell";

/// Verilog of the F1 shell ([`crate::shell::FpevmShell`], default outstanding limits) as
/// module [`SHELL_MODULE`].
pub fn generate_shell_verilog(engines: usize, rounds: usize) -> String {
    let mut shell = crate::shell::FpevmShell::new(engines, rounds);
    shell.connect_top();
    rename_top(&finish(&generate_verilog(&shell)), SHELL_MODULE)
}

/// Verilog of an F1 shell with explicit outstanding limits, as module [`SHELL_MODULE`].
pub fn generate_shell_verilog_with_limits(
    engines: usize,
    rounds: usize,
    max_read_bursts: usize,
    max_writes: usize,
) -> String {
    let mut shell =
        crate::shell::FpevmShell::with_limits(engines, rounds, max_read_bursts, max_writes);
    shell.connect_top();
    rename_top(&finish(&generate_verilog(&shell)), SHELL_MODULE)
}

/// Renames rust-hdl's top module `top` and its sub-modules `top$...` to `name`, `name$...`:
/// every identifier `top` or identifier starting with `top$`.
pub fn rename_top(verilog: &str, name: &str) -> String {
    let bytes = verilog.as_bytes();
    let mut out = String::with_capacity(verilog.len());
    let mut i = 0;
    while i < bytes.len() {
        let at_word = i == 0 || !is_ident_byte(bytes[i - 1]);
        if at_word && verilog[i..].starts_with("top") {
            let next = bytes.get(i + 3).copied();
            if next.is_none_or(|b| b == b'$' || !is_ident_byte(b)) {
                out.push_str(name);
                i += 3;
                continue;
            }
        }
        let ch = verilog[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

// --- end of F1 shell generation ---

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_casts_become_size_casts() {
        assert_eq!(finish("x = ((a$b) & 8'hff);"), "x = 8'(a$b);");
        assert_eq!(finish("x = ((a) & 1'h1);"), "x = 1'(a);");
        assert_eq!(finish("x = ((a) & 6'h3f);"), "x = 6'(a);");
        assert_eq!(
            finish("x = ((((p) & 8'hff) | c) & 256'hffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);"),
            "x = 256'(8'(p) | c);"
        );
        // Not a cast: a mask that is not all ones, or not in the cast's double parentheses.
        assert_eq!(finish("x = ((a) & 8'hfe);"), "x = ((a) & 8'hfe);");
        assert_eq!(finish("x = (b + (a) & 8'hff);"), "x = (b + (a) & 8'hff);");
        assert_eq!(finish("y = a == 32'h5;"), "y = a == 'h5;");
    }

    #[test]
    fn top_module_is_renamed() {
        assert_eq!(
            rename_top(
                "module top(a);\n top$x x(); // top\n wire stop, top_1;",
                "s"
            ),
            "module s(a);\n s$x x(); // s\n wire stop, top_1;"
        );
    }
}
