//! `DevicePool`: several devices behind one [`JobRunner`]. A batch is cut into one contiguous
//! part per device in the pool, and the parts run in parallel (a scoped thread per device).
//! A device whose part faults is taken out of the pool; the jobs it left pending run in the
//! next round on the devices still in, and on the CPU once none is left.
//!
//! Why the results equal the CPU's: every job's result comes either from a run that completed
//! without a fault (the driver trusts nothing else, see [`Driver`]) or from the CPU reference,
//! and each job is placed back at its own index whatever device ran it.

use super::driver::{Driver, Job};
use super::error::FaultCounts;
use super::layout::RESULT_BYTES;
use super::runner::JobRunner;
use super::transport::Transport;

/// One device of the pool.
struct Member<T: Transport> {
    driver: Driver<T>,
    /// Still given work.
    in_pool: bool,
    /// Jobs whose results this member returned.
    jobs: u64,
}

/// A pool's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStats {
    /// Devices still given work.
    pub devices_in: usize,
    /// Devices taken out after a fault.
    pub devices_out: usize,
    /// Faults of every device, by kind.
    pub faults: FaultCounts,
    /// Jobs each device returned results for, in the order the devices were given.
    pub jobs_per_device: Vec<u64>,
    /// Jobs that ran on the CPU because no device was left.
    pub cpu_jobs: u64,
}

/// Several devices that run batches together, surviving the loss of any of them.
pub struct DevicePool<T: Transport> {
    members: Vec<Member<T>>,
    cpu_jobs: u64,
}

/// A job's result on the CPU; every job a runner is given is valid.
fn cpu_result(job: &Job) -> [u8; RESULT_BYTES] {
    job.cpu_result().unwrap_or_default()
}

impl<T: Transport> DevicePool<T> {
    /// A pool of `drivers`, all in. An empty pool runs everything on the CPU.
    pub fn new(drivers: Vec<Driver<T>>) -> Self {
        let members = drivers
            .into_iter()
            .map(|driver| Member {
                driver,
                in_pool: true,
                jobs: 0,
            })
            .collect();
        Self {
            members,
            cpu_jobs: 0,
        }
    }

    /// Devices in the pool, in or out.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the pool has no device at all.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether device `index` is still given work.
    pub fn is_in(&self, index: usize) -> bool {
        self.members.get(index).is_some_and(|m| m.in_pool)
    }

    /// The driver of device `index` (tests, diagnostics).
    pub fn driver_mut(&mut self, index: usize) -> Option<&mut Driver<T>> {
        self.members.get_mut(index).map(|m| &mut m.driver)
    }

    /// The pool's counters.
    pub fn stats(&self) -> PoolStats {
        let devices_in = self.members.iter().filter(|m| m.in_pool).count();
        PoolStats {
            devices_in,
            devices_out: self.members.len() - devices_in,
            faults: self.members.iter().fold(FaultCounts::default(), |sum, m| {
                sum.plus(&m.driver.fault_counts())
            }),
            jobs_per_device: self.members.iter().map(|m| m.jobs).collect(),
            cpu_jobs: self.cpu_jobs,
        }
    }

    /// Puts back every device taken out whose soft reset now succeeds; returns how many.
    pub fn readmit(&mut self) -> usize {
        let mut back = 0;
        for m in self.members.iter_mut().filter(|m| !m.in_pool) {
            if m.driver.recover().is_ok() {
                m.in_pool = true;
                back += 1;
            }
        }
        back
    }

