//! The driver the fault and pool tests run: the default simulated core with small timeouts.

use fpevm::offload::sim::SimDevice;
use fpevm::offload::{Driver, DriverConfig};
use fpevm_sim::Config;

/// Small rings and timeouts: a hang is noticed after 20 000 idle cycles.
pub fn config() -> DriverConfig {
    DriverConfig {
        ring_size: 64,
        max_input_bytes: 64 * 1024,
        timeout_cycles: 20_000,
        advance_cycles: 1024,
        ..DriverConfig::default()
    }
}

/// A driver of a fresh default core with [`config`].
pub fn driver() -> Driver<SimDevice> {
    let cfg = config();
    let device = SimDevice::new(Config::DEFAULT, cfg.dma_bytes().expect("config")).expect("core");
    Driver::new(device, cfg).expect("driver")
}
