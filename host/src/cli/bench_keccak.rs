//! `fpevm bench keccak`: the Keccak core in simulation against `keccak256` on this machine's
//! CPU, and the cost of the host driver's ring protocol.
//!
//! For each core configuration (engines x rounds per clock), on the Verilated core:
//! - `cycles_per_permutation`: the core's busy-cycle counter (`REG_BUSY`) for one job of
//!   `(k + 1) * 136` bytes minus that for one job of 136 bytes, over `k`: measured on an idle
//!   core, never computed from the configuration;
//! - `jobs_per_cycle`: `--jobs` back-to-back jobs of one length, submitted through the driver
//!   in batches as large as the ring, `REG_JOBS` delta over `REG_BUSY` delta;
//! - `engine_utilization`: the engines' permuting cycles (`REG_ACTIVE` delta) over
//!   `engines * REG_BUSY` delta; `starved_cycles_per_job`: engine-cycles without a
//!   permutation while work was queued (`REG_STARVED` delta) per job; and
//!   `max_idle_cycles_between_jobs`: the longest run of such cycles of one engine between two
//!   of its permutations (`REG_IDLE_GAP_MAX`, cleared before each length);
//! - `projected_hashes_per_s`: that rate at F1's 250 MHz clock, and its ratio to
//!   `keccak256` over the same inputs on one CPU thread, measured in the same run.
//!
//! Every digest the device returns is checked against `keccak256`, so a broken core cannot
//! produce a fast number. Then, with the `cpu` reference device (which hashes inline), the
//! driver's own cost per descriptor for batches of 1, 16 and 64 jobs.
//!
//! One line per measurement (`--json`: one JSON object per line), then `N passed, M failed`.

use clap::Args;
use fpevm::offload::layout::{ENTRY_BYTES, RATE_BYTES};
use fpevm::offload::{CpuDevice, Driver, DriverConfig};
use fpevm::vectors::{Outcome, Tally};
use fpevm::DeviceKind;
use serde::Serialize;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Input lengths of the throughput lines: a 32-byte word (a storage slot, an address key), one
/// full Keccak block (two permutations with the padding block), and 1 KiB (eight).
const LENGTHS: [usize; 3] = [32, RATE_BYTES, 1024];
/// Entries in each ring (and so the jobs per batch) for the throughput measurements.
const RING_SIZE: u32 = 1024;
/// Least wall time of each CPU-side timing.
const MIN_TIME: Duration = Duration::from_millis(200);
/// Jobs per batch of the driver-cost measurement.
const DRIVER_BATCHES: [usize; 3] = [1, 16, 64];
/// Input length of the driver-cost measurement.
const DRIVER_INPUT: usize = 32;
/// Distinct inputs the driver-cost measurement cycles through.
const DRIVER_POOL: usize = 1024;

/// Arguments of `fpevm bench keccak`.
#[derive(Debug, Clone, Args)]
pub struct KeccakBench {
    /// sim: measure the Verilated core; cpu: skip the simulation, report only the CPU and
    /// driver numbers.
    #[arg(long, default_value = "sim")]
    pub device: DeviceKind,
    /// Engines of the one configuration to measure (default: sweep every configuration built
    /// into this binary; alone, with the default rounds per clock).
    #[arg(long)]
    pub engines: Option<usize>,
    /// Keccak rounds per clock of the one configuration to measure (alone: with the default
    /// engines).
    #[arg(long)]
    pub rounds_per_clock: Option<usize>,
    /// Back-to-back jobs of each length for `jobs_per_cycle` (also the inputs `keccak256`
    /// hashes on the CPU).
    #[arg(long, default_value_t = 2000)]
    pub jobs: usize,
    /// One JSON object per result line.
    #[arg(long)]
    pub json: bool,
}

/// A CPU line (only when the simulation is skipped).
#[derive(Debug, Serialize)]
struct CpuLine {
    kind: &'static str,
    input_bytes: usize,
    cpu_hashes_per_s: f64,
}