    /// Runs the jobs at `pending` (indexes into `jobs`) on the devices in the pool, one
    /// contiguous part each, in parallel. Fills `results` and returns the indexes left
    /// pending by faulty devices, which are taken out.
    fn round(
        &mut self,
        jobs: &[Job],
        pending: &[usize],
        results: &mut [Option<[u8; RESULT_BYTES]>],
    ) -> Vec<usize> {
        let active: Vec<(usize, &mut Member<T>)> = self
            .members
            .iter_mut()
            .enumerate()
            .filter(|(_, m)| m.in_pool && m.driver.is_healthy())
            .collect();
        let parts = split(pending, active.len());
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = active
                .into_iter()
                .zip(parts)
                .filter(|(_, part)| !part.is_empty())
                .map(|((index, member), part)| {
                    let handle = s.spawn(move || {
                        let part_jobs: Vec<Job> = part.iter().map(|&i| jobs[i]).collect();
                        let partial = member.driver.run_until_fault(&part_jobs);
                        let done = partial.results.iter().flatten().count() as u64;
                        member.jobs += done;
                        if let Some(error) = &partial.fault {
                            member.in_pool = false;
                            tracing::warn!(
                                device = member.driver.transport().name(),
                                %error,
                                pending = part.len() as u64 - done,
                                "device taken out of the pool"
                            );
                        }
                        (part, partial.results)
                    });
                    (index, handle)
                })
                .collect();
            handles
                .into_iter()
                .map(|(index, h)| (index, h.join().ok()))
                .collect()
        });
        let mut left = Vec::new();
        let mut ran = vec![false; jobs.len()];
        for (index, outcome) in outcomes {
            // A part that panicked leaves its jobs pending, and its device out.
            let Some((part, part_results)) = outcome else {
                self.members[index].in_pool = false;
                continue;
            };
            for (&i, result) in part.iter().zip(part_results) {
                ran[i] = true;
                match result {
                    Some(r) => results[i] = Some(r),
                    None => left.push(i),
                }
            }
        }
        left.extend(pending.iter().filter(|&&i| !ran[i]));
        left.sort_unstable();
        left
    }
}

/// `items` cut into `n` contiguous parts whose sizes differ by at most one (none when `n` is 0).
fn split(items: &[usize], n: usize) -> Vec<&[usize]> {
    let mut parts = Vec::with_capacity(n);
    let mut rest = items;
    for k in (1..=n).rev() {
        let (part, tail) = rest.split_at(rest.len().div_ceil(k));
        parts.push(part);
        rest = tail;
    }
    parts
}

impl<T: Transport> JobRunner for DevicePool<T> {
    fn name(&self) -> String {
        let kind = self
            .members
            .first()
            .map_or("none", |m| m.driver.transport().name());
        format!("pool({kind} x {})", self.members.len())
    }

    fn run_valid(&mut self, jobs: &[Job]) -> Vec<[u8; 32]> {
        let mut results = vec![None; jobs.len()];
        let mut pending: Vec<usize> = (0..jobs.len()).collect();
        // Each round either finishes the pending jobs or takes a device out (a part that
        // leaves jobs pending faulted), so there are at most `len() + 1` rounds.
        while !pending.is_empty()
            && self
                .members
                .iter()
                .any(|m| m.in_pool && m.driver.is_healthy())
        {
            pending = self.round(jobs, &pending, &mut results);
        }
        self.cpu_jobs += pending.len() as u64;
        results
            .into_iter()
            .zip(jobs)
            .map(|(r, job)| r.unwrap_or_else(|| cpu_result(job)))
            .collect()
    }

    fn faults(&self) -> u64 {
        self.members.iter().map(|m| m.driver.faults()).sum()
    }

    fn device_jobs(&mut self) -> u64 {
        self.members
            .iter_mut()
            .filter(|m| m.driver.is_healthy())
            .map(|m| m.driver.device_jobs())
            .fold(0, u64::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_is_contiguous_and_even() {
        let items: Vec<usize> = (0..10).collect();
        let parts = split(&items, 3);
        assert_eq!(parts, vec![&[0, 1, 2, 3][..], &[4, 5, 6], &[7, 8, 9]]);
        assert_eq!(split(&items[..2], 3), vec![&[0][..], &[1], &[]]);
        assert!(split(&items, 0).is_empty());
    }
}
