//! Keccak-f[1600] permutation, `rounds` rounds per clock (24 / rounds cycles per permutation).
//!
//! Interface (all synchronous to `clock`):
//! - When `start` is high and `busy` is low, the block loads `absorb ^ (keep ? state : 0)`
//!   and runs the first `rounds` rounds on it in the same cycle; it then runs `rounds`
//!   rounds per cycle. `busy` is high while rounds remain; the permutation takes exactly
//!   `24 / rounds` cycles from the `start` cycle, and `state` holds the result in the cycle
//!   `busy` falls. A new `start` may be given in that very cycle (no idle cycle).
//! - `start` is honoured only with `load`, which sets the round datapath up for the block
//!   (`load` alone changes nothing). A parent computes `load`, `keep` and `absorb` from its
//!   registers and may gate `start` by a late signal: the datapath
//!   ([`KeccakRounds`](crate::keccak_rounds::KeccakRounds)) then never waits for that
//!   signal, only the state register's enable does.
//! - `clear` stops a permutation in flight (soft reset); `state` is then meaningless.
//! - `start` while `busy` is a protocol error of the parent and is ignored.

use crate::keccak_rounds::KeccakRounds;
use crate::signals;
use rust_hdl::prelude::*;

/// Lanes of the Keccak state.
pub const LANES: usize = 25;

/// The permutation block. Lanes are indexed `x + 5 * y`, each lane little-endian.
#[derive(LogicBlock)]
pub struct KeccakF1600 {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous clear (soft reset): stops a permutation in flight.
    pub clear: Signal<In, Bit>,
    /// The datapath takes `absorb` (and `keep`) this cycle if not busy; see `start`.
    pub load: Signal<In, Bit>,
    /// Start a permutation of `absorb ^ (keep ? state : 0)`; honoured only with `load` and
    /// when not busy.
    pub start: Signal<In, Bit>,
    /// XOR the absorbed lanes into the current state (else into zero).
    pub keep: Signal<In, Bit>,
    /// Lanes XORed into the state at `start`.
    pub absorb: Vec<Signal<In, Bits<64>>>,
    /// Rounds remain to be run.
    pub busy: Signal<Out, Bit>,
    /// The first `outputs` lanes of the state register (the permutation's result once
    /// `busy` is low).
    pub state: Vec<Signal<Out, Bits<64>>>,
    st: Vec<DFF<Bits<64>>>,
    round: DFF<Bits<8>>,
    running: DFF<Bit>,
    rounds: KeccakRounds,
    total: Constant<Bits<8>>,
    zero8: Constant<Bits<8>>,
    _outputs: usize,
}

impl KeccakF1600 {
    /// A permutation running `rounds` rounds per clock; `rounds` must divide 24.
    /// Only the first `outputs` lanes of the state are ports (1..=25).
    pub fn new(rounds: usize, outputs: usize) -> Self {
        assert!((1..=LANES).contains(&outputs), "1..=25 output lanes");
        Self {
            clock: Default::default(),
            clear: Default::default(),
            load: Default::default(),
            start: Default::default(),
            keep: Default::default(),
            absorb: signals(LANES),
            busy: Default::default(),
            state: signals(outputs),
            st: (0..LANES).map(|_| DFF::default()).collect(),
            round: Default::default(),
            running: Default::default(),
            rounds: KeccakRounds::new(rounds),
            total: Constant::new(Bits::<8>::from(24u64)),
            zero8: Constant::new(Bits::<8>::from(0u64)),
            _outputs: outputs,
        }
    }
}

impl Logic for KeccakF1600 {
    #[hdl_gen]
    fn update(&mut self) {
        // Registers hold their value unless written below.
        self.round.clock.next = self.clock.val();
        self.round.d.next = self.round.q.val();
        self.running.clock.next = self.clock.val();
        self.running.d.next = self.running.q.val();
        for i in 0..25 {
            self.st[i].clock.next = self.clock.val();
            self.st[i].d.next = self.st[i].q.val();
        }
        for i in 0..self._outputs {
            self.state[i].next = self.st[i].q.val();
        }
        self.busy.next = self.running.q.val();
        // The datapath sees registers and the parent's register-derived inputs only.
        for i in 0..25 {
            self.rounds.state[i].next = self.st[i].q.val();
            self.rounds.absorb[i].next = self.absorb[i].val();
        }
        self.rounds.load.next = self.load.val();
        self.rounds.keep.next = self.keep.val();
        self.rounds.running.next = self.running.q.val();
        self.rounds.round.next = self.round.q.val();
        if self.running.q.val() || (self.start.val() && self.load.val()) {
            for i in 0..25 {
                self.st[i].d.next = self.rounds.result[i].val();
            }
            self.round.d.next = self.rounds.round_next.val();
            self.running.d.next = self.rounds.round_next.val() < self.total.val();
        }
        if self.clear.val() {
            self.running.d.next = false;
            self.round.d.next = self.zero8.val();
        }
    }
}
