//! fpevm-sys
