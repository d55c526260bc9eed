//! `fpevm bench exec --json` on small synthetic blocks: one JSON object per workload and thread
//! count with the fields the issue names, the machine's ceiling and the page faults of each
//! side, and a clean `N passed, 0 failed`.

#[path = "common/run_cli.rs"]
mod run_cli;
use run_cli::{fpevm, json_lines};

#[test]
fn bench_exec_reports_each_side_and_its_page_faults() {
    let (success, stdout, stderr) = fpevm(&[
        "bench",
        "exec",
        "--workload",
        "erc20",
        "--txs",
        "64",
        "--runs",
        "1",
        "--json",
    ]);
    assert!(success, "exit status: {stdout}{stderr}");
    let (summary, objects) = json_lines(&stdout);
    // Without --threads: the sweep over 1, 2, 4 and 8 threads.
    assert_eq!(summary, "4 passed, 0 failed", "{stderr}");
    let threads: Vec<u64> = objects
        .iter()
        .filter_map(|o| o["threads"].as_u64())
        .collect();
    assert_eq!(threads, [1, 2, 4, 8]);
    for o in &objects {
        assert_eq!(o["workload"], "erc20", "{o}");
        assert_eq!(o["txs"], 64, "{o}");
        let revm = o["revm_sequential_ms"].as_f64().expect("revm time");
        let fpevm = o["fpevm_ms"].as_f64().expect("fpevm time");
        assert!(revm > 0.0 && fpevm > 0.0, "{o}");
        let speedup = o["speedup"].as_f64().expect("speedup");
        assert!((speedup - revm / fpevm).abs() < 1e-9, "{o}");
        let ceiling = o["ceiling"].as_f64().expect("ceiling");
        match o["threads"].as_u64() {
            Some(1) => assert_eq!(ceiling, 1.0, "{o}"),
            _ => assert!(ceiling.is_finite() && ceiling > 0.0, "{o}"),
        }
        assert!(o["revm_page_faults"].is_u64(), "{o}");
        assert!(o["fpevm_page_faults"].is_u64(), "{o}");
        assert!(!o["strategy"].as_str().expect("strategy").is_empty(), "{o}");
    }
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert!(
            stderr.contains("allocator: glibc's mmap threshold fixed"),
            "{stderr}"
        );
    }
}

#[test]
fn bench_exec_idles_before_each_run_when_asked() {
    // Two runs of each side (revm with and without receipts, fpevm), each after 25 ms asleep:
    // at least 6 x 25 ms (the ceiling's runs idle too, on a machine with two cores or more).
    let started = std::time::Instant::now();
    let (success, stdout, stderr) = fpevm(&[
        "bench",
        "exec",
        "--workload",
        "erc20",
        "--txs",
        "16",
        "--runs",
        "2",
        "--threads",
        "2",
        "--idle-ms",
        "25",
        "--json",
    ]);
    let elapsed = started.elapsed();
    assert!(success, "exit status: {stdout}{stderr}");
    let (summary, objects) = json_lines(&stdout);
    assert_eq!(summary, "1 passed, 0 failed", "{stderr}");
    assert_eq!(objects.len(), 1);
    assert!(
        elapsed >= std::time::Duration::from_millis(150),
        "{elapsed:?}"
    );
}
