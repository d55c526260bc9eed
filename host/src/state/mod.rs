//! State seen by execution: the block's overlay over a pre-state, and an in-memory pre-state.

mod db_error;
mod memory;
mod overlay;

pub use db_error::DbError;
pub use memory::{BlockHashes, InMemoryState};
pub use overlay::BlockState;
