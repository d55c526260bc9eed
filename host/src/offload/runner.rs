//! `JobRunner`: what lanes, the batcher and the state root hand jobs to — one device's
//! [`Driver`] or a pool of devices — with one promise: every result is right.

use super::driver::{Driver, Job};
use super::transport::Transport;

/// Runs batches of valid jobs (each one's [`Job::cpu_result`] is `Some`) and returns their
/// results in order. Device faults never surface: the work they interrupt finishes elsewhere
/// (another device or the CPU) with the same results, and is counted in [`JobRunner::faults`].
pub trait JobRunner: Send {
    /// A short name for logs and reports (`cpu`, `sim`, `pool(sim x 2)`, ...).
    fn name(&self) -> String;
    /// The results of `jobs`, in order.
    fn run_valid(&mut self, jobs: &[Job]) -> Vec<[u8; 32]>;
    /// Device faults survived so far.
    fn faults(&self) -> u64;
    /// Jobs the devices completed (their `JOBS` counters).
    fn device_jobs(&mut self) -> u64;
}

impl<T: Transport> JobRunner for Driver<T> {
    fn name(&self) -> String {
        self.transport().name().to_string()
    }

    fn run_valid(&mut self, jobs: &[Job]) -> Vec<[u8; 32]> {
        self.run_valid_jobs_or_cpu(jobs)
    }

    fn faults(&self) -> u64 {
        Driver::faults(self)
    }

    fn device_jobs(&mut self) -> u64 {
        Driver::device_jobs(self)
    }
}
