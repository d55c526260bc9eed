//! `fpevm mainnet`: runs the mainnet block snapshots sequentially and in parallel lanes,
//! checks each against its header and the parallel output against the sequential one.

use super::args::ExecArgs;
use super::progress::Progress;
use clap::Args;
use fpevm::mainnet::{corpus_of, list_blocks, load_block, MainnetBlock, SharedData};
use fpevm::receipt::receipts_root;
use fpevm::vectors::{Outcome, Tally};
use fpevm::{execute_block, BlockOutput, ExecOptions};
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `fpevm mainnet`.
#[derive(Debug, Clone, Args)]
pub struct MainnetArgs {
    /// The corpus folder (holding `blocks/`, `bytecodes.json.gz`, `block_hashes.json`), or block
    /// folders inside it.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Runs of each block per strategy (the median time is reported).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// One block's report line.
#[derive(Debug, Serialize)]
struct BlockLine {
    block: u64,
    txs: usize,
    gas: u64,
    sequential_ms: f64,
    parallel_ms: f64,
    speedup: f64,
    strategy: String,
    #[serde(flatten)]
    outcome: Outcome,
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs `block` `repeat` times with `options`: the first output and the median time.
fn run_block(
    block: &MainnetBlock,
    options: &ExecOptions,
    repeat: usize,
) -> Result<(Vec<BlockOutput>, Duration), String> {
    // The block's own beacon root, withdrawals and rewards apply around its transactions.
    let options = &ExecOptions {
        extras: block.extras.clone(),
        ..options.clone()
    };
    let mut outputs = Vec::new();
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let output = execute_block(
            block.spec,
            &block.block_env,
            &block.txs,
            &block.state,
            options,
        )
        .map_err(|e| e.to_string())?;
        times.push(started.elapsed());
        outputs.push(output);
    }
    Ok((outputs, median(times)))
}

/// Checks a block: header fields on the sequential output, parallel == sequential on every run.
fn check(block: &MainnetBlock, sequential: &[BlockOutput], parallel: &[BlockOutput]) -> Outcome {
    let reference = &sequential[0];
    let expected = &block.expected;
    if reference.gas_used != expected.gas_used {
        return Outcome::Failed(format!(
            "gas used {} differs from header's {}",
            reference.gas_used, expected.gas_used
        ));
    }
    if reference.logs_bloom != expected.logs_bloom {
        return Outcome::Failed("logs bloom differs from header's".into());
    }
    if let Some(root) = expected.receipts_root {
        let got = receipts_root(&reference.receipts);
        if got != root {
            return Outcome::Failed(format!("receipts root {got} differs from header's {root}"));
        }
    }
    for (i, output) in sequential.iter().chain(parallel).enumerate() {
        if let Some(diff) = output.first_difference(reference) {
            return Outcome::Failed(format!(
                "run {i} differs from the first sequential run: {diff}"
            ));
        }
    }
    Outcome::Passed
}

/// Runs the command.
pub fn run(args: &MainnetArgs) -> Result<Tally, String> {
    let mut options = args.exec.exec_options()?;
    // The comparison is the point: the lanes run every block, even one the cost model would
    // give to the sequential path (`--min-parallel-txs` sets a threshold again).
    if args.exec.min_parallel_txs.is_none() {
        options.min_parallel_txs = 0;
    }
    let mut blocks = Vec::new();
    for path in &args.paths {
        blocks.extend(list_blocks(path).map_err(|e| e.to_string())?);
    }
    if blocks.is_empty() {
        return Err("no block folders under the given paths".into());
    }
    let started = Instant::now();
    let mut shared: Option<(PathBuf, SharedData)> = None;
    let mut progress = Progress::new("mainnet", blocks.len());
    let mut tally = Tally::default();
    let sequential_options = ExecOptions {
        threads: 1,
        ..options.clone()
    };
    for dir in &blocks {
        let corpus = corpus_of(dir)
            .ok_or_else(|| format!("{}: not inside a corpus folder", dir.display()))?
            .to_path_buf();
        if shared.as_ref().is_none_or(|(c, _)| *c != corpus) {
            shared = Some((
                corpus.clone(),
                SharedData::load(&corpus).map_err(|e| e.to_string())?,
            ));
        }
        let Some((_, data)) = &shared else {
            unreachable!("loaded above")
        };
        let line = match load_block(dir, data) {
            Err(e) => {
                tally.add(&Outcome::Failed(e.to_string()));
                progress.println(&format!("FAIL {e}"));
                progress.step(&tally.to_string());
                continue;
            }
            Ok(block) => {
                let runs = run_block(&block, &sequential_options, args.repeat)
                    .and_then(|seq| run_block(&block, &options, args.repeat).map(|par| (seq, par)));
                match runs {
                    Err(e) => BlockLine {
                        block: block.number,
                        txs: block.txs.len(),
                        gas: 0,
                        sequential_ms: 0.0,
                        parallel_ms: 0.0,
                        speedup: 0.0,
                        strategy: String::new(),
                        outcome: Outcome::Failed(e),
                    },
                    Ok(((seq, seq_time), (par, par_time))) => BlockLine {
                        block: block.number,
                        txs: block.txs.len(),
                        gas: seq[0].gas_used,
                        sequential_ms: seq_time.as_secs_f64() * 1e3,
                        parallel_ms: par_time.as_secs_f64() * 1e3,
                        speedup: seq_time.as_secs_f64() / par_time.as_secs_f64().max(1e-9),
                        strategy: par[0].report.reason.clone(),
                        outcome: check(&block, &seq, &par),
                    },
                }
            }
        };
        tally.add(&line.outcome);
        if args.exec.json {
            progress.println(&serde_json::to_string(&line).unwrap_or_default());
        } else {
            let verdict = match &line.outcome {
                Outcome::Passed => "ok".to_string(),
                Outcome::Failed(why) | Outcome::Skipped(why) => format!("FAIL {why}"),
            };
            progress.println(&format!(
                "block {:>9} {:>5} txs {:>10} gas  seq {:>8.2} ms  par {:>8.2} ms  {:>5.2}x  {verdict}  [{}]",
                line.block, line.txs, line.gas, line.sequential_ms, line.parallel_ms, line.speedup, line.strategy
            ));
        }
        progress.step(&tally.to_string());
    }
    progress.finish();
    eprintln!(
        "mainnet: {} blocks in {:.1} s",
        blocks.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(offloader) = &options.offloader {
        eprintln!("{}", super::offload_summary(offloader));
    }
    Ok(tally)
}
