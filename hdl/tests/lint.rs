//! Verilator's `-Wall` lint is clean on the generated core and permutation, with waivers only
//! for rust-hdl's own generated code (`hdl/lint.vlt`, each waiver commented).

use std::path::PathBuf;
use std::process::Command;

fn lint(name: &str, verilog: String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join(format!("{name}.v"));
    std::fs::write(&file, verilog).expect("write Verilog");
    let waivers = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/lint.vlt"));
    let out = Command::new("verilator")
        .args(["--lint-only", "-Wall", "--top-module", "top"])
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

#[test]
fn core_configurations_lint_clean() {
    for (engines, rounds) in [(4, 2), (1, 1), (8, 4), (3, 24)] {
        lint(
            &format!("core_e{engines}_r{rounds}"),
            fpevm_hdl::verilog::generate_core_verilog(engines, rounds),
        );
    }
}

#[test]
fn permutation_lints_clean() {
    for rounds in [1, 2, 4] {
        lint(
            &format!("perm_r{rounds}"),
            fpevm_hdl::verilog::generate_permutation_verilog(rounds),
        );
    }
}
