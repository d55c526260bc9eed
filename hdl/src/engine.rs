//! One Keccak-256 sponge engine: takes a job (length, tag, destination), absorbs its input
//! as 64-byte beats, pads (0x01 ... 0x80, rate 136 bytes) and presents the 32-byte digest
//! until the writer acknowledges it.
//!
//! Input is handled at lane (8-byte) granularity: a beat is 8 lanes, a rate block 17. Beats
//! land in a 25-lane staging buffer at position `fill`; a block is absorbed from lanes 0..17
//! and the rest shift down by 17. Invariant: lanes at or above `fill` are zero, and bytes
//! past the job's length are masked to zero as they arrive, so padding is a plain XOR.

use crate::permutation::{KeccakF1600, LANES};
use crate::signals;
use rust_hdl::prelude::*;

/// Lanes in one Keccak-256 rate block (136 bytes).
pub const RATE_LANES: usize = 17;
/// Lanes of the state that hold the 32-byte digest.
pub const DIGEST_LANES: usize = 4;
/// Lanes in one 64-byte DMA beat.
pub const BEAT_LANES: usize = 8;

/// Where an engine is in its job.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum EngineState {
    /// Free for a new job.
    Idle,
    /// Receiving beats and absorbing blocks.
    Run,
    /// The digest (or an error status) waits for the writer.
    Done,
}

/// A Keccak-256 sponge engine.
#[derive(LogicBlock)]
pub struct SpongeEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous clear (soft reset): back to idle, the job is dropped.
    pub clear: Signal<In, Bit>,
    /// Take the job on the `job_*` inputs; honoured only when idle.
    pub start: Signal<In, Bit>,
    /// Input length in bytes.
    pub job_len: Signal<In, Bits<32>>,
    /// The descriptor's tag.
    pub job_tag: Signal<In, Bits<64>>,
    /// Where the digest goes.
    pub job_dst: Signal<In, Bits<64>>,
    /// Non-zero: the job was rejected; complete it with this status and no digest.
    pub job_status: Signal<In, Bits<8>>,
    /// An input beat is offered.
    pub beat_valid: Signal<In, Bit>,
    /// The offered beat, lane `i` in bits `64 i ..`.
    pub beat_data: Signal<In, Bits<512>>,
    /// The engine takes the offered beat this cycle.
    pub beat_ready: Signal<Out, Bit>,
    /// Free for a new job.
    pub idle: Signal<Out, Bit>,
    /// The job is finished; `digest`, `tag`, `dst` and `status` are valid.
    pub done: Signal<Out, Bit>,
    /// The writer has consumed the finished job.
    pub ack: Signal<In, Bit>,
    /// Keccak-256 digest, byte `i` in bits `8 i ..`.
    pub digest: Signal<Out, Bits<256>>,
    /// The job's tag.
    pub tag: Signal<Out, Bits<64>>,
    /// The job's destination.
    pub dst: Signal<Out, Bits<64>>,
    /// The job's status.
    pub status: Signal<Out, Bits<8>>,
    perm: KeccakF1600,
    state: DFF<EngineState>,
    buf: Vec<DFF<Bits<64>>>,
    fill: DFF<Bits<8>>,
    bytes_left: DFF<Bits<32>>,
    len: DFF<Bits<32>>,
    block_start: DFF<Bits<32>>,
    first: DFF<Bit>,
    final_absorbed: DFF<Bit>,
    tag_r: DFF<Bits<64>>,
    dst_r: DFF<Bits<64>>,
    status_r: DFF<Bits<8>>,
    lane_in: Vec<Signal<Local, Bits<64>>>,
    lane_bytes: Vec<Signal<Local, Bits<32>>>,
    can_absorb: Signal<Local, Bit>,
    take_beat: Signal<Local, Bit>,
    is_final: Signal<Local, Bit>,
    pad_pos: Signal<Local, Bits<32>>,
    pad_lane: Signal<Local, Bits<8>>,
    pad_one: Signal<Local, Bits<64>>,
    n: Vec<Constant<Bits<8>>>,
    b8: Vec<Constant<Bits<32>>>,
    zero: Constant<Bits<64>>,
    ones: Constant<Bits<64>>,
    one: Constant<Bits<64>>,
    pad_end: Constant<Bits<64>>,
    rate_bytes: Constant<Bits<32>>,
    beat_bytes: Constant<Bits<32>>,
}

