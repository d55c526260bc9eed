//! Criterion benches of fpevm (`cargo bench -p fpevm-bench`); the side-by-side report with
//! medians and a thread sweep is `fpevm bench exec`.
