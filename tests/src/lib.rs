//! fpevm-tests
