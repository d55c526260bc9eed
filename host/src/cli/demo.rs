//! `fpevm demo`: runs the built-in example block.
