//! RustHDL blocks of the fpevm core.
