//! fpevm-sim
