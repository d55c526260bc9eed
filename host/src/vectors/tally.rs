//! Outcomes of checked cases and the closing `N passed, M failed, K skipped` line.

use serde::Serialize;
use std::fmt;

/// How one case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "lowercase")]
pub enum Outcome {
    /// Every check held.
    Passed,
    /// Something differed or could not be run; the text says what.
    Failed(String),
    /// Not run, for the printed reason.
    Skipped(String),
}

/// One checked case: which file, which test, which sub-case, and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseReport {
    /// The test file.
    pub file: String,
    /// Test name inside the file (empty when the whole file failed to load).
    pub test: String,
    /// Fork and indexes (state tests) or block (blockchain tests).
    pub case: String,
    /// Result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl fmt::Display for CaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (word, reason) = match &self.outcome {
            Outcome::Passed => ("PASS", ""),
            Outcome::Failed(r) => ("FAIL", r.as_str()),
            Outcome::Skipped(r) => ("SKIP", r.as_str()),
        };
        write!(f, "{word} {}", self.file)?;
        if !self.test.is_empty() {
            write!(f, " :: {}", self.test)?;
        }
        if !self.case.is_empty() {
            write!(f, " [{}]", self.case)?;
        }
        if !reason.is_empty() {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

/// Counts of passed, failed and skipped cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases whose checks all held.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases skipped with a printed reason.
    pub skipped: usize,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// The closing line every checking command prints: `N passed, M failed` and `, K skipped` when
/// anything was skipped.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped)?;
        }
        Ok(())
    }
}