/// A driver-cost line.
#[derive(Debug, Serialize)]
struct DriverLine {
    kind: &'static str,
    device: &'static str,
    input_bytes: usize,
    batch: usize,
    /// (driver time - direct `keccak256` time) per job.
    driver_ns_per_descriptor: f64,
    /// Direct `keccak256` time per job, for scale.
    keccak_ns_per_hash: f64,
}

/// A measurement that failed.
#[derive(Debug, Serialize)]
struct FailLine {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    engines: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rounds_per_clock: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    input_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<usize>,
    error: String,
}

/// Prints result lines and counts them.
struct Out {
    json: bool,
    tally: Tally,
}

impl Out {
    fn line(&mut self, value: &impl Serialize, text: String) {
        if self.json {
            println!("{}", serde_json::to_string(value).unwrap_or_default());
        } else {
            println!("{text}");
        }
        self.tally.add(&Outcome::Passed);
    }

    fn fail(&mut self, line: FailLine) {
        if self.json {
            println!("{}", serde_json::to_string(&line).unwrap_or_default());
        } else {
            let mut what = line.kind.to_string();
            if let (Some(e), Some(r)) = (line.engines, line.rounds_per_clock) {
                what += &format!(" {e}x{r}");
            }
            if let Some(bytes) = line.input_bytes {
                what += &format!(" input {bytes} B");
            }
            if let Some(batch) = line.batch {
                what += &format!(" batch {batch}");
            }
            println!("FAIL {what}: {}", line.error);
        }
        self.tally.add(&Outcome::Failed(line.error));
    }

    fn skip(&mut self, what: &str, reason: &str) {
        if self.json {
            let line = serde_json::json!({ "kind": "skip", "what": what, "reason": reason });
            println!("{line}");
        } else {
            println!("SKIP {what}: {reason}");
        }
        self.tally.add(&Outcome::Skipped(reason.to_string()));
    }
}

/// `n` distinct inputs of `len` bytes (a splitmix64 stream seeded by `salt`).
fn make_inputs(n: usize, len: usize, salt: u64) -> Vec<Vec<u8>> {
    let mut x = salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ len as u64;
    let mut next = move || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| (0..len).map(|_| next() as u8).collect())
        .collect()
}

fn refs(inputs: &[Vec<u8>]) -> Vec<&[u8]> {
    inputs.iter().map(Vec::as_slice).collect()
}

fn keccak(input: &[u8]) -> [u8; 32] {
    alloy_primitives::keccak256(input).0
}

/// Checks `got` against `keccak256` of `inputs`.
fn verify(inputs: &[&[u8]], got: &[[u8; 32]]) -> Result<(), String> {
    if got.len() != inputs.len() {
        return Err(format!("{} digests for {} inputs", got.len(), inputs.len()));
    }
    for (i, (input, digest)) in inputs.iter().zip(got).enumerate() {
        let want = keccak(input);
        if *digest != want {
            return Err(format!(
                "wrong digest for input {i} ({} bytes): expected {}, got {}",
                input.len(),
                alloy_primitives::hex::encode(want),
                alloy_primitives::hex::encode(digest)
            ));
        }
    }
    Ok(())
}

/// `keccak256` over `inputs`, repeated for at least [`MIN_TIME`]: hashes per second.
fn cpu_rate(inputs: &[Vec<u8>]) -> f64 {
    // Warm-up: caches, branch predictors, the CPU's clock.
    for input in inputs.iter().take(1000) {
        black_box(keccak(black_box(input)));
    }
    let started = Instant::now();
    let mut hashes = 0u64;
    loop {
        for input in inputs {
            black_box(keccak(black_box(input)));
        }
        hashes += inputs.len() as u64;
        let elapsed = started.elapsed();
        if elapsed >= MIN_TIME {
            return hashes as f64 / elapsed.as_secs_f64();
        }
    }
}

