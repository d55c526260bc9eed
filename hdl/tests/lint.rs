//! Verilator's `-Wall` lint is clean on the generated core and permutation, with waivers only
//! for rust-hdl's own generated code (`hdl/lint.vlt`, each waiver commented).

#[path = "common/verilator_lint.rs"]
mod verilator_lint;

fn lint(name: &str, verilog: String) {
    verilator_lint::assert_lint_clean(name, "top", verilog);
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
