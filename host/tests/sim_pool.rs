//! A pool of simulated cores: the same results as one device and as the CPU; one core hanging
//! mid-batch changes nothing and is taken out; every core failing still gives right results.
#![cfg(feature = "sim")]

use fpevm::offload::sim::SimDevice;
use fpevm::offload::{DevicePool, Job, JobRunner};
use fpevm_sim::{Fault, FaultKind, Trigger};

#[path = "common/sim_driver.rs"]
mod sim_driver;
use sim_driver::driver;

fn pool(n: usize) -> DevicePool<SimDevice> {
    DevicePool::new((0..n).map(|_| driver()).collect())
}

fn inputs(n: usize, salt: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let len = (i * 41 + salt) % 500;
            (0..len).map(|j| (i * 131 + j * 7 + salt) as u8).collect()
        })
        .collect()
}

fn jobs(inputs: &[Vec<u8>]) -> Vec<Job<'_>> {
    inputs.iter().map(|i| Job::keccak(i)).collect()
}

fn cpu(jobs: &[Job]) -> Vec<[u8; 32]> {
    jobs.iter()
        .map(|j| j.cpu_result().expect("valid job"))
        .collect()
}

fn inject(pool: &mut DevicePool<SimDevice>, device: usize, fault: Fault) {
    pool.driver_mut(device)
        .expect("device")
        .transport_mut()
        .core_mut()
        .inject(fault);
}

#[test]
fn two_to_four_cores_give_the_results_of_one_core_and_of_the_cpu() {
    let data = inputs(600, 1);
    let jobs = jobs(&data);
    let mut one = driver();
    let single = one.run_jobs(&jobs).expect("one core");
    assert_eq!(single, cpu(&jobs), "one core equals the CPU");
    for n in 2..=4 {
        let mut p = pool(n);
        assert_eq!(p.name(), format!("pool(sim x {n})"));
        assert_eq!(p.run_valid(&jobs), single, "{n} cores equal one");
        let stats = p.stats();
        assert_eq!(
            (stats.devices_in, stats.devices_out, stats.cpu_jobs),
            (n, 0, 0)
        );
        assert_eq!(
            stats.jobs_per_device,
            vec![600 / n as u64; n],
            "spread evenly over {n}"
        );
        assert_eq!(p.faults(), 0);
        assert_eq!(p.device_jobs(), 600, "the cores' own counters");
        // Fewer jobs than devices, and none at all.
        let few = &jobs[..n - 1];
        assert_eq!(p.run_valid(few), cpu(few));
        assert!(p.run_valid(&[]).is_empty());
    }
}

#[test]
fn one_core_hanging_mid_batch_changes_nothing_and_is_taken_out() {
    let data = inputs(600, 2);
    let jobs = jobs(&data);
    let mut p = pool(3);
    inject(
        &mut p,
        1,
        Fault::new(FaultKind::Hang, Trigger::Completions(60)),
    );
    assert_eq!(p.run_valid(&jobs), cpu(&jobs));
    let stats = p.stats();
    assert!(!p.is_in(1) && p.is_in(0) && p.is_in(2), "{stats:?}");
    assert_eq!((stats.devices_in, stats.devices_out), (2, 1));
    assert_eq!(stats.faults.timeouts, 1, "{stats:?}");
    assert_eq!(stats.cpu_jobs, 0, "the other cores took the pending jobs");
    assert!(stats.jobs_per_device[1] < 200, "{stats:?}");
    assert_eq!(stats.jobs_per_device.iter().sum::<u64>(), 600);
    assert_eq!(p.faults(), 1);
    // The next batch runs on the two left.
    let more = inputs(300, 3);
    let more = self::jobs(&more);
    assert_eq!(p.run_valid(&more), cpu(&more));
    let after = p.stats();
    assert_eq!(after.jobs_per_device[1], stats.jobs_per_device[1]);
    assert_eq!(after.jobs_per_device.iter().sum::<u64>(), 900);
    // The hung core was reset when its fault was noticed: it can come back.
    assert_eq!(p.readmit(), 1);
    assert_eq!(p.run_valid(&more), cpu(&more));
    assert_eq!(p.stats().jobs_per_device[1], stats.jobs_per_device[1] + 100);
}

#[test]
fn every_core_failing_still_gives_right_results() {
    let data = inputs(600, 4);
    let jobs = jobs(&data);
    let mut p = pool(3);
    inject(
        &mut p,
        0,
        Fault::new(FaultKind::Hang, Trigger::Completions(40)),
    );
    inject(
        &mut p,
        1,
        Fault::new(FaultKind::ReadError, Trigger::ReadBeats(200)),
    );
    inject(
        &mut p,
        2,
        Fault::new(FaultKind::Gone, Trigger::Completions(80)),
    );
    assert_eq!(p.run_valid(&jobs), cpu(&jobs));
    let stats = p.stats();
    assert_eq!((stats.devices_in, stats.devices_out), (0, 3), "{stats:?}");
    let f = stats.faults;
    assert_eq!((f.timeouts, f.dma_errors, f.halts), (1, 1, 1), "{f:?}");
    assert!(stats.cpu_jobs > 0, "{stats:?}");
    assert_eq!(
        stats.jobs_per_device.iter().sum::<u64>() + stats.cpu_jobs,
        600
    );
    // With no device left, the CPU does it all.
    assert_eq!(p.run_valid(&jobs[..50]), cpu(&jobs[..50]));
    assert_eq!(p.stats().cpu_jobs, stats.cpu_jobs + 50);
}
