//! A lone permutation with flat ports, the top level of its own test model: the whole state
//! as one 1600-bit word (lane `i` in bits `64 i ..`), so a test can load any state and read
//! it after every clock.

use crate::permutation::{KeccakF1600, LANES};
use rust_hdl::prelude::*;

/// The permutation's test top level.
#[derive(LogicBlock)]
pub struct PermutationTop {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Stops a permutation in flight.
    pub clear: Signal<In, Bit>,
    /// Starts a permutation of `absorb ^ (keep ? state : 0)`.
    pub start: Signal<In, Bit>,
    /// Keep the current state (XOR `absorb` into it).
    pub keep: Signal<In, Bit>,
    /// The lanes to absorb.
    pub absorb: Signal<In, Bits<1600>>,
    /// Rounds remain.
    pub busy: Signal<Out, Bit>,
    /// The state register.
    pub state: Signal<Out, Bits<1600>>,
    perm: KeccakF1600,
    lane_shift: Vec<Constant<Bits<16>>>,
}

impl PermutationTop {
    /// A permutation of `rounds` rounds per clock.
    pub fn new(rounds: usize) -> Self {
        Self {
            clock: Default::default(),
            clear: Default::default(),
            start: Default::default(),
            keep: Default::default(),
            absorb: Default::default(),
            busy: Default::default(),
            state: Default::default(),
            perm: KeccakF1600::new(rounds, LANES),
            lane_shift: (0..LANES as u64)
                .map(|i| Constant::new((64 * i).into()))
                .collect(),
        }
    }

    /// Connects the inputs, for Verilog generation as `top`.
    pub fn connect_top(&mut self) {
        self.clock.connect();
        self.clear.connect();
        self.start.connect();
        self.keep.connect();
        self.absorb.connect();
        self.connect_all();
    }
}

impl Logic for PermutationTop {
    #[hdl_gen]
    fn update(&mut self) {
        self.perm.clock.next = self.clock.val();
        self.perm.clear.next = self.clear.val();
        self.perm.load.next = self.start.val();
        self.perm.start.next = self.start.val();
        self.perm.keep.next = self.keep.val();
        self.busy.next = self.perm.busy.val();
        // `bit_cast` is evaluated outside loops by `#[hdl_gen]`, so the lanes are listed.
        self.state.next = (bit_cast::<1600, 64>(self.perm.state[0].val())
            << self.lane_shift[0].val())
            | (bit_cast::<1600, 64>(self.perm.state[1].val()) << self.lane_shift[1].val())
            | (bit_cast::<1600, 64>(self.perm.state[2].val()) << self.lane_shift[2].val())
            | (bit_cast::<1600, 64>(self.perm.state[3].val()) << self.lane_shift[3].val())
            | (bit_cast::<1600, 64>(self.perm.state[4].val()) << self.lane_shift[4].val())
            | (bit_cast::<1600, 64>(self.perm.state[5].val()) << self.lane_shift[5].val())
            | (bit_cast::<1600, 64>(self.perm.state[6].val()) << self.lane_shift[6].val())
            | (bit_cast::<1600, 64>(self.perm.state[7].val()) << self.lane_shift[7].val())
            | (bit_cast::<1600, 64>(self.perm.state[8].val()) << self.lane_shift[8].val())
            | (bit_cast::<1600, 64>(self.perm.state[9].val()) << self.lane_shift[9].val())
            | (bit_cast::<1600, 64>(self.perm.state[10].val()) << self.lane_shift[10].val())
            | (bit_cast::<1600, 64>(self.perm.state[11].val()) << self.lane_shift[11].val())
            | (bit_cast::<1600, 64>(self.perm.state[12].val()) << self.lane_shift[12].val())
            | (bit_cast::<1600, 64>(self.perm.state[13].val()) << self.lane_shift[13].val())
            | (bit_cast::<1600, 64>(self.perm.state[14].val()) << self.lane_shift[14].val())
            | (bit_cast::<1600, 64>(self.perm.state[15].val()) << self.lane_shift[15].val())
            | (bit_cast::<1600, 64>(self.perm.state[16].val()) << self.lane_shift[16].val())
            | (bit_cast::<1600, 64>(self.perm.state[17].val()) << self.lane_shift[17].val())
            | (bit_cast::<1600, 64>(self.perm.state[18].val()) << self.lane_shift[18].val())
            | (bit_cast::<1600, 64>(self.perm.state[19].val()) << self.lane_shift[19].val())
            | (bit_cast::<1600, 64>(self.perm.state[20].val()) << self.lane_shift[20].val())
            | (bit_cast::<1600, 64>(self.perm.state[21].val()) << self.lane_shift[21].val())
            | (bit_cast::<1600, 64>(self.perm.state[22].val()) << self.lane_shift[22].val())
            | (bit_cast::<1600, 64>(self.perm.state[23].val()) << self.lane_shift[23].val())
            | (bit_cast::<1600, 64>(self.perm.state[24].val()) << self.lane_shift[24].val());
        for i in 0..25 {
            self.perm.absorb[i].next = self.absorb.val().get_bits::<64>(64 * i);
        }
    }
}

/// Lanes in the state (for users of the flat ports).
pub const STATE_LANES: usize = LANES;
