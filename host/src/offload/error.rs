//! Typed errors of the offload driver.

use super::layout;
use thiserror::Error;

/// Why an offload operation failed.
#[derive(Debug, Error)]
pub enum OffloadError {
    /// The transport is not built into this binary (or not present on this machine).
    #[error("device unavailable: {0}")]
    Unavailable(&'static str),
    /// The transport failed to start or to serve a request.
    #[error("device error: {0}")]
    Device(String),
    /// The DMA memory could not be allocated.
    #[error("cannot allocate {bytes} bytes of DMA memory: {source}")]
    Memory {
        /// Size asked for.
        bytes: usize,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The ID register does not hold [`layout::ID_VALUE`]: no fpevm core answers.
    #[error(
        "no fpevm core: the ID register reads {found:#010x}, expected {:#010x}",
        layout::ID_VALUE
    )]
    BadId {
        /// What the ID register reads.
        found: u32,
    },
    /// The core's major version differs from the one this driver speaks.
    #[error(
        "core version {found:#010x} is not supported (the driver speaks {:#010x})",
        layout::VERSION_VALUE
    )]
    BadVersion {
        /// What the VERSION register reads.
        found: u32,
    },
    /// The driver configuration or the DMA memory cannot carry the ring layout.
    #[error("invalid offload configuration: {0}")]
    Config(String),
    /// One input is larger than the input arena (see `DriverConfig::max_input_bytes`).
    #[error("input {index} has {len} bytes, more than the {max}-byte input arena")]
    InputTooLarge {
        /// Position of the input in the batch.
        index: usize,
        /// Its length in bytes.
        len: usize,
        /// The arena's size in bytes.
        max: usize,
    },
    /// A job with an unknown opcode, or an ALU job whose input is not its operands.
    #[error("job {index} (opcode {opcode:#04x}, {len} input bytes) is not a job the device contract defines")]
    InvalidJob {
        /// Index of the job in its batch.
        index: usize,
        /// Its opcode.
        opcode: u8,
        /// Its input length.
        len: usize,
    },
    /// More descriptors than free ring slots were submitted.
    #[error("{wanted} descriptors submitted, the ring has {free} free slots")]
    RingFull {
        /// Descriptors in the submission.
        wanted: usize,
        /// Slots free (ring size minus jobs whose completion was not consumed).
        free: u32,
    },
    /// Completions stopped arriving.
    #[error("device timed out: {pending} jobs without a completion after {cycles} idle cycles and {polls} idle polls")]
    Timeout {
        /// Jobs of the chunk still without a completion.
        pending: usize,
        /// Device cycles elapsed since the last completion.
        cycles: u64,
        /// Polls since the last completion.
        polls: u64,
    },
    /// A soft reset did not finish.
    #[error("soft reset did not finish: STATUS reads {status:#x}")]
    ResetTimeout {
        /// The last STATUS value.
        status: u32,
    },
    /// The core stopped on a configuration error (a ring slot outside the DMA window).
    #[error("device halted with a configuration error: STATUS reads {status:#x}")]
    Halted {
        /// The STATUS value.
        status: u32,
    },
    /// A completion that cannot belong to any job in flight (unknown tag, duplicate).
    #[error("bad completion: {0}")]
    BadCompletion(String),
    /// The core completed a job with an error status.
    #[error("job with tag {tag} failed on the device: status {status} ({})", status_name(*status))]
    JobFailed {
        /// The job's tag.
        tag: u64,
        /// The completion's `STATUS_*` code.
        status: u8,
    },
}

impl OffloadError {
    /// Whether the device (not the caller's input or configuration) is to blame.
    pub fn is_device_fault(&self) -> bool {
        !matches!(
            self,
            Self::InputTooLarge { .. } | Self::Config(_) | Self::RingFull { .. }
        )
    }
}

/// The name of a completion status code.
pub fn status_name(status: u8) -> &'static str {
    match status {
        layout::STATUS_OK => "ok",
        layout::STATUS_OUT_OF_WINDOW => "out of window",
        layout::STATUS_MISALIGNED => "misaligned",
        layout::STATUS_BAD_OPCODE => "bad opcode",
        _ => "unknown status",
    }
}
