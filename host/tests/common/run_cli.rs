//! Runs the `fpevm` binary the way a user does, for the command-line tests.

use std::process::Command;

/// Runs `fpevm args...`; returns (exit success, stdout, stderr).
pub fn fpevm(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fpevm"))
        .args(args)
        .output()
        .expect("run fpevm");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
