//! `fpevm statetest` and `fpevm blocktest`: run official test vectors and print one line per
//! failure or skip, then `N passed, M failed[, K skipped]`.

use super::args::ExecArgs;
use super::progress::Progress;
use fpevm::vectors::{collect_json_files, CaseReport, ForkSelection, Outcome, RunOptions, Tally};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which suite a run covers.
#[derive(Debug, Clone, Copy)]
pub enum Suite {
    /// GeneralStateTests.
    State,
    /// BlockchainTests.
    Blockchain,
}

/// Runs a suite over `paths`; returns the tally (the caller prints it and sets the exit code).
pub fn run(suite: Suite, paths: &[PathBuf], forks: &str, args: &ExecArgs) -> Result<Tally, String> {
    let options = args.run_options()?;
    let files = collect_json_files(paths).map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err("no .json test files under the given paths".into());
    }
    let forks = ForkSelection::parse(forks);
    let started = Instant::now();
    let label = match suite {
        Suite::State => "statetest",
        Suite::Blockchain => "blocktest",
    };
    let mut progress = Progress::new(label, files.len());
    let mut tally = Tally::default();
    let mut unselected = 0;
    for file in &files {
        let mut on_case = |case: CaseReport| {
            tally.add(&case.outcome);
            if args.json {
                progress.println(&serde_json::to_string(&case).unwrap_or_default());
            } else if case.outcome != Outcome::Passed {
                progress.println(&case.to_string());
            }
        };
        unselected += run_file(suite, file, &forks, &options, &mut on_case);
        progress.step(&tally.to_string());
    }
    progress.finish();
    if unselected > 0 {
        eprintln!("{unselected} entries of forks outside the selection were not run (see --forks)");
    }
    eprintln!(
        "{label}: {} files in {:.1} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(offloader) = &options.offloader {
        eprintln!("{}", super::offload_summary(offloader));
    }
    Ok(tally)
}

fn run_file(
    suite: Suite,
    file: &Path,
    forks: &ForkSelection,
    options: &RunOptions,
    on_case: &mut dyn FnMut(CaseReport),
) -> usize {
    match suite {
        Suite::State => {
            fpevm::vectors::statetest::run_file(file, forks, options, on_case).unselected
        }
        Suite::Blockchain => fpevm::vectors::blocktest::run_file(file, forks, options, on_case),
    }
}
