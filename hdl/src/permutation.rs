//! Keccak-f[1600] permutation, `rounds` rounds per clock (24 / rounds cycles per permutation).
//!
//! Interface (all synchronous to `clock`):
//! - When `start` is high and `busy` is low, the block loads `absorb ^ (keep ? state : 0)`
//!   and runs the first `rounds` rounds on it in the same cycle; it then runs `rounds`
//!   rounds per cycle. `busy` is high while rounds remain; the permutation takes exactly
//!   `24 / rounds` cycles from the `start` cycle, and `state` holds the result in the cycle
//!   `busy` falls. A new `start` may be given in that very cycle (no idle cycle).
//! - `clear` stops a permutation in flight (soft reset); `state` is then meaningless.
//! - `start` while `busy` is a protocol error of the parent and is ignored.

use crate::keccak_consts::{RHO_OFFSETS, ROUND_CONSTANTS};
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
    /// Start a permutation of `absorb ^ (keep ? state : 0)`; honoured only when not busy.
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
    // Datapath: the state entering the first round of this cycle, then after each round.
    a: Vec<Signal<Local, Bits<64>>>,
    c: Vec<Signal<Local, Bits<64>>>,
    d: Vec<Signal<Local, Bits<64>>>,
    e: Vec<Signal<Local, Bits<64>>>,
    b: Vec<Signal<Local, Bits<64>>>,
    round0: Signal<Local, Bits<8>>,
    round_next: Signal<Local, Bits<8>>,
    rcsel: Vec<Signal<Local, Bits<64>>>,
    rc: Vec<Constant<Bits<64>>>,
    rho_l: Vec<Constant<Bits<8>>>,
    rho_r: Vec<Constant<Bits<8>>>,
    n8: Vec<Constant<Bits<8>>>,
    rstep: Constant<Bits<8>>,
    total: Constant<Bits<8>>,
    _rounds: usize,
    _outputs: usize,
}

impl KeccakF1600 {
    /// A permutation running `rounds` rounds per clock; `rounds` must divide 24.
    /// Only the first `outputs` lanes of the state are ports (1..=25).
    pub fn new(rounds: usize, outputs: usize) -> Self {
        assert!((1..=LANES).contains(&outputs), "1..=25 output lanes");
        assert!(
            rounds > 0 && 24 % rounds == 0,
            "rounds per clock must divide 24"
        );
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            clock: Default::default(),
            clear: Default::default(),
            start: Default::default(),
            keep: Default::default(),
            absorb: signals(LANES),
            busy: Default::default(),
            state: signals(outputs),
            st: (0..LANES).map(|_| DFF::default()).collect(),
            round: Default::default(),
            running: Default::default(),
            a: signals(LANES * (rounds + 1)),
            c: signals(5 * rounds),
            d: signals(5 * rounds),
            e: signals(LANES * rounds),
            b: signals(LANES * rounds),
            round0: Default::default(),
            round_next: Default::default(),
            rcsel: signals(rounds),
            rc: ROUND_CONSTANTS
                .iter()
                .map(|&k| Constant::new(Bits::<64>::from(k)))
                .collect(),
            rho_l: RHO_OFFSETS.iter().map(|&r| c8(u64::from(r))).collect(),
            rho_r: RHO_OFFSETS
                .iter()
                .map(|&r| c8(u64::from((64 - r) % 64)))
                .collect(),
            n8: (0..24).map(|v| c8(v as u64)).collect(),
            rstep: c8(rounds as u64),
            total: c8(24),
            _rounds: rounds,
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
        // Input of this cycle's first round: the loaded block at start, else the state.
        self.round0.next = self.round.q.val();
        if self.start.val() && !self.running.q.val() {
            self.round0.next = self.n8[0].val();
        }
        for i in 0..25 {
            self.a[i].next = self.st[i].q.val();
            if self.start.val() && !self.running.q.val() {
                if self.keep.val() {
                    self.a[i].next = self.st[i].q.val() ^ self.absorb[i].val();
                } else {
                    self.a[i].next = self.absorb[i].val();
                }
            }
        }
        // Round constants of this cycle's rounds.
        for r in 0..self._rounds {
            self.rcsel[r].next = self.rc[0].val();
            for k in 0..24 {
                if self.round0.val() + self.n8[r].val() == self.n8[k].val() {
                    self.rcsel[r].next = self.rc[k].val();
                }
            }
        }
        for r in 0..self._rounds {
            // theta
            for x in 0..5 {
                self.c[r * 5 + x].next = self.a[r * 25 + x].val()
                    ^ self.a[r * 25 + x + 5].val()
                    ^ self.a[r * 25 + x + 10].val()
                    ^ self.a[r * 25 + x + 15].val()
                    ^ self.a[r * 25 + x + 20].val();
            }
            for x in 0..5 {
                self.d[r * 5 + x].next = self.c[r * 5 + (x + 4) % 5].val()
                    ^ (self.c[r * 5 + (x + 1) % 5].val() << 1)
                    ^ (self.c[r * 5 + (x + 1) % 5].val() >> 63);
            }
            for x in 0..5 {
                for y in 0..5 {
                    self.e[r * 25 + x + 5 * y].next =
                        self.a[r * 25 + x + 5 * y].val() ^ self.d[r * 5 + x].val();
                }
            }
            // rho and pi
            for x in 0..5 {
                for y in 0..5 {
                    self.b[r * 25 + y + 5 * ((2 * x + 3 * y) % 5)].next =
                        (self.e[r * 25 + x + 5 * y].val() << self.rho_l[x + 5 * y].val())
                            | (self.e[r * 25 + x + 5 * y].val() >> self.rho_r[x + 5 * y].val());
                }
            }
            // chi
            for x in 0..5 {
                for y in 0..5 {
                    self.a[(r + 1) * 25 + x + 5 * y].next = self.b[r * 25 + x + 5 * y].val()
                        ^ (!self.b[r * 25 + (x + 1) % 5 + 5 * y].val()
                            & self.b[r * 25 + (x + 2) % 5 + 5 * y].val());
                }
            }
            // iota
            self.a[(r + 1) * 25].next = self.a[(r + 1) * 25].val() ^ self.rcsel[r].val();
        }
        self.round_next.next = self.round0.val() + self.rstep.val();
        if self.running.q.val() || self.start.val() {
            // `rr` binds the generation-time constant `rounds` for the index evaluator.
            for rr in self._rounds..(self._rounds + 1) {
                for i in 0..25 {
                    self.st[i].d.next = self.a[rr * 25 + i].val();
                }
            }
            self.round.d.next = self.round_next.val();
            self.running.d.next = self.round_next.val() < self.total.val();
        }
        if self.clear.val() {
            self.running.d.next = false;
            self.round.d.next = self.n8[0].val();
        }
    }
}
