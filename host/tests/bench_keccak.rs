//! `fpevm bench keccak` on the default core configuration: the permutation takes the 24/R
//! cycles the core is built for, jobs complete, every line carries its fields, and the run ends
//! with a clean `N passed, 0 failed`.
#![cfg(feature = "sim")]

use serde_json::Value;
#[path = "common/run_cli.rs"]
mod run_cli;
use run_cli::{fpevm, json_lines};

#[test]
fn bench_keccak_measures_the_default_core() {
    let (success, stdout, stderr) = fpevm(&[
        "bench",
        "keccak",
        "--engines",
        "4",
        "--rounds-per-clock",
        "2",
        "--jobs",
        "200",
        "--json",
    ]);
    assert!(success, "exit status: {stdout}{stderr}");

    let (summary, objects) = json_lines(&stdout);
    let of_kind =
        |kind: &str| -> Vec<&Value> { objects.iter().filter(|o| o["kind"] == kind).collect() };

    let sim = of_kind("sim");
    let mut lengths: Vec<u64> = sim
        .iter()
        .filter_map(|o| o["input_bytes"].as_u64())
        .collect();
    lengths.sort_unstable();
    assert_eq!(
        lengths,
        [32, 136, 1024],
        "one line per input length: {stdout}"
    );
    for line in &sim {
        assert_eq!(line["engines"], 4, "{line}");
        assert_eq!(line["rounds_per_clock"], 2, "{line}");
        let cycles = line["cycles_per_permutation"].as_f64().expect("cycles");
        assert!(
            (cycles - 12.0).abs() <= 0.5,
            "24/2 cycles per permutation: {line}"
        );
        let jobs_per_cycle = line["jobs_per_cycle"].as_f64().expect("jobs_per_cycle");
        assert!(jobs_per_cycle > 0.0, "{line}");
        // Four engines finish at most four permutations per 12 cycles.
        assert!(jobs_per_cycle <= 4.0 / 12.0 + 1e-9, "{line}");
        // Back to back, every engine starts its next permutation at most one cycle after the
        // last one ended, and the engines permute nearly all the time the core is busy.
        let gap = line["max_idle_cycles_between_jobs"].as_u64().expect("gap");
        assert!(gap <= 1, "{line}");
        let utilization = line["engine_utilization"].as_f64().expect("utilization");
        assert!(utilization > 0.8 && utilization <= 1.0, "{line}");
        assert!(line["starved_cycles_per_job"].as_f64().is_some(), "{line}");
        let projected = line["projected_hashes_per_s"].as_f64().expect("projected");
        assert!(
            (projected - jobs_per_cycle * 250e6).abs() <= 1e-6 * projected,
            "{line}"
        );
        assert!(
            line["cpu_hashes_per_s"].as_f64().expect("cpu") > 0.0,
            "{line}"
        );
        assert!(line["ratio"].as_f64().is_some(), "ratio: {line}");
    }

    let driver = of_kind("driver");
    let mut batches: Vec<u64> = driver.iter().filter_map(|o| o["batch"].as_u64()).collect();
    batches.sort_unstable();
    assert_eq!(batches, [1, 16, 64], "driver lines: {stdout}");
    for line in &driver {
        assert!(
            line["driver_ns_per_descriptor"].as_f64().is_some(),
            "{line}"
        );
    }

    assert_eq!(objects.len(), sim.len() + driver.len(), "{stdout}");
    assert_eq!(
        summary,
        format!("{} passed, 0 failed", objects.len()),
        "{stdout}"
    );
}

#[test]
fn bench_keccak_names_the_built_configurations_for_one_that_is_not() {
    let (success, stdout, stderr) = fpevm(&[
        "bench",
        "keccak",
        "--engines",
        "3",
        "--rounds-per-clock",
        "5",
    ]);
    assert!(!success, "must fail: {stdout}{stderr}");
    assert!(stderr.contains("not built"), "{stderr}");
    assert!(stderr.contains("built:"), "names the built ones: {stderr}");
    assert_eq!(
        stdout.lines().last(),
        Some("0 passed, 1 failed"),
        "{stdout}"
    );
}
