//! The error type of the project's own databases.

use revm::database_interface::DBErrorMarker;

/// A database lookup that failed, with a message naming what was missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DbError(pub String);

impl DBErrorMarker for DbError {}
