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
    /// A soft reset finished but left the core unusable.
    #[error("soft reset failed: {0}")]
    ResetFailed(String),
    /// The core reported a failed DMA read or write ([`layout::STATUS_BIT_DMA_ERROR`]): results
    /// it reported may not be in memory, and it stopped until a soft reset.
    #[error("device DMA error: STATUS reads {status:#x}")]
    DmaError {
        /// The STATUS value.
        status: u32,
    },
    /// The core reset itself with jobs in flight (it reads disabled, which the driver never
    /// does while a chunk runs).
    #[error("the device reset itself: CONTROL reads {control:#x} with {pending} jobs in flight")]
    DeviceReset {
        /// The CONTROL value.
        control: u32,
        /// Jobs of the chunk without a completion.
        pending: usize,
    },
    /// Every register reads all ones: the device dropped off the bus.
    #[error("the device is gone: registers read all ones")]
    Gone,
    /// The device failed to reset earlier and is out of service (see `Driver::recover`).
    #[error("the device is out of service since a soft reset failed")]
    Unhealthy,
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

/// Device faults survived, by kind. Each fault is one error that ended a run on the device;
/// its pending jobs finished elsewhere.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FaultCounts {
    /// Completions stopped arriving ([`OffloadError::Timeout`]).
    pub timeouts: u64,
    /// A completion failed validation: unknown or repeated tag, stale phase bit.
    pub bad_completions: u64,
    /// The core reported a failed DMA read or write.
    pub dma_errors: u64,
    /// The core stopped on a configuration error, or dropped off the bus.
    pub halts: u64,
    /// The core reset itself mid-batch.
    pub device_resets: u64,
    /// A valid job completed with an error status.
    pub failed_jobs: u64,
    /// Soft resets that did not bring the device back (each marks it unhealthy).
    pub failed_resets: u64,
    /// Any other device error.
    pub other: u64,
}

impl FaultCounts {
    /// Counts `error` in its kind.
    pub fn record(&mut self, error: &OffloadError) {
        use OffloadError as E;
        let counter = match error {
            E::Timeout { .. } => &mut self.timeouts,
            E::BadCompletion(_) => &mut self.bad_completions,
            E::DmaError { .. } => &mut self.dma_errors,
            E::Halted { .. } | E::Gone => &mut self.halts,
            E::DeviceReset { .. } => &mut self.device_resets,
            E::JobFailed { .. } => &mut self.failed_jobs,
            E::ResetTimeout { .. } | E::ResetFailed(_) => &mut self.failed_resets,
            _ => &mut self.other,
        };
        *counter += 1;
    }

    /// Every count added up.
    pub fn total(&self) -> u64 {
        self.timeouts
            + self.bad_completions
            + self.dma_errors
            + self.halts
            + self.device_resets
            + self.failed_jobs
            + self.failed_resets
            + self.other
    }

    /// The sum of `self` and `other`, kind by kind.
    pub fn plus(&self, other: &FaultCounts) -> FaultCounts {
        FaultCounts {
            timeouts: self.timeouts + other.timeouts,
            bad_completions: self.bad_completions + other.bad_completions,
            dma_errors: self.dma_errors + other.dma_errors,
            halts: self.halts + other.halts,
            device_resets: self.device_resets + other.device_resets,
            failed_jobs: self.failed_jobs + other.failed_jobs,
            failed_resets: self.failed_resets + other.failed_resets,
            other: self.other + other.other,
        }
    }
}

/// The name of a completion status code.
pub fn status_name(status: u8) -> &'static str {
    match status {
        layout::STATUS_OK => "ok",
        layout::STATUS_OUT_OF_WINDOW => "out of window",
        layout::STATUS_MISALIGNED => "misaligned",
        layout::STATUS_BAD_OPCODE => "bad opcode",
        layout::STATUS_BAD_LENGTH => "bad length",
        _ => "unknown status",
    }
}
