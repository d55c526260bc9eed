//! The Keccak-f[1600] round datapath: the `rounds` rounds one clock of a permutation runs,
//! as combinational logic from the state register (see `permutation`).
//!
//! The datapath is a block of its own, fed only by register outputs and by signals that the
//! parent computes from registers (`load`, `keep`, `absorb`): it never depends on a signal
//! that changes within a cycle, such as the writer's handshake, which decides only whether
//! the state register takes the result. So the datapath's value is settled once per clock
//! edge, in hardware and in a simulator (Verilator evaluates it once per cycle, not once per
//! input change).

use crate::keccak_consts::{RHO_OFFSETS, ROUND_CONSTANTS};
use crate::permutation::LANES;
use crate::signals;
use rust_hdl::prelude::*;

/// `rounds` Keccak rounds on the state entering this cycle.
#[derive(LogicBlock)]
pub struct KeccakRounds {
    /// The state register.
    pub state: Vec<Signal<In, Bits<64>>>,
    /// Lanes of a new block.
    pub absorb: Vec<Signal<In, Bits<64>>>,
    /// A new block enters when no permutation runs: the first round takes
    /// `absorb ^ (keep ? state : 0)` and is round 0.
    pub load: Signal<In, Bit>,
    /// XOR the new block into the state (else into zero).
    pub keep: Signal<In, Bit>,
    /// A permutation runs (the state register holds its intermediate state).
    pub running: Signal<In, Bit>,
    /// The round the running permutation is at.
    pub round: Signal<In, Bits<8>>,
    /// The state after this cycle's rounds.
    pub result: Vec<Signal<Out, Bits<64>>>,
    /// The round after this cycle's rounds.
    pub round_next: Signal<Out, Bits<8>>,
    // The state entering the first round of this cycle, then after each round.
    a: Vec<Signal<Local, Bits<64>>>,
    c: Vec<Signal<Local, Bits<64>>>,
    d: Vec<Signal<Local, Bits<64>>>,
    e: Vec<Signal<Local, Bits<64>>>,
    b: Vec<Signal<Local, Bits<64>>>,
    entering: Signal<Local, Bit>,
    round0: Signal<Local, Bits<8>>,
    rcsel: Vec<Signal<Local, Bits<64>>>,
    rc: Vec<Constant<Bits<64>>>,
    rho_l: Vec<Constant<Bits<8>>>,
    rho_r: Vec<Constant<Bits<8>>>,
    /// The round each cycle of a permutation starts at: `s * rounds` for step `s`.
    step_round: Vec<Constant<Bits<8>>>,
    rstep: Constant<Bits<8>>,
    _rounds: usize,
    _steps: usize,
}

impl KeccakRounds {
    /// A datapath of `rounds` rounds; `rounds` must divide 24.
    pub fn new(rounds: usize) -> Self {
        assert!(
            rounds > 0 && 24 % rounds == 0,
            "rounds per clock must divide 24"
        );
        let c8 = |v: u64| Constant::new(Bits::<8>::from(v));
        Self {
            state: signals(LANES),
            absorb: signals(LANES),
            load: Default::default(),
            keep: Default::default(),
            running: Default::default(),
            round: Default::default(),
            result: signals(LANES),
            round_next: Default::default(),
            a: signals(LANES * (rounds + 1)),
            c: signals(5 * rounds),
            d: signals(5 * rounds),
            e: signals(LANES * rounds),
            b: signals(LANES * rounds),
            entering: Default::default(),
            round0: Default::default(),
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
            step_round: (0..24 / rounds).map(|s| c8((s * rounds) as u64)).collect(),
            rstep: c8(rounds as u64),
            _rounds: rounds,
            _steps: 24 / rounds,
        }
    }
}

impl Logic for KeccakRounds {
    #[hdl_gen]
    fn update(&mut self) {
        // Input of this cycle's first round: the loaded block, else the state.
        self.entering.next = self.load.val() && !self.running.val();
        self.round0.next = self.round.val();
        if self.entering.val() {
            self.round0.next = self.step_round[0].val();
        }
        for i in 0..25 {
            self.a[i].next = self.state[i].val();
            if self.entering.val() {
                if self.keep.val() {
                    self.a[i].next = self.state[i].val() ^ self.absorb[i].val();
                } else {
                    self.a[i].next = self.absorb[i].val();
                }
            }
        }
        // Round constants of this cycle's rounds. A permutation starts at round 0 and
        // advances `rounds` per cycle, so `round0` is a multiple of `rounds`: one comparison
        // per step selects all of them.
        for r in 0..self._rounds {
            self.rcsel[r].next = self.rc[r].val();
        }
        // `rr` binds the generation-time constant `rounds` for the index evaluator.
        for rr in self._rounds..(self._rounds + 1) {
            for s in 1..self._steps {
                if self.round0.val() == self.step_round[s].val() {
                    for r in 0..self._rounds {
                        self.rcsel[r].next = self.rc[s * rr + r].val();
                    }
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
        // `rr` binds the generation-time constant `rounds` for the index evaluator.
        for rr in self._rounds..(self._rounds + 1) {
            for i in 0..25 {
                self.result[i].next = self.a[rr * 25 + i].val();
            }
        }
        self.round_next.next = self.round0.val() + self.rstep.val();
    }
}
