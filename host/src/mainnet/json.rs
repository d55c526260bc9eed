//! Reading a JSON file into a typed value, with errors naming the file.

use super::error::MainnetError;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Reads and parses `file`.
pub(crate) fn read_json<T: DeserializeOwned>(file: &Path) -> Result<T, MainnetError> {
    let text = std::fs::read(file).map_err(|source| MainnetError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    parse_json(file, &text)
}

/// Parses `text`, read from `file`.
pub(crate) fn parse_json<T: DeserializeOwned>(file: &Path, text: &[u8]) -> Result<T, MainnetError> {
    serde_json::from_slice(text).map_err(|source| MainnetError::Json {
        file: file.to_path_buf(),
        source,
    })
}
