//! Verilator `-Wall` lint of generated Verilog, with the project's waivers (`hdl/lint.vlt`).

use std::path::PathBuf;
use std::process::Command;

/// Writes `verilog` as `name.v` and asserts that `verilator --lint-only -Wall` with top module
/// `top` reports nothing.
pub fn assert_lint_clean(name: &str, top: &str, verilog: String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("{name}.v"));
    std::fs::write(&file, verilog).expect("write Verilog");
    let waivers = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/lint.vlt"));
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", top])
        .arg(&waivers)
        .arg(&file)
        .output()
        .expect("verilator must be installed (make setup)");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "{name}: lint:\n{report}"
    );
}
