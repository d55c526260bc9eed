//! Writes the F1 shell's Verilog (module `fpevm_shell`):
//! `fpevm-shell-verilog OUT.v [ENGINES [ROUNDS_PER_CLOCK]]`.

fn main() -> std::process::ExitCode {
    fpevm_hdl::generator_cli::run(
        "fpevm-shell-verilog",
        "the core behind the F1 shell adapter, module fpevm_shell",
        fpevm_hdl::verilog::generate_shell_verilog,
    )
}