impl SpongeEngine {
    /// An engine whose permutation runs `rounds` rounds per clock.
    pub fn new(rounds: usize) -> Self {
        Self {
            clock: Default::default(),
            clear: Default::default(),
            start: Default::default(),
            job_len: Default::default(),
            job_tag: Default::default(),
            job_dst: Default::default(),
            job_status: Default::default(),
            beat_valid: Default::default(),
            beat_data: Default::default(),
            beat_ready: Default::default(),
            idle: Default::default(),
            done: Default::default(),
            ack: Default::default(),
            digest: Default::default(),
            tag: Default::default(),
            dst: Default::default(),
            status: Default::default(),
            perm: KeccakF1600::new(rounds, DIGEST_LANES),
            state: Default::default(),
            buf: (0..LANES).map(|_| DFF::default()).collect(),
            fill: Default::default(),
            bytes_left: Default::default(),
            len: Default::default(),
            block_start: Default::default(),
            first: Default::default(),
            final_absorbed: Default::default(),
            tag_r: Default::default(),
            dst_r: Default::default(),
            status_r: Default::default(),
            lane_in: signals(BEAT_LANES),
            lane_bytes: signals(BEAT_LANES),
            can_absorb: Default::default(),
            take_beat: Default::default(),
            is_final: Default::default(),
            pad_pos: Default::default(),
            pad_lane: Default::default(),
            pad_one: Default::default(),
            n: (0..=RATE_LANES as u64)
                .map(|v| Constant::new(v.into()))
                .collect(),
            b8: (0..=BEAT_LANES as u64)
                .map(|v| Constant::new((8 * v).into()))
                .collect(),
            zero: Constant::new(0u64.into()),
            ones: Constant::new(u64::MAX.into()),
            one: Constant::new(1u64.into()),
            pad_end: Constant::new((0x80u64 << 56).into()),
            rate_bytes: Constant::new((8 * RATE_LANES as u64).into()),
            beat_bytes: Constant::new((8 * BEAT_LANES as u64).into()),
        }
    }
}

