//! `fpevm device list|status|load`: the AWS F1/F2 slots through the FPGA SDK. `list` shows
//! each slot's state and AFI; `status` checks that a slot's fpevm core answers and hashes;
//! `load` loads an AFI and waits for it. Each check prints `ok` or `FAIL` with what it saw;
//! the caller prints `N passed, M failed`. Needs a binary built with feature `aws`, and root
//! on the instance (the SDK's management calls and the DMA memory's bus addresses need it).

use clap::{Args, Subcommand};
use fpevm::vectors::Tally;

/// Arguments of `fpevm device`.
#[derive(Debug, Clone, Args)]
pub struct DeviceCommand {
    #[command(subcommand)]
    pub action: DeviceAction,
}

/// What `fpevm device` does.
#[derive(Debug, Clone, Subcommand)]
pub enum DeviceAction {
    /// List the FPGA slots: state and loaded AFI.
    List {
        /// Slots to look at (0 to N-1; an f2.48xlarge has 8).
        #[arg(long, default_value_t = 8)]
        slots: u32,
    },
    /// Check a slot: AFI loaded, fpevm core answering, clock running, one batch hashed.
    Status {
        /// The slot.
        #[arg(long, default_value_t = 0)]
        slot: u32,
    },
    /// Load an AFI into a slot, wait until it is loaded, and check that the core answers.
    Load {
        /// The slot.
        #[arg(long, default_value_t = 0)]
        slot: u32,
        /// The AFI's global id (`agfi-...`, from `aws ec2 create-fpga-image`).
        #[arg(long)]
        afi: String,
        /// Seconds to wait for the load to finish.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
}

/// Runs the command; returns the tally of its checks.
#[cfg(not(feature = "aws"))]
pub fn run(_args: &DeviceCommand) -> Result<Tally, String> {
    Err("fpevm device needs a binary built with the aws transport: \
         cargo build --release -p fpevm --features aws (see docs/aws.md)"
        .into())
}

#[cfg(all(test, not(feature = "aws")))]
mod tests {
    use super::*;

    #[test]
    fn without_the_aws_feature_the_command_says_how_to_get_it() {
        let args = DeviceCommand {
            action: DeviceAction::List { slots: 8 },
        };
        let message = run(&args).expect_err("no aws transport in this build");
        assert!(message.contains("--features aws"), "{message}");
    }
}

/// Runs the command; returns the tally of its checks.
#[cfg(feature = "aws")]
pub fn run(args: &DeviceCommand) -> Result<Tally, String> {
    let sdk = std::sync::Arc::new(fpevm_sys::Sdk::load().map_err(|e| e.to_string())?);
    let checks = match &args.action {
        DeviceAction::List { slots } => return aws::list(&sdk, *slots),
        DeviceAction::Status { slot } => aws::status_checks(&sdk, *slot),
        DeviceAction::Load { slot, afi, timeout } => {
            let timeout = std::time::Duration::from_secs(*timeout);
            aws::load_checks(&sdk, *slot, afi, timeout)
        }
    };
    let mut tally = Tally::default();
    for check in &checks {
        println!("{check}");
        match check.outcome {
            Ok(_) => tally.passed += 1,
            Err(_) => tally.failed += 1,
        }
    }
    Ok(tally)
}

#[cfg(feature = "aws")]
mod aws {
    use fpevm::offload::aws::{check_core, AwsDevice};
    use fpevm::offload::layout;
    use fpevm::offload::{Driver, DriverConfig};
    use fpevm::vectors::Tally;
    use fpevm_sys::mgmt::{self, SlotStatus};
    use fpevm_sys::{PciBar, Sdk};
    use std::fmt;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// Pause between two looks at a slot that is loading.
    const LOAD_POLL: Duration = Duration::from_millis(500);
    /// Time over which the cycle counter must move.
    const CLOCK_WAIT: Duration = Duration::from_millis(2);

    /// One check: its name and what it saw (`Err` when it failed).
    pub(super) struct Check {
        pub(super) name: &'static str,
        pub(super) outcome: Result<String, String>,
    }

    impl fmt::Display for Check {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match &self.outcome {
                Ok(seen) => write!(f, "ok   {}: {seen}", self.name),
                Err(why) => write!(f, "FAIL {}: {why}", self.name),
            }
        }
    }

    fn check(name: &'static str, outcome: Result<String, String>) -> Check {
        Check { name, outcome }
    }

