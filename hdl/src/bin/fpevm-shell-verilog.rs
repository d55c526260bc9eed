//! Writes the F1 shell's Verilog (module `fpevm_shell`):
//! `fpevm-shell-verilog OUT.v [ENGINES [ROUNDS_PER_CLOCK]]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| match args.get(i) {
        None => Ok(default),
        Some(s) => s.parse::<usize>().map_err(|_| format!("not a number: {s}")),
    };
    let parsed = (|| {
        let out = args
            .first()
            .ok_or("usage: fpevm-shell-verilog OUT.v [ENGINES [ROUNDS]]")?;
        let engines = number(1, fpevm_hdl::DEFAULT_ENGINES)?;
        let rounds = number(2, fpevm_hdl::DEFAULT_ROUNDS)?;
        fpevm_hdl::check_config(engines, rounds)?;
        Ok::<_, String>((out.clone(), engines, rounds))
    })();
    match parsed {
        Ok((out, engines, rounds)) => {
            let verilog = fpevm_hdl::verilog::generate_shell_verilog(engines, rounds);
            if let Err(e) = std::fs::write(&out, verilog) {
                eprintln!("error: cannot write {out}: {e}");
                return ExitCode::FAILURE;
            }
            println!(
                "wrote {out}: module {} ({engines} engines, {rounds} rounds per clock)",
                fpevm_hdl::verilog::SHELL_MODULE
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
