//! How a block was executed: which strategy, why, with how many lanes, how long.

use std::time::Duration;

/// The execution strategy chosen for a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// One transaction after another on the calling thread.
    #[default]
    Sequential,
    /// Optimistic parallel lanes.
    Parallel,
}

/// A description of how a block ran. It never affects what the block produced.
#[derive(Debug, Clone, Default)]
pub struct ExecReport {
    /// Strategy used.
    pub strategy: Strategy,
    /// Why that strategy was chosen.
    pub reason: String,
    /// Lanes that ran.
    pub lanes: usize,
    /// Wall time of execution.
    pub elapsed: Duration,
}

/// Reports describe how a block ran, not what it produced: two outputs that differ only in
/// their reports are equal, so parallel and sequential outputs compare with `==`.
impl PartialEq for ExecReport {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ExecReport {}
