//! `fpevm bench exec`: execution speed against plain revm, measured side by side in one run.

use super::args::ExecArgs;
use clap::{Args, Subcommand};
use fpevm::baseline::revm_sequential;
use fpevm::mainnet::{corpus_of, list_blocks, load_block, SharedData};
use fpevm::options::available_cores;
use fpevm::state::OwnEmptyCode;
use fpevm::steady_heap::steady_heap;
use fpevm::vectors::{Outcome, Tally};
use fpevm::workload::{generate, WorkloadKind};
use fpevm::{execute_block, ExecOptions};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Arguments of `fpevm bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

/// What to measure.
#[derive(Debug, Clone, Subcommand)]
pub enum BenchWhat {
    /// Block execution: plain revm vs fpevm on synthetic workloads or mainnet blocks.
    Exec(ExecBench),
    /// The Keccak core in simulation against keccak256 on this CPU, and the driver's cost.
    ///
    /// For each core configuration (--engines/--rounds-per-clock, default: every configuration
    /// built into this binary) and input length (32 and 136 bytes), on the Verilated core:
    /// cycles_per_permutation is measured from the core's busy-cycle counter (one job of
    /// 101 x 136 bytes minus one of 136 bytes, over 100); jobs_per_cycle is --jobs back-to-back
    /// jobs through the driver (batches as large as the 1024-entry ring), completed jobs over
    /// busy cycles; projected_hashes_per_s assumes F1's 250 MHz clock; cpu_hashes_per_s is
    /// keccak256 over the same inputs on one thread of this machine, in the same run; ratio is
    /// projected over cpu. Every digest the core returns is checked against keccak256.
    ///
    /// Then driver_ns_per_descriptor for batches of 1, 16 and 64 jobs of 32 bytes on the cpu
    /// device: the cpu device hashes inline, so driver time minus the time of hashing the same
    /// inputs directly is the ring protocol's own cost.
    ///
    /// --device cpu skips the simulation and reports only the CPU and driver numbers.
    Keccak(super::bench_keccak::KeccakBench),
    /// Keccak of several lengths and each ALU opcode: simulated device cycles, projected
    /// device time with a modeled PCIe round trip, CPU time in the same run, and the `auto`
    /// policy's decision.
    Offload(super::bench_offload::OffloadBench),
}

/// Arguments of `fpevm bench exec`.
#[derive(Debug, Clone, Args)]
pub struct ExecBench {
    /// raw, erc20, uniswap, routed, chain, mixed, deposits, proof, mainnet, or all.
    #[arg(long, default_value = "all")]
    pub workload: String,
    /// Transactions per synthetic block.
    #[arg(long, default_value_t = 2000)]
    pub txs: usize,
    /// Measured runs per configuration (the median is reported).
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// The mainnet corpus folder (for `--workload mainnet`).
    #[arg(long, default_value = "../shared/corpus/mainnet")]
    pub corpus: PathBuf,
    /// Leave glibc's allocator to its own thresholds (by default the run fixes them first: see
    /// `steady_heap`).
    #[arg(long)]
    pub glibc_defaults: bool,
    /// Milliseconds the machine idles before each measured run of either side, as a node's does
    /// between blocks (default: runs back to back, as in a sync).
    #[arg(long, default_value_t = 0)]
    pub idle_ms: u64,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// One result line.
#[derive(Debug, Serialize)]
struct BenchLine {
    workload: String,
    txs: usize,
    threads: usize,
    /// Plain revm plus receipts: the work any client does per block.
    revm_sequential_ms: f64,
    /// Plain revm alone, without receipts.
    revm_bare_ms: f64,
    fpevm_ms: f64,
    speedup: f64,
    /// What a perfect split of the block over the lanes' cores could reach on this machine:
    /// `k = min(threads, cores)` threads each run plain revm with receipts on their own copy
    /// of the block (no reference count shared), first one alone, then all at once; the ceiling is
    /// `k` x the lone run's time / the time of the runs at once. What the cores share (caches,
    /// memory, the hypervisor) keeps it below `k`.
    ceiling: f64,
    strategy: String,
    /// Page faults of one plain revm run with receipts (median): on a virtual machine each
    /// costs about a microsecond, and how many a side takes depends on where the allocator
    /// left the heap, so they explain part of the ratios' spread.
    revm_page_faults: u64,
    /// Page faults of one fpevm run (median), all of the process's threads.
    fpevm_page_faults: u64,
}

/// The middle value of `values` (the default when there are none).
fn median<T: Ord + Copy + Default>(mut values: Vec<T>) -> T {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn median_ms(times: Vec<Duration>) -> f64 {
    median(times).as_secs_f64() * 1e3
}

/// Minor and major page faults of the whole process so far (0 where the count is unavailable).
fn page_faults() -> u64 {
    // SAFETY: `getrusage` only writes the `rusage` it is given, which is plain data.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0;
        }
        (usage.ru_minflt + usage.ru_majflt).max(0) as u64
    }
}

/// A block's transactions and pre-state, sharing no reference count with the subject's or
/// another copy's.
struct OwnCopy {
    txs: Vec<fpevm::revm::context::TxEnv>,
    state: fpevm::state::InMemoryState,
}

impl OwnCopy {
    fn of(subject: &Subject) -> Self {
        let txs = subject.txs.iter().map(|tx| {
            let mut tx = tx.clone();
            tx.data = tx.data.to_vec().into();
            tx
        });
        Self {
            txs: txs.collect(),
            state: subject.state.own_copy(),
        }
    }
}

/// The time runs of plain revm with receipts take when they start together, one thread per
/// copy: the longest of the runs, each timed from a common barrier.
fn concurrent_revm(
    subject: &Subject,
    copies: &[OwnCopy],
    chain_id: u64,
) -> Result<Duration, String> {
    let barrier = Barrier::new(copies.len());
    let times: Vec<Result<Duration, String>> = std::thread::scope(|scope| {
        let runs: Vec<_> = copies
            .iter()
            .map(|copy| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let started = Instant::now();
                    revm_sequential(
                        subject.spec,
                        &subject.block_env,
                        &copy.txs,
                        &OwnEmptyCode::new(&copy.state),
                        chain_id,
                        true,
                    )?;
                    Ok(started.elapsed())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|_| Err("a revm copy panicked".into()))
            })
            .collect()
    });
    times
        .into_iter()
        .try_fold(Duration::ZERO, |longest, time| Ok(longest.max(time?)))
}

/// A block to measure: name, spec, environment, transactions, pre-state, options.
struct Subject {
    name: String,
    spec: fpevm::revm::primitives::hardfork::SpecId,
    block_env: fpevm::revm::context::BlockEnv,
    txs: Vec<fpevm::revm::context::TxEnv>,
    state: fpevm::state::InMemoryState,
    extras: fpevm::BlockExtras,
}

fn subjects(bench: &ExecBench) -> Result<Vec<Subject>, String> {
    let kinds: Vec<String> = if bench.workload == "all" {
        WorkloadKind::ALL
            .iter()
            .map(|k| k.to_string())
            .chain(["mainnet".to_string()])
            .collect()
    } else {
        vec![bench.workload.clone()]
    };
    let mut out = Vec::new();
    for kind in kinds {
        if kind == "mainnet" {
            let blocks = list_blocks(&bench.corpus).map_err(|e| e.to_string())?;
            let corpus = blocks
                .first()
                .and_then(|b| corpus_of(b))
                .ok_or("no mainnet blocks")?
                .to_path_buf();
            let shared = SharedData::load(&corpus).map_err(|e| e.to_string())?;
            for dir in blocks {
                let block = load_block(&dir, &shared).map_err(|e| e.to_string())?;
                if block.txs.len() >= 100 {
                    out.push(Subject {
                        name: format!("mainnet-{}", block.number),
                        spec: block.spec,
                        block_env: block.block_env,
                        txs: block.txs,
                        state: block.state,
                        extras: block.extras,
                    });
                }
            }
        } else {
            let w = generate(kind.parse()?, bench.txs, 1);
            out.push(Subject {
                name: kind,
                spec: w.spec,
                block_env: w.block_env,
                txs: w.txs,
                state: w.state,
                extras: Default::default(),
            });
        }
    }
    Ok(out)
}

/// Runs `fpevm bench exec`: one line per workload and thread count.
fn exec(bench: &ExecBench) -> Result<Tally, String> {
    if !bench.glibc_defaults && steady_heap() {
        eprintln!(
            "allocator: glibc's mmap threshold fixed at 32 MiB and trim threshold at 256 MiB \
             for both sides (--glibc-defaults leaves them dynamic)"
        );
    }
    let base = bench.exec.exec_options()?;
    let sweep: Vec<usize> = match bench.exec.threads {
        Some(n) => vec![n],
        None => vec![1, 2, 4, 8],
    };
    let mut tally = Tally::default();
    // (workload, threads, speedup, ceiling) of every line.
    let mut speedups: Vec<(String, usize, f64, f64)> = Vec::new();
    // Runs at once for the ceiling: one per thread of the sweep, up to the cores (one run alone
    // measures nothing, so none then).
    let at_once = |threads: usize| match threads.min(available_cores()) {
        0 | 1 => 0,
        k => k,
    };
    for subject in subjects(bench)? {
        let most = sweep.iter().map(|&t| at_once(t)).max().unwrap_or(0);
        let all_copies: Vec<OwnCopy> = (0..most).map(|_| OwnCopy::of(&subject)).collect();
        for &threads in &sweep {
            let options = ExecOptions {
                threads,
                extras: subject.extras.clone(),
                ..base.clone()
            };
            let copies = &all_copies[..at_once(threads)];
            let (mut revm_times, mut bare_times, mut fpevm_times) =
                (Vec::new(), Vec::new(), Vec::new());
            let (mut alone_times, mut together_times) = (Vec::new(), Vec::new());
            let (mut revm_faults, mut fpevm_faults) = (Vec::new(), Vec::new());
            let mut strategy = String::new();
            let idle = || std::thread::sleep(Duration::from_millis(bench.idle_ms));
            // Interleaved runs: both sides see the same machine noise. Each side's time includes
            // freeing its output, so neither is charged for the other's.
            for _ in 0..bench.runs.max(1) {
                for (receipts, times) in [(true, &mut revm_times), (false, &mut bare_times)] {
                    idle();
                    let (faults, started) = (page_faults(), Instant::now());
                    revm_sequential(
                        subject.spec,
                        &subject.block_env,
                        &subject.txs,
                        &subject.state,
                        options.chain_id,
                        receipts,
                    )?;
                    times.push(started.elapsed());
                    if receipts {
                        revm_faults.push(page_faults().saturating_sub(faults));
                    }
                }
                idle();
                let (faults, started) = (page_faults(), Instant::now());
                let output = execute_block(
                    subject.spec,
                    &subject.block_env,
                    &subject.txs,
                    &subject.state,
                    &options,
                )
                .map_err(|e| format!("{}: {e}", subject.name))?;
                strategy.clone_from(&output.report.reason);
                drop(output);
                fpevm_times.push(started.elapsed());
                fpevm_faults.push(page_faults().saturating_sub(faults));
            }
            // The ceiling's runs come after the others. Interleaved with them, fpevm's next run
            // took up to 20% longer, and the runs at once started beside the lane threads still
            // napping after fpevm's block (ceilings of 1.3-1.5x instead of 1.7-1.9x).
            if !copies.is_empty() {
                for _ in 0..bench.runs.max(1) {
                    idle();
                    alone_times.push(concurrent_revm(&subject, &copies[..1], options.chain_id)?);
                    idle();
                    together_times.push(concurrent_revm(&subject, copies, options.chain_id)?);
                }
            }
            let ceiling = match copies.len() {
                0 => 1.0,
                k => k as f64 * median_ms(alone_times) / median_ms(together_times).max(1e-9),
            };
            let line = BenchLine {
                workload: subject.name.clone(),
                txs: subject.txs.len(),
                threads,
                revm_sequential_ms: median_ms(revm_times),
                revm_bare_ms: median_ms(bare_times),
                fpevm_ms: median_ms(fpevm_times),
                speedup: 0.0,
                ceiling,
                strategy,
                revm_page_faults: median(revm_faults),
                fpevm_page_faults: median(fpevm_faults),
            };
            let line = BenchLine {
                speedup: line.revm_sequential_ms / line.fpevm_ms.max(1e-9),
                ..line
            };
            speedups.push((line.workload.clone(), threads, line.speedup, line.ceiling));
            if bench.exec.json {
                println!("{}", serde_json::to_string(&line).unwrap_or_default());
            } else {
                println!(
                    "{:<18} {:>5} txs {:>2} threads  revm {:>8.2} ms (bare {:>8.2})  fpevm {:>8.2} ms  {:>5.2}x (ceiling {:.2}x)  faults {}/{}  [{}]",
                    line.workload, line.txs, line.threads, line.revm_sequential_ms, line.revm_bare_ms, line.fpevm_ms, line.speedup, line.ceiling, line.revm_page_faults, line.fpevm_page_faults, line.strategy
                );
            }
            tally.add(&Outcome::Passed);
        }
    }
    for &threads in &sweep {
        let mainnet: Vec<_> = speedups
            .iter()
            .filter(|(w, t, ..)| w.starts_with("mainnet") && *t == threads)
            .collect();
        if !mainnet.is_empty() {
            let geomean = |value: fn(&&(String, usize, f64, f64)) -> f64| {
                (mainnet.iter().map(|s| value(s).ln()).sum::<f64>() / mainnet.len() as f64).exp()
            };
            eprintln!(
                "mainnet blocks with 100+ transactions, {threads} threads: geometric mean speedup {:.3} (ceiling {:.3}) over {}",
                geomean(|s| s.2),
                geomean(|s| s.3),
                mainnet.len()
            );
        }
    }
    Ok(tally)
}

/// Runs the command.
pub fn run(args: &BenchArgs) -> Result<Tally, String> {
    match &args.what {
        BenchWhat::Exec(bench) => exec(bench),
        BenchWhat::Keccak(bench) => super::bench_keccak::run(bench),
        BenchWhat::Offload(bench) => super::bench_offload::run(bench),
    }
}
