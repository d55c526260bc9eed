//! Runners for the official Ethereum test vectors (GeneralStateTests, BlockchainTests): each
//! case goes through [`crate::execute_block`] and is checked against the expected roots.

pub mod blocktest;
mod checked;
mod files;
mod fork;
mod header_rules;
mod run_options;
mod sender;
pub mod statetest;
mod tally;

pub use checked::execute_checked;
pub use files::collect_json_files;
pub use fork::{spec_by_name, ForkSelection, Network};
pub use run_options::RunOptions;
pub use tally::{CaseReport, Outcome, Tally};
