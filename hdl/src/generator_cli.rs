//! The command line the Verilog generators share: `NAME OUT.v [ENGINES [ROUNDS_PER_CLOCK]]`.

use std::process::ExitCode;

/// Parses the arguments, writes `generate(engines, rounds)` to `OUT.v` and says what it wrote
/// (`what`: the module's description); a bad argument or write is an error line and failure.
pub fn run(name: &str, what: &str, generate: fn(usize, usize) -> String) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| match args.get(i) {
        None => Ok(default),
        Some(s) => s.parse::<usize>().map_err(|_| format!("not a number: {s}")),
    };
    let parsed = (|| {
        let out = args
            .first()
            .ok_or_else(|| format!("usage: {name} OUT.v [ENGINES [ROUNDS]]"))?;
        let engines = number(1, crate::DEFAULT_ENGINES)?;
        let rounds = number(2, crate::DEFAULT_ROUNDS)?;
        crate::check_config(engines, rounds)?;
        Ok::<_, String>((out.clone(), engines, rounds))
    })();
    let result = parsed.and_then(|(out, engines, rounds)| {
        std::fs::write(&out, generate(engines, rounds))
            .map_err(|e| format!("cannot write {out}: {e}"))?;
        println!("wrote {out}: {what} ({engines} engines, {rounds} rounds per clock)");
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
