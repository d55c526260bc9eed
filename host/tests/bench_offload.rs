//! `fpevm bench offload --json` on the default simulated core: one line per Keccak length and
//! ALU opcode with its fields, every device result checked (a wrong one fails the line), and a
//! clean `N passed, 0 failed`.
#![cfg(feature = "sim")]

#[path = "common/run_cli.rs"]
mod run_cli;
use run_cli::{fpevm, json_lines};

#[test]
fn bench_offload_reports_every_operation() {
    let (success, stdout, stderr) = fpevm(&["bench", "offload", "--json"]);
    assert!(success, "exit status: {stdout}{stderr}");
    let (summary, objects) = json_lines(&stdout);
    assert_eq!(summary, "12 passed, 0 failed", "{stderr}");
    let ops: Vec<&str> = objects.iter().filter_map(|o| o["op"].as_str()).collect();
    assert_eq!(ops.len(), 12, "{ops:?}");
    for op in ["KECCAK256/32", "MUL", "MULMOD", "EXP"] {
        assert!(ops.contains(&op), "{op} missing: {ops:?}");
    }
    for o in &objects {
        let one = o["device_cycles_one"].as_u64().expect("cycles");
        assert!(one > 0, "{o}");
        let projected = o["device_ns_one"].as_f64().expect("ns");
        // The modeled round trip is part of every projection.
        assert!(projected >= 2_000.0, "{o}");
        assert!(o["cpu_ns"].as_f64().expect("cpu") > 0.0, "{o}");
        assert!(
            ["cpu", "device"].contains(&o["auto_one"].as_str().expect("auto")),
            "{o}"
        );
    }
    // A lane waiting on one short hash never pays the round trip.
    let short = objects
        .iter()
        .find(|o| o["op"] == "KECCAK256/32")
        .expect("short hash");
    assert_eq!(short["auto_one"], "cpu");
}
