//! fpevm-bench
