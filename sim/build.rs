//! Generates the core's Verilog from `fpevm-hdl`, Verilates each configuration named in
//! `FPEVM_SIM_CONFIGS` (default [`DEFAULT_CONFIGS`]: `ENGINESxROUNDS`, comma-separated),
//! compiles the C harness around each, and writes `variants.rs`, the table the crate's
//! Rust side uses to open a model.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Configurations built when `FPEVM_SIM_CONFIGS` is not set: the default core, a one-engine
/// round-per-clock core, and a two-engine four-rounds-per-clock one, so that the benchmark
/// sweeps both parameters while CI builds stay short.
const DEFAULT_CONFIGS: &str = "4x2,1x1,2x4";

fn main() {
    println!("cargo:rerun-if-env-changed=FPEVM_SIM_CONFIGS");
    println!("cargo:rerun-if-env-changed=VERILATOR_ROOT");
    println!("cargo:rerun-if-changed=csrc/harness.cpp");
    println!("cargo:rerun-if-changed=csrc/perm_harness.cpp");
    println!("cargo:rerun-if-changed=../hdl/src");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let vcd = env::var_os("CARGO_FEATURE_VCD").is_some();
    let include = verilator_include();
    let configs = env::var("FPEVM_SIM_CONFIGS").unwrap_or_else(|_| DEFAULT_CONFIGS.into());

    let mut table = String::new();
    let mut perm_table = String::new();
    let mut externs = String::new();
    let mut perm_rounds = Vec::new();
    for spec in configs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (engines, rounds) = parse_config(spec);
        if !perm_rounds.contains(&rounds) {
            perm_rounds.push(rounds);
            build_permutation(&out, &include, rounds, &mut externs, &mut perm_table);
        }
        let name = format!("e{engines}_r{rounds}");
        let class = format!("Vfpevm_{name}");
        let dir = out.join(&name);
        std::fs::create_dir_all(&dir).expect("create model directory");
        let verilog = dir.join("fpevm_core.v");
        std::fs::write(
            &verilog,
            fpevm_hdl::verilog::generate_core_verilog(engines, rounds),
        )
        .expect("write Verilog");
        verilate(&verilog, &dir, &class, vcd);
        let prefix = format!("fpevm_{name}_");
        let mut harness = cc::Build::new();
        harness
            .cpp(true)
            .file("csrc/harness.cpp")
            .include(&dir)
            .include(&include)
            .include(include.join("vltstd"))
            .define("VTOP", class.as_str())
            .define("PFX", prefix.as_str())
            .flag_if_supported("-std=c++17")
            .flag_if_supported("-Wno-unused-parameter")
            .opt_level(2);
        if vcd {
            harness.define("FPEVM_VCD", None);
        }
        harness.compile(&format!("fpevm_harness_{name}"));
        // Rust links `lib<name>.a`; Verilator names the model's archive `<class>__ALL.a`.
        let model_lib = format!("fpevm_model_{name}");
        std::fs::copy(
            dir.join(format!("{class}__ALL.a")),
            dir.join(format!("lib{model_lib}.a")),
        )
        .expect("copy the model archive");
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=static={model_lib}");
        writeln!(
            externs,
            "    fn {prefix}new() -> *mut c_void;\n    fn {prefix}free(m: *mut c_void);\n    \
             fn {prefix}settle(m: *mut c_void, i: *const Inputs, o: *mut Outputs);\n    \
             fn {prefix}tick(m: *mut c_void);\n    \
             fn {prefix}trace(m: *mut c_void, path: *const c_char) -> c_int;"
        )
        .unwrap();
        writeln!(
            table,
            "    Variant {{ engines: {engines}, rounds: {rounds}, new: {prefix}new, free: {prefix}free, \
             settle: {prefix}settle, tick: {prefix}tick, trace: {prefix}trace }},"
        )
        .unwrap();
    }

    let mut runtime = cc::Build::new();
    runtime
        .cpp(true)
        .file(include.join("verilated.cpp"))
        .file(include.join("verilated_threads.cpp"))
        .include(&include)
        .include(include.join("vltstd"))
        .flag_if_supported("-std=c++17")
        .flag_if_supported("-w")
        .opt_level(2);
    if vcd {
        runtime.file(include.join("verilated_vcd_c.cpp"));
    }
    runtime.compile("fpevm_verilated_runtime");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    println!("cargo:rustc-link-lib=dylib=pthread");

    let (default_engines, default_rounds) = (fpevm_hdl::DEFAULT_ENGINES, fpevm_hdl::DEFAULT_ROUNDS);
    let code = format!(
        "/// Engines of `fpevm_hdl`'s default configuration.\n\
         pub(crate) const DEFAULT_ENGINES: usize = {default_engines};\n\
         /// Rounds per clock of `fpevm_hdl`'s default configuration.\n\
         pub(crate) const DEFAULT_ROUNDS: usize = {default_rounds};\n\n\
         extern \"C\" {{\n{externs}}}\n\n\
         /// The configurations built into this crate.\n\
         pub(crate) static VARIANTS: &[Variant] = &[\n{table}];\n\n\
         /// The lone-permutation test models built into this crate.\n\
         pub(crate) static PERM_VARIANTS: &[PermVariant] = &[\n{perm_table}];\n"
    );
    std::fs::write(out.join("variants.rs"), code).expect("write variants.rs");
}