impl Logic for SpongeEngine {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            fill,
            bytes_left,
            len,
            block_start,
            first,
            final_absorbed,
            tag_r,
            dst_r,
            status_r
        );
        for i in 0..25 {
            self.buf[i].clock.next = self.clock.val();
            self.buf[i].d.next = self.buf[i].q.val();
        }
        self.perm.clock.next = self.clock.val();
        self.perm.clear.next = self.clear.val();
        self.perm.start.next = false;
        self.perm.keep.next = !self.first.q.val();
        for i in 0..25 {
            self.perm.absorb[i].next = self.zero.val();
        }
        self.idle.next = self.state.q.val() == EngineState::Idle;
        self.done.next = self.state.q.val() == EngineState::Done;
        self.tag.next = self.tag_r.q.val();
        self.dst.next = self.dst_r.q.val();
        self.status.next = self.status_r.q.val();
        self.digest.next = bit_cast::<256, 64>(self.perm.state[0].val())
            | (bit_cast::<256, 64>(self.perm.state[1].val()) << 64)
            | (bit_cast::<256, 64>(self.perm.state[2].val()) << 128)
            | (bit_cast::<256, 64>(self.perm.state[3].val()) << 192);

        // Incoming lanes, bytes past the job's length masked to zero.
        for j in 0..8 {
            self.lane_bytes[j].next = self.bytes_left.q.val() - self.b8[j].val();
            self.lane_in[j].next = self.zero.val();
            if self.bytes_left.q.val() >= self.b8[j + 1].val() {
                self.lane_in[j].next = self.beat_data.val().get_bits::<64>(64 * j);
            } else if self.bytes_left.q.val() > self.b8[j].val() {
                self.lane_in[j].next = self.beat_data.val().get_bits::<64>(64 * j)
                    & !(self.ones.val() << (self.lane_bytes[j].val() << 3));
            }
        }

        // The block being absorbed is the last one when the length ends inside it.
        self.pad_pos.next = self.len.q.val() - self.block_start.q.val();
        self.is_final.next = self.pad_pos.val() < self.rate_bytes.val();
        self.pad_lane.next = bit_cast::<8, 32>(self.pad_pos.val() >> 3);
        self.pad_one.next = self.one.val() << ((self.pad_pos.val() & 7) << 3);
        self.can_absorb.next = (self.state.q.val() == EngineState::Run)
            && !self.final_absorbed.q.val()
            && !self.perm.busy.val()
            && ((self.fill.q.val() >= self.n[17].val())
                | (self.bytes_left.q.val() == self.b8[0].val()));
        self.beat_ready.next = (self.state.q.val() == EngineState::Run)
            && (self.bytes_left.q.val() != self.b8[0].val())
            && (self.fill.q.val() <= self.n[17].val())
            && !self.can_absorb.val();
        self.take_beat.next = self.beat_ready.val() && self.beat_valid.val();

        if self.take_beat.val() {
            for p in 0..18 {
                if self.fill.q.val() == self.n[p].val() {
                    for j in 0..8 {
                        self.buf[p + j].d.next = self.lane_in[j].val();
                    }
                }
            }
            self.fill.d.next = self.fill.q.val() + self.n[8].val();
            self.bytes_left.d.next = self.b8[0].val();
            if self.bytes_left.q.val() > self.beat_bytes.val() {
                self.bytes_left.d.next = self.bytes_left.q.val() - self.beat_bytes.val();
            }
        }

        if self.can_absorb.val() {
            self.perm.start.next = true;
            for i in 0..17 {
                self.perm.absorb[i].next = self.buf[i].q.val();
                if self.is_final.val() && (self.pad_lane.val() == self.n[i].val()) {
                    self.perm.absorb[i].next = self.buf[i].q.val() ^ self.pad_one.val();
                }
            }
            if self.is_final.val() {
                if self.pad_lane.val() == self.n[16].val() {
                    self.perm.absorb[16].next =
                        self.buf[16].q.val() ^ self.pad_one.val() ^ self.pad_end.val();
                } else {
                    self.perm.absorb[16].next = self.buf[16].q.val() ^ self.pad_end.val();
                }
                self.final_absorbed.d.next = true;
            }
            for i in 0..8 {
                self.buf[i].d.next = self.buf[i + 17].q.val();
            }
            for i in 8..25 {
                self.buf[i].d.next = self.zero.val();
            }
            self.fill.d.next = self.n[0].val();
            if self.fill.q.val() > self.n[17].val() {
                self.fill.d.next = self.fill.q.val() - self.n[17].val();
            }
            self.first.d.next = false;
            self.block_start.d.next = self.block_start.q.val() + self.rate_bytes.val();
        }

        if (self.state.q.val() == EngineState::Run)
            && self.final_absorbed.q.val()
            && !self.perm.busy.val()
        {
            self.state.d.next = EngineState::Done;
        }
        if (self.state.q.val() == EngineState::Done) && self.ack.val() {
            self.state.d.next = EngineState::Idle;
        }
        if (self.state.q.val() == EngineState::Idle) && self.start.val() {
            self.len.d.next = self.job_len.val();
            self.tag_r.d.next = self.job_tag.val();
            self.dst_r.d.next = self.job_dst.val();
            self.status_r.d.next = self.job_status.val();
            self.bytes_left.d.next = self.job_len.val();
            self.fill.d.next = self.n[0].val();
            self.block_start.d.next = self.b8[0].val();
            self.first.d.next = true;
            self.final_absorbed.d.next = false;
            for i in 0..25 {
                self.buf[i].d.next = self.zero.val();
            }
            if self.job_status.val() == self.n[0].val() {
                self.state.d.next = EngineState::Run;
            } else {
                self.state.d.next = EngineState::Done;
            }
        }
        if self.clear.val() {
            self.state.d.next = EngineState::Idle;
        }
    }
}