    /// Prints one line per slot that answers; counts those as passed.
    pub(super) fn list(sdk: &Sdk, slots: u32) -> Result<Tally, String> {
        let mut tally = Tally::default();
        let mut last_error = None;
        for slot in 0..slots {
            match mgmt::describe(sdk, slot) {
                Ok(info) => {
                    let afi = if info.afi_id.is_empty() {
                        "-"
                    } else {
                        &info.afi_id
                    };
                    println!(
                        "slot {slot}: {} afi {afi} pci {:04x}:{:04x}",
                        info.status.name(),
                        info.vendor_id,
                        info.device_id
                    );
                    tally.passed += 1;
                }
                Err(e) => last_error = Some(e),
            }
        }
        match (tally.passed, last_error) {
            (0, Some(e)) => Err(format!("no slot answers: {e}")),
            (0, None) => Err("no slot to list (--slots 0)".into()),
            _ => Ok(tally),
        }
    }

    /// The checks of `fpevm device status`.
    pub(super) fn status_checks(sdk: &Arc<Sdk>, slot: u32) -> Vec<Check> {
        let mut checks = vec![afi_loaded(sdk, slot)];
        checks.extend(core_checks(sdk, slot));
        checks
    }

    fn afi_loaded(sdk: &Sdk, slot: u32) -> Check {
        let outcome = match mgmt::describe(sdk, slot) {
            Ok(info) if info.status == SlotStatus::Loaded => {
                Ok(format!("slot {slot} runs {}", info.afi_id))
            }
            Ok(info) => Err(format!(
                "slot {slot} is {} (status qualifier {})",
                info.status.name(),
                info.status_q
            )),
            Err(e) => Err(e.to_string()),
        };
        check("afi loaded", outcome)
    }

    /// Register checks through the OCL BAR, then one batch through the driver.
    fn core_checks(sdk: &Arc<Sdk>, slot: u32) -> Vec<Check> {
        let bar = match PciBar::ocl(Arc::clone(sdk), slot) {
            Ok(bar) => bar,
            Err(e) => return vec![check("core answers", Err(e.to_string()))],
        };
        let read = |off: u32| bar.peek(u64::from(off));
        let mut checks = Vec::new();
        let answers = check_core(slot, read).map_err(|e| e.to_string());
        let answered = answers.is_ok();
        checks.push(check(
            "core answers",
            answers.map(|()| {
                let version = read(layout::REG_VERSION).unwrap_or(0);
                format!(
                    "id {:#010x}, version {}.{}",
                    layout::ID_VALUE,
                    version >> 16,
                    version & 0xFFFF
                )
            }),
        ));
        if !answered {
            return checks;
        }
        checks.push(check(
            "no sticky error",
            match read(layout::REG_STATUS) {
                Ok(s)
                    if s & (layout::STATUS_BIT_CONFIG_ERROR | layout::STATUS_BIT_DMA_ERROR)
                        != 0 =>
                {
                    Err(format!("STATUS reads {s:#x} (a soft reset clears it)"))
                }
                Ok(s) => Ok(format!(
                    "STATUS {s:#x}, {} engines x {} rounds/clock, {} ALUs",
                    read(layout::REG_ENGINES).unwrap_or(0),
                    read(layout::REG_ROUNDS).unwrap_or(0),
                    read(layout::REG_ALUS).unwrap_or(0)
                )),
                Err(e) => Err(e.to_string()),
            },
        ));
        checks.push(check("clock runs", clock_runs(&bar)));
        drop(bar);
        checks.push(check("keccak batch", keccak_batch(sdk, slot)));
        checks
    }

    fn clock_runs(bar: &PciBar) -> Result<String, String> {
        let lo = u64::from(layout::REG_CYCLES_LO);
        let before = bar.peek(lo).map_err(|e| e.to_string())?;
        let start = Instant::now();
        std::thread::sleep(CLOCK_WAIT);
        let after = bar.peek(lo).map_err(|e| e.to_string())?;
        let elapsed = start.elapsed().as_secs_f64();
        match after.wrapping_sub(before) {
            0 => Err(format!("CYCLES_LO stays at {before:#x}")),
            delta => Ok(format!("about {:.0} MHz", f64::from(delta) / elapsed / 1e6)),
        }
    }

    /// Hashes a few inputs (empty, short, one block, several blocks) on the device and
    /// compares with the CPU.
    fn keccak_batch(sdk: &Arc<Sdk>, slot: u32) -> Result<String, String> {
        let config = DriverConfig::default();
        let dma_bytes = config.dma_bytes().map_err(|e| e.to_string())?;
        let device =
            AwsDevice::open_with(Arc::clone(sdk), slot, dma_bytes).map_err(|e| e.to_string())?;
        let mut driver = Driver::new(device, config).map_err(|e| e.to_string())?;
        let inputs: Vec<Vec<u8>> = [0usize, 3, 135, 136, 1000]
            .iter()
            .map(|&n| (0..n).map(|i| (i * 7 + n) as u8).collect())
            .collect();
        let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let start = Instant::now();
        let digests = driver.keccak_batch(&refs).map_err(|e| e.to_string())?;
        let took = start.elapsed();
        for (input, got) in inputs.iter().zip(&digests) {
            if alloy_primitives::keccak256(input).0 != *got {
                return Err(format!("the {}-byte input hashes wrong", input.len()));
            }
        }
        Ok(format!(
            "{} digests equal the CPU's in {:.1} us",
            digests.len(),
            took.as_secs_f64() * 1e6
        ))
    }