fn parse_config(spec: &str) -> (usize, usize) {
    let parsed = spec
        .split_once('x')
        .and_then(|(e, r)| Some((e.parse().ok()?, r.parse().ok()?)));
    let Some((engines, rounds)) = parsed else {
        panic!("FPEVM_SIM_CONFIGS: `{spec}` is not ENGINESxROUNDS (for example 4x2)");
    };
    if let Err(e) = fpevm_hdl::check_config(engines, rounds) {
        panic!("FPEVM_SIM_CONFIGS: `{spec}`: {e}");
    }
    (engines, rounds)
}

/// Verilator's include directory: `$VERILATOR_ROOT/include`, else Debian's location.
fn verilator_include() -> PathBuf {
    let root = env::var_os("VERILATOR_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/verilator"));
    let include = root.join("include");
    if !include.join("verilated.h").exists() {
        panic!(
            "Verilator not found ({} has no verilated.h): run `make setup`, or set VERILATOR_ROOT",
            include.display()
        );
    }
    include
}

fn verilate(verilog: &Path, dir: &Path, class: &str, vcd: bool) {
    let jobs = env::var("NUM_JOBS").unwrap_or_else(|_| "2".into());
    let mut cmd = Command::new("verilator");
    cmd.args([
        "--cc",
        "--build",
        "-O3",
        "--x-assign",
        "fast",
        "--x-initial",
        "0",
    ])
    .args([
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--top-module",
        "top",
    ])
    .args(["--prefix", class, "-j", &jobs, "-MAKEFLAGS", "-s"])
    .arg("-CFLAGS")
    .arg("-O2")
    .arg("--Mdir")
    .arg(dir);
    if vcd {
        cmd.arg("--trace");
    }
    cmd.arg(verilog);
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}): run `make setup`"));
    if !output.status.success() {
        panic!(
            "verilator failed on {}:\n{}\n{}",
            verilog.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Verilates the lone permutation of `rounds` rounds per clock and its C harness.
fn build_permutation(
    out: &Path,
    include: &Path,
    rounds: usize,
    externs: &mut String,
    table: &mut String,
) {
    let name = format!("perm_r{rounds}");
    let class = format!("Vfpevm_{name}");
    let dir = out.join(&name);
    std::fs::create_dir_all(&dir).expect("create model directory");
    let verilog = dir.join("fpevm_permutation.v");
    std::fs::write(
        &verilog,
        fpevm_hdl::verilog::generate_permutation_verilog(rounds),
    )
    .expect("write Verilog");
    verilate(&verilog, &dir, &class, false);
    let prefix = format!("fpevm_{name}_");
    cc::Build::new()
        .cpp(true)
        .file("csrc/perm_harness.cpp")
        .include(&dir)
        .include(include)
        .include(include.join("vltstd"))
        .define("VTOP", class.as_str())
        .define("PFX", prefix.as_str())
        .flag_if_supported("-std=c++17")
        .flag_if_supported("-Wno-unused-parameter")
        .opt_level(2)
        .compile(&format!("fpevm_perm_harness_{name}"));
    let model_lib = format!("fpevm_model_{name}");
    std::fs::copy(
        dir.join(format!("{class}__ALL.a")),
        dir.join(format!("lib{model_lib}.a")),
    )
    .expect("copy the model archive");
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static={model_lib}");
    writeln!(
        externs,
        "    fn {prefix}new() -> *mut c_void;\n    fn {prefix}free(m: *mut c_void);\n    \
         fn {prefix}cycle(m: *mut c_void, start: u8, keep: u8, clear: u8, absorb: *const u32, \
         state: *mut u32, busy: *mut u8);"
    )
    .unwrap();
    writeln!(
        table,
        "    PermVariant {{ rounds: {rounds}, new: {prefix}new, free: {prefix}free, cycle: {prefix}cycle }},"
    )
    .unwrap();
}
