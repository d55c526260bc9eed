//! State seen by execution: the block's overlay over a pre-state, and an in-memory pre-state.

mod canonical;
mod db_error;
mod kept_tables;
mod memory;
mod overlay;
mod own_code;

pub use canonical::{
    address_order_key, canonical_account, canonical_change, canonical_with_changed_slots,
    canonicalize, overlay, overlay_canonical, sorted_accounts, sorted_slots, ChangesOverlay,
    FromDb, Originals,
};
pub use db_error::DbError;
pub use memory::{BlockHashes, InMemoryState};
pub use overlay::BlockState;
pub use own_code::OwnEmptyCode;
pub(crate) use own_code::{info_with_own_empty_code, own_code};