    /// The checks of `fpevm device load`: the load itself, the wait, then the core.
    pub(super) fn load_checks(
        sdk: &Arc<Sdk>,
        slot: u32,
        afi: &str,
        timeout: Duration,
    ) -> Vec<Check> {
        if let Err(e) = mgmt::load(sdk, slot, afi) {
            return vec![check("afi load started", Err(e.to_string()))];
        }
        let mut checks = vec![check(
            "afi load started",
            Ok(format!("{afi} into slot {slot}")),
        )];
        let start = Instant::now();
        let loaded = loop {
            match mgmt::describe(sdk, slot) {
                Ok(info) if info.status == SlotStatus::Loaded && info.afi_id == afi => {
                    break Ok(format!("after {:.1} s", start.elapsed().as_secs_f64()));
                }
                Ok(info) if info.status == SlotStatus::LoadFailed => {
                    break Err(format!("load failed (status qualifier {})", info.status_q));
                }
                Ok(info) if start.elapsed() >= timeout => {
                    break Err(format!(
                        "still {} with `{}` after {} s",
                        info.status.name(),
                        info.afi_id,
                        timeout.as_secs()
                    ));
                }
                Ok(_) => std::thread::sleep(LOAD_POLL),
                Err(e) => break Err(e.to_string()),
            }
        };
        let ok = loaded.is_ok();
        checks.push(check("afi loaded", loaded));
        if ok {
            checks.extend(core_checks(sdk, slot));
        }
        checks
    }

    #[cfg(all(test, not(feature = "link")))]
    mod tests {
        //! Against `fpevm-sys`'s fake SDK library: the slots' registers are plain memory,
        //! so the core checks see what the test wrote (one slot per test).
        use super::*;

        fn sdk() -> Arc<Sdk> {
            let path = fpevm_sys::testing::fake_sdk_library()
                .expect("fpevm-sys built no fake SDK library");
            Arc::new(Sdk::load_from(path).expect("load the fake SDK"))
        }

        fn outcome<'a>(checks: &'a [Check], name: &str) -> &'a Result<String, String> {
            &checks
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no check `{name}`"))
                .outcome
        }

        #[test]
        fn status_of_a_cleared_slot_fails_on_the_afi_and_the_id() {
            let checks = status_checks(&sdk(), 6);
            assert!(outcome(&checks, "afi loaded")
                .as_ref()
                .is_err_and(|e| e.contains("cleared")));
            assert!(outcome(&checks, "core answers")
                .as_ref()
                .is_err_and(|e| e.contains("0x00000000")));
            assert_eq!(checks.len(), 2, "nothing past a core that does not answer");
        }

        #[test]
        fn load_then_the_core_checks_run() {
            let sdk = sdk();
            let bar = PciBar::ocl(Arc::clone(&sdk), 0).expect("attach");
            bar.poke(u64::from(layout::REG_ID), layout::ID_VALUE)
                .expect("poke");
            bar.poke(u64::from(layout::REG_VERSION), layout::VERSION_VALUE)
                .expect("poke");
            bar.poke(u64::from(layout::REG_ENGINES), 4).expect("poke");
            let checks = load_checks(&sdk, 0, "agfi-00112233445566778", Duration::ZERO);
            for c in &checks {
                println!("{c}");
            }
            assert!(outcome(&checks, "afi load started").is_ok());
            assert!(outcome(&checks, "afi loaded").is_ok());
            assert!(outcome(&checks, "core answers")
                .as_ref()
                .is_ok_and(|s| s.contains("version 1.0")));
            assert!(outcome(&checks, "no sticky error")
                .as_ref()
                .is_ok_and(|s| s.contains("4 engines")));
            // The fake's registers do not count cycles nor run jobs.
            assert!(outcome(&checks, "clock runs").is_err());
            assert!(outcome(&checks, "keccak batch").is_err());
        }

        #[test]
        fn a_bad_afi_id_is_refused_before_the_sdk_sees_it() {
            let checks = load_checks(&sdk(), 3, "ami-123", Duration::ZERO);
            assert_eq!(checks.len(), 1);
            assert!(outcome(&checks, "afi load started")
                .as_ref()
                .is_err_and(|e| e.contains("invalid AFI id")));
        }

        #[test]
        fn list_shows_the_slots_that_answer() {
            let tally = list(&sdk(), 10).expect("list");
            assert_eq!(tally.passed, 8, "the fake has slots 0-7");
            assert!(list(&sdk(), 0).is_err());
        }
    }
}
