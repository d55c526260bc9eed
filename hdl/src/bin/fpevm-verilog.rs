//! Writes the core's Verilog: `fpevm-verilog OUT.v [ENGINES [ROUNDS_PER_CLOCK]]`.

fn main() -> std::process::ExitCode {
    fpevm_hdl::generator_cli::run(
        "fpevm-verilog",
        "the core, module top",
        fpevm_hdl::verilog::generate_core_verilog,
    )
}