/// The driver's cost per descriptor with the cpu reference device for batches of `batch`
/// 32-byte jobs: `(ns per descriptor, ns per direct keccak256)`, medians over passes of
/// [`DRIVER_POOL`] jobs. The device hashes inline, so driver time minus direct hashing time
/// is what the ring protocol costs.
fn driver_cost(batch: usize) -> Result<(f64, f64), String> {
    let config = DriverConfig {
        ring_size: RING_SIZE,
        max_input_bytes: RING_SIZE as usize * DRIVER_INPUT.next_multiple_of(ENTRY_BYTES),
        ..DriverConfig::default()
    };
    let bytes = config.dma_bytes().map_err(|e| e.to_string())?;
    let device = CpuDevice::new(bytes).map_err(|e| format!("cpu device: {e}"))?;
    let mut driver = Driver::new(device, config).map_err(|e| format!("driver: {e}"))?;
    let pool = make_inputs(DRIVER_POOL, DRIVER_INPUT, batch as u64);
    let batches: Vec<Vec<&[u8]>> = pool.chunks(batch).map(refs).collect();
    let jobs_per_pass: usize = batches.iter().map(Vec::len).sum();

    // Interleaved passes over the pool, both sides in each, so both see the same machine
    // noise; the medians over the passes resist load spikes. The first pass warms up and is
    // not counted.
    let mut differences = Vec::new();
    let mut direct_times = Vec::new();
    let mut total = Duration::ZERO;
    let mut warm = false;
    while total < MIN_TIME {
        let mut from_driver = Vec::with_capacity(batches.len());
        let started = Instant::now();
        for inputs in &batches {
            from_driver.push(driver.keccak_batch(inputs).map_err(|e| e.to_string())?);
        }
        let driver_pass = started.elapsed();

        let mut direct = Vec::with_capacity(batches.len());
        let started = Instant::now();
        for inputs in &batches {
            direct.push(
                inputs
                    .iter()
                    .map(|input| keccak(black_box(input)))
                    .collect::<Vec<_>>(),
            );
        }
        let direct_pass = started.elapsed();
        black_box(&direct);

        for (inputs, got) in batches.iter().zip(&from_driver) {
            verify(inputs, got)?;
        }
        if warm {
            total += driver_pass;
            let ns = |d: Duration| d.as_secs_f64() * 1e9 / jobs_per_pass as f64;
            differences.push(ns(driver_pass) - ns(direct_pass));
            direct_times.push(ns(direct_pass));
        }
        warm = true;
    }
    Ok((median(differences), median(direct_times)))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One line per input length with the CPU's rate alone (when there is no simulation).
fn cpu_lines(cpu: &[(usize, f64)], out: &mut Out) {
    for &(input_bytes, cpu_hashes_per_s) in cpu {
        let line = CpuLine {
            kind: "cpu",
            input_bytes,
            cpu_hashes_per_s,
        };
        let text = format!(
            "cpu     input {input_bytes:>3} B  keccak256 {:>7.2} M hashes/s (1 thread)",
            cpu_hashes_per_s / 1e6
        );
        out.line(&line, text);
    }
}

/// Runs `fpevm bench keccak`.
pub fn run(args: &KeccakBench) -> Result<Tally, String> {
    if args.jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    let simulate = match args.device {
        DeviceKind::Sim => true,
        DeviceKind::Cpu => false,
        other => {
            return Err(format!(
                "--device {other}: bench keccak measures the simulated core (sim) or only the CPU and driver (cpu)"
            ))
        }
    };
    let sim_configs = if simulate {
        sim::configs(args)?
    } else {
        Vec::new()
    };
    let mut out = Out {
        json: args.json,
        tally: Tally::default(),
    };

    // The CPU side first, on a quiet machine: the same inputs the core hashes.
    let inputs: Vec<(usize, Vec<Vec<u8>>)> = LENGTHS
        .iter()
        .map(|&len| (len, make_inputs(args.jobs, len, len as u64)))
        .collect();
    let cpu: Vec<(usize, f64)> = inputs
        .iter()
        .map(|(len, inputs)| (*len, cpu_rate(inputs)))
        .collect();

    if simulate {
        sim::measure(&sim_configs, &inputs, &cpu, &mut out);
    } else {
        out.skip(
            "simulation",
            "--device cpu: the cpu reference device has no clock (use --device sim)",
        );
        cpu_lines(&cpu, &mut out);
    }

    for batch in DRIVER_BATCHES {
        match driver_cost(batch) {
            Ok((driver_ns_per_descriptor, keccak_ns_per_hash)) => {
                let line = DriverLine {
                    kind: "driver",
                    device: "cpu",
                    input_bytes: DRIVER_INPUT,
                    batch,
                    driver_ns_per_descriptor,
                    keccak_ns_per_hash,
                };
                let text = format!(
                    "driver  input {DRIVER_INPUT:>3} B  batch {batch:>3}  {driver_ns_per_descriptor:>8.1} ns/descriptor  (keccak256 alone {keccak_ns_per_hash:>6.1} ns/hash)"
                );
                out.line(&line, text);
            }
            Err(error) => out.fail(FailLine {
                kind: "driver",
                engines: None,
                rounds_per_clock: None,
                input_bytes: Some(DRIVER_INPUT),
                batch: Some(batch),
                error,
            }),
        }
    }
    Ok(out.tally)
}

/// The simulation part.
#[cfg(feature = "sim")]
mod sim {
    use super::*;
    use fpevm::offload::layout;
    use fpevm::offload::sim::SimDevice;
    use fpevm::offload::Transport;
    use fpevm_sim::Config;

    /// F1's core clock: the rate `projected_hashes_per_s` assumes.
    const CLOCK_HZ: f64 = 250e6;
    /// The long job of the permutation measurement has this many more blocks than the short one.
    const EXTRA_BLOCKS: usize = 100;

    /// A simulation line: one core configuration and one input length.
    #[derive(Debug, Serialize)]
    struct SimLine {
        kind: &'static str,
        engines: usize,
        rounds_per_clock: usize,
        input_bytes: usize,
        jobs: usize,
        /// Busy cycles per extra Keccak-f permutation of one job on an idle core.
        cycles_per_permutation: f64,
        /// Completed jobs per busy cycle, back to back.
        jobs_per_cycle: f64,
        /// Engine-cycles permuting over engines x busy cycles.
        engine_utilization: f64,
        /// Engine-cycles without a permutation while work was queued, per job.
        starved_cycles_per_job: f64,
        /// The longest run of idle cycles of one engine between two of its permutations
        /// while work was queued.
        max_idle_cycles_between_jobs: u32,
        /// `jobs_per_cycle` at 250 MHz.
        projected_hashes_per_s: f64,
        /// `keccak256` on one thread of this machine, same inputs.
        cpu_hashes_per_s: f64,
        /// projected / cpu.
        ratio: f64,
    }

    /// The configurations to measure: the one `--engines`/`--rounds-per-clock` name (checked
    /// to be built), or every one built into this binary.
    pub(super) fn configs(args: &KeccakBench) -> Result<Vec<Config>, String> {
        if args.engines.is_none() && args.rounds_per_clock.is_none() {
            let all = fpevm_sim::configs();
            if all.is_empty() {
                return Err("no simulated configuration is built into this binary".into());
            }
            return Ok(all);
        }
        let config = Config {
            engines: args.engines.unwrap_or(Config::DEFAULT.engines),
            rounds: args.rounds_per_clock.unwrap_or(Config::DEFAULT.rounds),
        };
        // Opening a core is what tells whether the configuration is built (and which are).
        SimDevice::new(config, 4096).map_err(|e| {
            format!(
                "--engines {} --rounds-per-clock {}: {e}",
                config.engines, config.rounds
            )
        })?;
        Ok(vec![config])
    }

    fn read64(t: &mut impl Transport, lo: u32, hi: u32) -> u64 {
        let mut h = t.read_reg(hi);
        let mut l = t.read_reg(lo);
        for _ in 0..4 {
            let again = t.read_reg(hi);
            if again == h {
                break;
            }
            h = again;
            l = t.read_reg(lo);
        }
        (u64::from(h) << 32) | u64::from(l)
    }

    /// The core's counters, read once it has nothing in flight.
    #[derive(Clone, Copy, Debug, Default)]
    struct Counters {
        busy: u64,
        jobs: u64,
        active: u64,
        starved: u64,
        /// `REG_IDLE_GAP_MAX` (not a running count: cleared by [`run`] before its jobs).
        gap_max: u32,
    }

    fn counters(driver: &mut Driver<SimDevice>) -> Result<Counters, String> {
        let t = driver.transport_mut();
        for _ in 0..100_000 {
            if t.read_reg(layout::REG_STATUS) & layout::STATUS_BIT_BUSY == 0 {
                return Ok(Counters {
                    busy: read64(t, layout::REG_BUSY_LO, layout::REG_BUSY_HI),
                    jobs: read64(t, layout::REG_JOBS_LO, layout::REG_JOBS_HI),
                    active: read64(t, layout::REG_ACTIVE_LO, layout::REG_ACTIVE_HI),
                    starved: read64(t, layout::REG_STARVED_LO, layout::REG_STARVED_HI),
                    gap_max: t.read_reg(layout::REG_IDLE_GAP_MAX),
                });
            }
            t.advance(8);
        }
        Err("the core stays busy with no job in flight".into())
    }

    /// Runs `inputs` through the driver in batches of at most the ring size, checks every
    /// digest, and returns what the counters counted for them on an idle core (busy cycles,
    /// completed jobs, active and starved engine-cycles, the longest idle gap).
    fn run(driver: &mut Driver<SimDevice>, inputs: &[&[u8]]) -> Result<Counters, String> {
        let before = counters(driver)?;
        driver
            .transport_mut()
            .write_reg(layout::REG_IDLE_GAP_MAX, 0);
        for chunk in inputs.chunks(RING_SIZE as usize) {
            let digests = driver.keccak_batch(chunk).map_err(|e| e.to_string())?;
            verify(chunk, &digests)?;
        }
        let after = counters(driver)?;
        let delta = Counters {
            busy: after.busy.wrapping_sub(before.busy),
            jobs: after.jobs.wrapping_sub(before.jobs),
            active: after.active.wrapping_sub(before.active),
            starved: after.starved.wrapping_sub(before.starved),
            gap_max: after.gap_max,
        };
        if delta.jobs != inputs.len() as u64 {
            return Err(format!(
                "JOBS counted {} completions for {} jobs",
                delta.jobs,
                inputs.len()
            ));
        }
        if delta.busy == 0 {
            return Err("BUSY counted no cycle".into());
        }
        Ok(delta)
    }

    /// Opens a core of `config` with a driver whose ring and arena fit the measurements, and
    /// checks that the core reports that configuration.
    fn open(config: Config, jobs: usize) -> Result<Driver<SimDevice>, String> {
        let batch = jobs.min(RING_SIZE as usize);
        let longest = LENGTHS.iter().copied().max().unwrap_or(RATE_BYTES);
        let arena =
            (batch * longest.next_multiple_of(ENTRY_BYTES)).max((EXTRA_BLOCKS + 1) * RATE_BYTES);
        let driver_config = DriverConfig {
            ring_size: RING_SIZE,
            max_input_bytes: arena,
            ..DriverConfig::default()
        };
        let bytes = driver_config.dma_bytes().map_err(|e| e.to_string())?;
        let device = SimDevice::new(config, bytes).map_err(|e| e.to_string())?;
        let mut driver = Driver::new(device, driver_config).map_err(|e| format!("driver: {e}"))?;
        let t = driver.transport_mut();
        let (engines, rounds) = (
            t.read_reg(layout::REG_ENGINES),
            t.read_reg(layout::REG_ROUNDS),
        );
        if (engines as usize, rounds as usize) != (config.engines, config.rounds) {
            return Err(format!(
                "the core reports {engines} engines x {rounds} rounds per clock"
            ));
        }
        Ok(driver)
    }

    /// Busy cycles of one job of `(EXTRA_BLOCKS + 1) * 136` bytes minus those of one job of
    /// 136 bytes, per extra block.
    fn cycles_per_permutation(driver: &mut Driver<SimDevice>) -> Result<f64, String> {
        let short = make_inputs(1, RATE_BYTES, 1);
        let long = make_inputs(1, (EXTRA_BLOCKS + 1) * RATE_BYTES, 2);
        let short_busy = run(driver, &refs(&short))?.busy;
        let long_busy = run(driver, &refs(&long))?.busy;
        Ok((long_busy as f64 - short_busy as f64) / EXTRA_BLOCKS as f64)
    }

    fn fail(config: Config, input_bytes: Option<usize>, error: String) -> FailLine {
        FailLine {
            kind: "sim",
            engines: Some(config.engines),
            rounds_per_clock: Some(config.rounds),
            input_bytes,
            batch: None,
            error,
        }
    }

    /// One line per configuration and input length.
    pub(super) fn measure(
        configs: &[Config],
        inputs: &[(usize, Vec<Vec<u8>>)],
        cpu: &[(usize, f64)],
        out: &mut Out,
    ) {
        for &config in configs {
            let started = Instant::now();
            let opened = open(config, inputs.first().map_or(1, |i| i.1.len()));
            let (mut driver, cycles_per_permutation) =
                match opened.and_then(|mut d| cycles_per_permutation(&mut d).map(|c| (d, c))) {
                    Ok(measured) => measured,
                    Err(error) => {
                        out.fail(fail(config, None, error));
                        continue;
                    }
                };
            for ((input_bytes, inputs), &(_, cpu_hashes_per_s)) in inputs.iter().zip(cpu) {
                let counted = match run(&mut driver, &refs(inputs)) {
                    Ok(counted) => counted,
                    Err(error) => {
                        out.fail(fail(config, Some(*input_bytes), error));
                        continue;
                    }
                };
                let jobs_per_cycle = counted.jobs as f64 / counted.busy as f64;
                let engine_utilization =
                    counted.active as f64 / (config.engines as u64 * counted.busy) as f64;
                let starved_cycles_per_job = counted.starved as f64 / counted.jobs as f64;
                let max_idle_cycles_between_jobs = counted.gap_max;
                let projected_hashes_per_s = jobs_per_cycle * CLOCK_HZ;
                let ratio = projected_hashes_per_s / cpu_hashes_per_s.max(f64::MIN_POSITIVE);
                let line = SimLine {
                    kind: "sim",
                    engines: config.engines,
                    rounds_per_clock: config.rounds,
                    input_bytes: *input_bytes,
                    jobs: inputs.len(),
                    cycles_per_permutation,
                    jobs_per_cycle,
                    engine_utilization,
                    starved_cycles_per_job,
                    max_idle_cycles_between_jobs,
                    projected_hashes_per_s,
                    cpu_hashes_per_s,
                    ratio,
                };
                let text = format!(
                    "sim {:>2}x{:<2} input {:>4} B  {:>6.2} cycles/permutation  {:>7.4} jobs/cycle  engines {:>5.1}% busy  max idle gap {} cycles  {:>5.2} starved engine-cycles/job  projected {:>8.2} M hashes/s @ 250 MHz  cpu {:>7.2} M hashes/s  ratio {:>6.2}",
                    config.engines,
                    config.rounds,
                    input_bytes,
                    cycles_per_permutation,
                    jobs_per_cycle,
                    100.0 * engine_utilization,
                    max_idle_cycles_between_jobs,
                    starved_cycles_per_job,
                    projected_hashes_per_s / 1e6,
                    cpu_hashes_per_s / 1e6,
                    ratio
                );
                out.line(&line, text);
            }
            let violations = driver.transport().dma_stats().violations;
            if violations > 0 {
                out.fail(fail(
                    config,
                    None,
                    format!("{violations} DMA accesses outside the memory"),
                ));
            }
            eprintln!(
                "bench keccak: {}x{} simulated in {:.2} s",
                config.engines,
                config.rounds,
                started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Without the simulated core: the simulation part is skipped with a printed reason.
#[cfg(not(feature = "sim"))]
mod sim {
    use super::*;

    pub(super) struct Config;

    pub(super) fn configs(_: &KeccakBench) -> Result<Vec<Config>, String> {
        Ok(Vec::new())
    }

    pub(super) fn measure(
        _: &[Config],
        _: &[(usize, Vec<Vec<u8>>)],
        cpu: &[(usize, f64)],
        out: &mut Out,
    ) {
        out.skip(
            "simulation",
            "the simulated core is not built into this binary (feature `sim`)",
        );
        cpu_lines(cpu, out);
    }
}
