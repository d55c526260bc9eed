//! Device faults the harness injects on demand, so that the host's recovery paths run against
//! the real core: a hang, corrupted completions, failed DMA reads and writes, a core that
//! resets itself, and a device that drops off the bus.
//!
//! A [`Fault`] is armed with [`crate::SimCore::inject`] and waits for its [`Trigger`] (so many
//! more cycles, read beats, writes or completion writes). Once the trigger has counted down
//! the fault is *active* and acts on the next event it applies to (a read beat for
//! [`FaultKind::ReadError`], a completion write for [`FaultKind::WrongTag`], ...), then it is
//! spent and counted in [`FaultStats`]. Everything happens on the Rust side of the harness:
//! the core sees only its ports (`rd_resp_error`, `wr_error`, withheld handshakes, a register
//! write) and the host sees only memory and registers.

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The core stops making progress: the harness still takes read requests but withholds
    /// every read beat and every write acceptance, until the host writes a soft reset; then
    /// the withheld reads are answered again, so the reset can drain them and finish.
    Hang,
    /// The next completion the core writes lands with a tag that no job carries.
    WrongTag,
    /// The next completion the core writes lands with the other phase bit (looks stale).
    WrongPhase,
    /// The next read beat comes back with `rd_resp_error` (and garbage data).
    ReadError,
    /// The next write is not performed and fails with `wr_error`, raised in the cycle of its
    /// handshake (`late_by == 0`) or `late_by` cycles later (an AXI `BRESP` arriving late, by
    /// which time the core may have written the job's completion).
    WriteError {
        /// Cycles from the handshake to the error.
        late_by: u64,
    },
    /// The harness writes `CONTROL_SOFT_RESET` by itself, as if the core reset mid-batch:
    /// jobs in flight are dropped and the core comes back disabled with cleared indexes.
    SelfReset,
    /// The device drops off the bus for good: registers read all ones, DMA stops, and no
    /// soft reset brings it back.
    Gone,
}

/// When an armed fault becomes active: after so many more events of one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Clock cycles.
    Cycles(u64),
    /// Read beats taken by the core.
    ReadBeats(u64),
    /// Write handshakes (results and completions).
    Writes(u64),
    /// Writes into the completion ring.
    Completions(u64),
}

/// One fault to inject: what, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// When it becomes active.
    pub after: Trigger,
}

impl Fault {
    /// `kind` once `after` has counted down.
    pub fn new(kind: FaultKind, after: Trigger) -> Self {
        Self { kind, after }
    }
}

/// Faults that took effect (not merely armed), by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Hangs started.
    pub hangs: u64,
    /// Completions written with a wrong tag.
    pub wrong_tags: u64,
    /// Completions written with a wrong phase bit.
    pub wrong_phases: u64,
    /// Read beats failed.
    pub read_errors: u64,
    /// Writes failed.
    pub write_errors: u64,
    /// Soft resets the harness performed by itself.
    pub self_resets: u64,
    /// Times the device dropped off the bus.
    pub gone: u64,
    /// Withheld read beats answered after a hang ended (drained by the soft reset).
    pub drained_beats: u64,
}

impl FaultStats {
    /// Faults that took effect, all kinds together (drained beats are not faults).
    pub fn total(&self) -> u64 {
        self.hangs
            + self.wrong_tags
            + self.wrong_phases
            + self.read_errors
            + self.write_errors
            + self.self_resets
            + self.gone
    }
}

/// The events a trigger counts, as they happened in one cycle.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Events {
    pub read_beats: u64,
    pub writes: u64,
    pub completions: u64,
}

/// Whether the harness is withholding the core's DMA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stall {
    /// DMA served normally.
    None,
    /// Withheld until the host writes a soft reset.
    UntilReset,
    /// Withheld for good, and registers read all ones.
    Forever,
}

/// An armed fault: its trigger's countdown, then active until it acts.
#[derive(Clone, Copy, Debug)]
struct Armed {
    kind: FaultKind,
    after: Trigger,
    left: u64,
}

impl Armed {
    fn active(&self) -> bool {
        self.left == 0
    }
}

/// The harness's fault state: armed faults, a hang in progress, a late write error pending.
#[derive(Debug)]
pub(crate) struct Injector {
    armed: Vec<Armed>,
    pub stall: Stall,
    /// Cycle at which a late `wr_error` is raised.
    pub late_error_at: Option<u64>,
    pub stats: FaultStats,
}

impl Injector {
    pub fn new() -> Self {
        Self {
            armed: Vec::new(),
            stall: Stall::None,
            late_error_at: None,
            stats: FaultStats::default(),
        }
    }

    /// Arms `fault`.
    pub fn arm(&mut self, fault: Fault) {
        let left = match fault.after {
            Trigger::Cycles(n)
            | Trigger::ReadBeats(n)
            | Trigger::Writes(n)
            | Trigger::Completions(n) => n,
        };
        self.armed.push(Armed {
            kind: fault.kind,
            after: fault.after,
            left,
        });
    }

    /// Faults armed and not yet spent.
    pub fn pending(&self) -> usize {
        self.armed.len()
    }

    /// Drops every armed fault and ends any stall (the harness back to a healthy device).
    pub fn clear(&mut self) {
        self.armed.clear();
        self.stall = Stall::None;
        self.late_error_at = None;
    }

    /// Whether an active fault of a kind matching `is` waits for its event.
    pub fn active(&self, is: impl Fn(FaultKind) -> bool) -> bool {
        self.armed.iter().any(|a| a.active() && is(a.kind))
    }

    /// Spends the first active fault of a kind matching `is`, returning its kind.
    pub fn take(&mut self, is: impl Fn(FaultKind) -> bool) -> Option<FaultKind> {
        let at = self.armed.iter().position(|a| a.active() && is(a.kind))?;
        Some(self.armed.remove(at).kind)
    }

    /// Counts one cycle and this cycle's events down on every waiting trigger.
    pub fn count(&mut self, events: Events) {
        for a in self.armed.iter_mut().filter(|a| !a.active()) {
            let n = match a.after {
                Trigger::Cycles(_) => 1,
                Trigger::ReadBeats(_) => events.read_beats,
                Trigger::Writes(_) => events.writes,
                Trigger::Completions(_) => events.completions,
            };
            a.left = a.left.saturating_sub(n);
        }
    }
}

/// Byte offsets of a completion's fields (`fpevm_hdl::layout::compl`; a test checks they match).
pub mod compl {
    /// u64 tag.
    pub const TAG: usize = 0;
    /// Phase bit in bit 0.
    pub const PHASE: usize = 9;
}

/// Register offsets and control bits the harness watches (`fpevm_hdl::layout`; a test checks
/// they match).
pub mod regs {
    /// CONTROL.
    pub const CONTROL: u32 = 0x0C;
    /// Ring size.
    pub const RING_SIZE: u32 = 0x18;
    /// Completion ring base, low half.
    pub const CQ_BASE_LO: u32 = 0x24;
    /// Completion ring base, high half.
    pub const CQ_BASE_HI: u32 = 0x28;
    /// CONTROL's soft reset bit.
    pub const SOFT_RESET: u32 = 1 << 1;
}
