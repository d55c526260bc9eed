//! Cross-crate tests of fpevm. The helpers here locate the shared corpus, which tests need and
//! must not run without.

use std::path::PathBuf;

/// The shared test corpus beside the checkout (`../shared/corpus`).
///
/// # Panics
/// When the corpus is missing: tests that need it fail loudly instead of passing vacuously.
pub fn corpus() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    assert!(
        path.join("README.md").is_file(),
        "the shared corpus is missing at {}: clone the project with ../shared beside it",
        path.display()
    );
    path
}
