//! Verilator's `-Wall` lint is clean on the generated F1 shell (`fpevm_shell`: the core and
//! its AXI adapters), with waivers only for rust-hdl's own generated code (`hdl/lint.vlt`).

#[path = "common/verilator_lint.rs"]
mod verilator_lint;

fn lint(name: &str, verilog: String) {
    verilator_lint::assert_lint_clean(name, fpevm_hdl::verilog::SHELL_MODULE, verilog);
}

#[test]
fn shell_lints_clean() {
    lint(
        "shell_e2_r4",
        fpevm_hdl::verilog::generate_shell_verilog(2, 4),
    );
}

#[test]
fn shell_with_other_limits_lints_clean() {
    for (reads, writes) in [(1, 1), (32, 8), (255, 255)] {
        lint(
            &format!("shell_e1_r2_{reads}_{writes}"),
            fpevm_hdl::verilog::generate_shell_verilog_with_limits(1, 2, reads, writes),
        );
    }
}

#[test]
fn shell_top_has_the_contract_ports() {
    let verilog = fpevm_hdl::verilog::generate_shell_verilog(1, 2);
    let header = verilog
        .lines()
        .find(|l| l.starts_with("module fpevm_shell("))
        .expect("module fpevm_shell");
    let ports: Vec<&str> = header["module fpevm_shell(".len()..]
        .trim_end_matches(");")
        .split(',')
        .collect();
    let mut expected = vec!["clock".to_string()];
    for p in [
        "awvalid", "awaddr", "awready", "wvalid", "wdata", "wstrb", "wready", "bvalid", "bresp",
        "bready", "arvalid", "araddr", "arready", "rvalid", "rdata", "rresp", "rready",
    ] {
        expected.push(format!("ocl_{p}"));
    }
    for p in [
        "awid", "awaddr", "awlen", "awsize", "awvalid", "awready", "wdata", "wstrb", "wlast",
        "wvalid", "wready", "bid", "bresp", "bvalid", "bready", "arid", "araddr", "arlen",
        "arsize", "arvalid", "arready", "rid", "rdata", "rresp", "rlast", "rvalid", "rready",
    ] {
        expected.push(format!("pcim_{p}"));
    }
    assert_eq!(ports, expected);
    for (port, decl) in [
        ("ocl_awaddr", "input wire  [31:0] ocl_awaddr;"),
        ("pcim_araddr", "output reg  [63:0] pcim_araddr;"),
        ("pcim_wdata", "output reg  [511:0] pcim_wdata;"),
        ("pcim_rid", "input wire  [15:0] pcim_rid;"),
        ("pcim_wstrb", "output reg  [63:0] pcim_wstrb;"),
    ] {
        assert!(verilog.contains(decl), "{port}: {decl}");
    }
    assert!(!verilog.contains("module top"), "no module left named top");
}
