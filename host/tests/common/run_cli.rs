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

/// A `--json` command's output: its closing `N passed, M failed` line and the JSON objects of
/// the lines before it (a line that is not JSON fails the test).
#[allow(dead_code)] // Not every test binary that includes this module reads JSON.
pub fn json_lines(stdout: &str) -> (&str, Vec<serde_json::Value>) {
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, results) = lines.split_last().expect("output");
    let objects = results
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (summary, objects)
}
