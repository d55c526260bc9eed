//! The device as the state root's Keccak batcher: each trie level's independent nodes go to
//! the core as one batch (one doorbell per ring-full), the workload an FPGA does best.

use std::sync::Mutex;

use alloy_primitives::B256;

use super::{Driver, Transport};
use crate::trie::KeccakBatch;

/// Hashes trie levels on a device; falls back to the CPU on any device fault, so the root is
/// always right.
pub struct DeviceKeccak {
    driver: Mutex<Driver<Box<dyn Transport>>>,
}

impl DeviceKeccak {
    /// Hashes through `driver`.
    pub fn new(driver: Driver<Box<dyn Transport>>) -> Self {
        Self {
            driver: Mutex::new(driver),
        }
    }

    /// Device faults survived so far (each one's batch was finished on the CPU).
    pub fn faults(&self) -> u64 {
        self.driver.lock().map_or(0, |d| d.faults())
    }

    /// Jobs the device completed (its JOBS counter).
    pub fn device_jobs(&self) -> u64 {
        self.driver.lock().map_or(0, |mut d| d.device_jobs())
    }
}

impl KeccakBatch for DeviceKeccak {
    fn keccak_batch(&self, inputs: &[&[u8]], out: &mut Vec<B256>) {
        match self.driver.lock() {
            Ok(mut driver) => out.extend(
                driver
                    .keccak_batch_or_cpu(inputs)
                    .into_iter()
                    .map(B256::from),
            ),
            // A panic elsewhere poisoned the driver: hash here, the result is the same.
            Err(_) => crate::trie::CpuKeccak.keccak_batch(inputs, out),
        }
    }
}
