//! The `fpevm` command line on bad input: one clear error line naming the file and the
//! problem, the closing `N passed, M failed` line, a non-zero exit, and never a panic.

use std::path::PathBuf;

#[path = "common/run_cli.rs"]
mod run_cli;
use run_cli::fpevm;

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fpevm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

const STATE_TEST: &str = r#"{"t": {
  "env": {"currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba", "currentDifficulty": "0x0",
          "currentGasLimit": "0x5f5e100", "currentNumber": "0x1", "currentTimestamp": "0x3e8",
          "currentBaseFee": "0x7", "currentRandom": "0x0000000000000000000000000000000000000000000000000000000000020000",
          "currentExcessBlobGas": "0x0"},
  "pre": {"0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b": {"balance": "0x3b9aca00", "code": "0x", "nonce": "0x0", "storage": {}}},
  "transaction": {"data": ["0x"], "gasLimit": ["0x5208"], "gasPrice": "0xa", "nonce": "0x0",
                  "secretKey": "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8",
                  "to": "0x1000000000000000000000000000000000000000", "value": ["0x1"]},
  "post": {"FORK": [{"indexes": {"data": 0, "gas": 0, "value": 0},
            "hash": "0x0000000000000000000000000000000000000000000000000000000000000000",
            "logs": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"}]}
}}"#;

fn assert_one_failure(args: &[&str], file_name: &str, problem: &str) {
    let (ok, stdout, stderr) = fpevm(args);
    assert!(!ok, "must exit non-zero: {stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.last().copied(),
        Some("0 passed, 1 failed"),
        "closing line: {stdout}"
    );
    let failure = lines
        .iter()
        .find(|l| l.starts_with("FAIL"))
        .unwrap_or_else(|| panic!("a FAIL line: {stdout}"));
    assert!(failure.contains(file_name), "names the file: {failure}");
    assert!(
        failure.contains(problem),
        "names the problem `{problem}`: {failure}"
    );
}

#[test]
fn truncated_json() {
    let path = temp_file("truncated.json", &STATE_TEST[..STATE_TEST.len() / 2]);
    assert_one_failure(
        &["statetest", path.to_str().unwrap()],
        "truncated.json",
        "EOF while parsing",
    );
}

#[test]
fn missing_field() {
    let path = temp_file(
        "missing.json",
        &STATE_TEST.replace("\"transaction\"", "\"transactionX\""),
    );
    assert_one_failure(
        &["statetest", path.to_str().unwrap()],
        "missing.json",
        "missing field `transaction`",
    );
}

#[test]
fn bad_hex() {
    let path = temp_file(
        "badhex.json",
        &STATE_TEST.replace("0x3b9aca00", "0x3b9zca00"),
    );
    assert_one_failure(
        &["statetest", path.to_str().unwrap()],
        "badhex.json",
        "malformed test file",
    );
}

#[test]
fn unknown_fork() {
    let path = temp_file("fork.json", &STATE_TEST.replace("FORK", "Cancunn"));
    assert_one_failure(
        &["statetest", path.to_str().unwrap()],
        "fork.json",
        "unknown fork `Cancunn`",
    );
}

#[test]
fn unknown_network() {
    let path = temp_file(
        "network.json",
        r#"{"t": {"network": "Cancunn", "blocks": []}}"#,
    );
    assert_one_failure(
        &["blocktest", path.to_str().unwrap()],
        "network.json",
        "unknown network `Cancunn`",
    );
}

#[test]
fn wrong_state_root_is_a_failure_not_a_pass() {
    let path = temp_file("root.json", &STATE_TEST.replace("FORK", "Cancun"));
    assert_one_failure(
        &["statetest", path.to_str().unwrap()],
        "root.json",
        "state root",
    );
}

#[test]
fn missing_path() {
    let (ok, stdout, stderr) = fpevm(&["statetest", "/no/such/folder"]);
    assert!(!ok);
    assert!(
        stderr.contains("/no/such/folder: no such file or directory"),
        "{stderr}"
    );
    assert_eq!(stdout.lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn demo_offloads_to_a_pool_of_simulated_cores_with_the_same_result() {
    let (ok, stdout, stderr) = fpevm(&[
        "demo",
        "--offload",
        "always",
        "--device",
        "sim",
        "--devices",
        "2",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(stdout.contains("operations on the device"), "{stdout}");
    assert!(stdout.contains("pool(sim x 2)"), "{stdout}");
}

#[test]
fn transfers_through_revm_pass_the_same_state_tests() {
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/ethereum-tests/GeneralStateTests/stEIP1559"
    );
    assert!(
        std::path::Path::new(folder).is_dir(),
        "the corpus is missing: {folder}"
    );
    let native = fpevm(&["statetest", folder, "--threads", "2"]);
    let revm_only = fpevm(&[
        "statetest",
        folder,
        "--threads",
        "2",
        "--no-native-transfers",
    ]);
    for (ok, stdout, stderr) in [&native, &revm_only] {
        assert!(ok, "{stdout}\n{stderr}");
        assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    }
    assert_eq!(native.1.lines().last(), revm_only.1.lines().last());
}
