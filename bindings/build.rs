//! Generates the Rust declarations of the AWS FPGA SDK calls fpevm uses, with bindgen, from
//! the project's own header (`include/fpevm_aws_sdk.h`) or, when `AWS_FPGA_SDK_DIR` is set,
//! from the SDK's own `fpga_pci.h` and `fpga_mgmt.h`.
//!
//! By default the declarations are a struct of function pointers filled from the shared
//! library at run time (`libloading`), so every binary links on any machine. Feature `link`
//! declares them as ordinary `extern "C"` functions and links `libfpga_mgmt`, `rt` and
//! `pthread` at build time (search path: `FPEVM_FPGA_MGMT_LIB_DIR`, else
//! `$AWS_FPGA_SDK_DIR/sdk/userspace/lib`).
//!
//! It also builds `libfpevm_fake_fpga_mgmt.so`, a stand-in for the SDK library that the
//! tests load (see `csrc/fake_fpga_mgmt.c`); a machine without a C compiler gets a warning
//! and the tests that need it fail saying so.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The SDK functions declared, in the SDK's names.
const FUNCTIONS: &[&str] = &[
    "fpga_pci_init",
    "fpga_pci_attach",
    "fpga_pci_detach",
    "fpga_pci_peek",
    "fpga_pci_poke",
    "fpga_pci_peek64",
    "fpga_pci_poke64",
    "fpga_pci_get_address",
    "fpga_mgmt_init",
    "fpga_mgmt_close",
    "fpga_mgmt_strerror",
    "fpga_mgmt_get_status",
    "fpga_mgmt_describe_local_image",
    "fpga_mgmt_load_local_image",
];

/// The SDK constants declared (a regular expression over their names).
const CONSTANTS: &str = "FPGA_APP_PF|FPGA_MGMT_PF|APP_PF_BAR[0-9]|FPGA_STATUS_[A-Z_]+|FPGA_ERR_[A-Z_]+|AFI_ID_STR_MAX|BURST_CAPABLE|PCI_BAR_HANDLE_INIT";

fn main() {
    println!("cargo:rerun-if-env-changed=AWS_FPGA_SDK_DIR");
    println!("cargo:rerun-if-env-changed=FPEVM_FPGA_MGMT_LIB_DIR");
    println!("cargo:rerun-if-changed=include/fpevm_aws_sdk.h");
    println!("cargo:rerun-if-changed=csrc/fake_fpga_mgmt.c");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let link = env::var_os("CARGO_FEATURE_LINK").is_some();
    let sdk_dir = env::var_os("AWS_FPGA_SDK_DIR").map(PathBuf::from);

    let mut builder = bindgen::Builder::default();
    match &sdk_dir {
        Some(dir) => {
            let include = dir.join("sdk/userspace/include");
            for header in ["fpga_pci.h", "fpga_mgmt.h", "hal/fpga_common.h"] {
                println!("cargo:rerun-if-changed={}", include.join(header).display());
            }
            builder = builder
                .header_contents(
                    "fpevm_sdk_wrapper.h",
                    "#include <fpga_pci.h>\n#include <fpga_mgmt.h>\n",
                )
                .clang_arg(format!("-I{}", include.display()));
        }
        None => builder = builder.header("include/fpevm_aws_sdk.h"),
    }
    for function in FUNCTIONS {
        builder = builder.allowlist_function(function);
    }
    builder = builder
        .allowlist_var(CONSTANTS)
        .allowlist_type("pci_bar_handle_t")
        .allowlist_type("fpga_mgmt_image_info")
        .layout_tests(true)
        .generate_comments(false);
    if !link {
        builder = builder
            .dynamic_library_name("FpgaSdk")
            .dynamic_link_require_all(true);
    }
    let bindings = builder.generate().expect(
        "bindgen could not read the AWS FPGA SDK header (is libclang installed? `make setup`)",
    );
    bindings
        .write_to_file(out.join("sdk.rs"))
        .expect("write the generated bindings");

    if link {
        let lib_dir = env::var_os("FPEVM_FPGA_MGMT_LIB_DIR")
            .map(PathBuf::from)
            .or_else(|| sdk_dir.map(|d| d.join("sdk/userspace/lib")));
        if let Some(dir) = lib_dir {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
        println!("cargo:rustc-link-lib=dylib=fpga_mgmt");
        println!("cargo:rustc-link-lib=dylib=rt");
        println!("cargo:rustc-link-lib=dylib=pthread");
    }

    build_fake_sdk(&out);
}

/// Compiles the fake SDK into `OUT_DIR` and tells the crate where it is
/// (`FPEVM_FAKE_SDK_LIB`, empty when it could not be built).
fn build_fake_sdk(out: &Path) {
    let lib = out.join("libfpevm_fake_fpga_mgmt.so");
    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let status = Command::new(compiler.path())
        .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-Iinclude"])
        .arg("csrc/fake_fpga_mgmt.c")
        .arg("-o")
        .arg(&lib)
        .status();
    match status {
        Ok(s) if s.success() => {
            println!("cargo:rustc-env=FPEVM_FAKE_SDK_LIB={}", lib.display());
        }
        other => {
            println!("cargo:warning=the fake AWS FPGA SDK used by tests was not built: {other:?}");
            println!("cargo:rustc-env=FPEVM_FAKE_SDK_LIB=");
        }
    }
}
