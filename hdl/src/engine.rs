//! One Keccak-256 sponge engine: takes a job (length, tag, destination), absorbs its input
//! as 64-byte beats, pads (0x01 ... 0x80, rate 136 bytes) and presents the 32-byte digest
//! until the writer acknowledges it.
//!
//! The engine is three stages, so that its permutation never waits for the host side:
//! - the input side holds one job: its length, tag and destination and a staging buffer of
//!   input lanes. It takes a new job (`start`) as soon as the previous job's last block has
//!   gone into the permutation, so the next job's input is fetched while that block permutes;
//! - the permutation runs one block at a time, and starts the next block (of the same job or
//!   the next one) in the very cycle the previous one ends;
//! - the result register holds one finished job (digest, tag, destination, status) for the
//!   writer. The digest is copied there in the cycle the last permutation ends, so the
//!   permutation is free at once; it waits only when the writer has not yet taken the
//!   previous result.
//!
//! Input is handled at lane (8-byte) granularity: a beat is 8 lanes, a rate block 17. Beats
//! land in a [`BUF_LANES`]-lane staging buffer at position `fill`; a block is absorbed from
//! lanes 0..17 and the rest shift down by 17 (a beat taken in that cycle lands after the
//! shift). The buffer holds two blocks and a beat, so while one block permutes the next is
//! complete and the one after it is arriving: a permutation (12 cycles by default) of slack
//! for the fetcher, which serves every engine through one read port. Invariant: lanes at or
//! above `fill` are zero, and bytes past the job's length are masked to zero as they arrive,
//! so padding is a plain XOR. A beat fits while `fill <= BUF_LANES - 8`; the engine has no
//! ready signal: `room` tells the fetcher how many beats fit from the current fill, and the
//! fetcher never asks for more.

use crate::head_block::HeadBlock;
use crate::permutation::KeccakF1600;
use crate::signals;
use rust_hdl::prelude::*;

/// Lanes in one Keccak-256 rate block (136 bytes).
pub const RATE_LANES: usize = 17;
/// Lanes of the state that hold the 32-byte digest.
pub const DIGEST_LANES: usize = 4;
/// Lanes in one 64-byte DMA beat.
pub const BEAT_LANES: usize = 8;
/// Lanes of the staging buffer: two blocks and a beat, less one lane.
pub const BUF_LANES: usize = 2 * RATE_LANES + BEAT_LANES - 1;
/// Most beats an engine ever reports as `room` (so that one engine's request does not hold
/// the read port long while others wait).
pub const MAX_ROOM: usize = 4;

/// A Keccak-256 sponge engine.
#[derive(LogicBlock)]
pub struct SpongeEngine {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous clear (soft reset): every stage empties, the jobs are dropped.
    pub clear: Signal<In, Bit>,
    /// Take the job on the `job_*` inputs; honoured only when `idle`.
    pub start: Signal<In, Bit>,
    /// Input length in bytes.
    pub job_len: Signal<In, Bits<32>>,
    /// The descriptor's tag.
    pub job_tag: Signal<In, Bits<64>>,
    /// Where the digest goes.
    pub job_dst: Signal<In, Bits<64>>,
    /// Non-zero: the job was rejected; complete it with this status and no digest.
    pub job_status: Signal<In, Bits<8>>,
    /// An input beat is offered. The engine takes it (there is no ready): the fetcher
    /// never offers more beats than `room` said fit.
    pub beat_valid: Signal<In, Bit>,
    /// The offered beat, lane `i` in bits `64 i ..`.
    pub beat_data: Signal<In, Bits<512>>,
    /// Free for a new job: the input side is empty (an earlier job may still be permuting
    /// or waiting for the writer).
    pub idle: Signal<Out, Bit>,
    /// The input side empties this cycle (its job's last block enters the permutation, or
    /// a rejected job goes to the result register): `idle` from the next cycle on.
    pub freeing: Signal<Out, Bit>,
    /// Nothing in flight at all: no input, no permutation, no result waiting.
    pub quiet: Signal<Out, Bit>,
    /// The input side lacks beats for its next block (so the permutation will wait for
    /// them): the fetcher serves such engines first.
    pub hungry: Signal<Out, Bit>,
    /// Beats the engine takes back to back from its current fill (0..=[`MAX_ROOM`]).
    pub room: Signal<Out, Bits<4>>,
    /// The permutation runs this cycle (a block starts, or rounds remain).
    pub permuting: Signal<Out, Bit>,
    /// Rounds remain in the permutation (from registers: it started in an earlier cycle).
    pub perm_busy: Signal<Out, Bit>,
    /// A block enters the permutation this cycle.
    pub perm_start: Signal<Out, Bit>,
    /// A finished job waits for the writer; `digest`, `tag`, `dst` and `status` are valid.
    pub done: Signal<Out, Bit>,
    /// The writer has consumed the finished job.
    pub ack: Signal<In, Bit>,
    /// Keccak-256 digest, byte `i` in bits `8 i ..`.
    pub digest: Signal<Out, Bits<256>>,
    /// The finished job's tag.
    pub tag: Signal<Out, Bits<64>>,
    /// The finished job's destination.
    pub dst: Signal<Out, Bits<64>>,
    /// The finished job's status.
    pub status: Signal<Out, Bits<8>>,
    perm: KeccakF1600,
    head: HeadBlock,
    // Input side.
    in_active: DFF<Bit>,
    buf: Vec<DFF<Bits<64>>>,
    fill: DFF<Bits<8>>,
    bytes_left: DFF<Bits<32>>,
    len: DFF<Bits<32>>,
    block_start: DFF<Bits<32>>,
    first: DFF<Bit>,
    in_tag: DFF<Bits<64>>,
    in_dst: DFF<Bits<64>>,
    in_status: DFF<Bits<8>>,
    // Permutation side: the block in the permutation is its job's last.
    p_final: DFF<Bit>,
    p_tag: DFF<Bits<64>>,
    p_dst: DFF<Bits<64>>,
    // Result register.
    out_valid: DFF<Bit>,
    out_digest: DFF<Bits<256>>,
    out_tag: DFF<Bits<64>>,
    out_dst: DFF<Bits<64>>,
    out_status: DFF<Bits<8>>,
    // Combinational.
    lane_in: Vec<Signal<Local, Bits<64>>>,
    lane_bytes: Vec<Signal<Local, Bits<32>>>,
    out_free: Signal<Local, Bit>,
    take_result: Signal<Local, Bit>,
    perm_free: Signal<Local, Bit>,
    block_ready: Signal<Local, Bit>,
    can_absorb: Signal<Local, Bit>,
    reject_out: Signal<Local, Bit>,
    beat_ready: Signal<Local, Bit>,
    take_beat: Signal<Local, Bit>,
    base: Signal<Local, Bits<8>>,
    n: Vec<Constant<Bits<8>>>,
    b8: Vec<Constant<Bits<32>>>,
    r: Vec<Constant<Bits<4>>>,
    zero: Constant<Bits<64>>,
    zero256: Constant<Bits<256>>,
    st_ok: Constant<Bits<8>>,
    ones: Constant<Bits<64>>,
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
            freeing: Default::default(),
            quiet: Default::default(),
            hungry: Default::default(),
            room: Default::default(),
            permuting: Default::default(),
            perm_start: Default::default(),
            perm_busy: Default::default(),
            done: Default::default(),
            ack: Default::default(),
            digest: Default::default(),
            tag: Default::default(),
            dst: Default::default(),
            status: Default::default(),
            perm: KeccakF1600::new(rounds, DIGEST_LANES),
            head: Default::default(),
            in_active: Default::default(),
            buf: (0..BUF_LANES).map(|_| DFF::default()).collect(),
            fill: Default::default(),
            bytes_left: Default::default(),
            len: Default::default(),
            block_start: Default::default(),
            first: Default::default(),
            in_tag: Default::default(),
            in_dst: Default::default(),
            in_status: Default::default(),
            p_final: Default::default(),
            p_tag: Default::default(),
            p_dst: Default::default(),
            out_valid: Default::default(),
            out_digest: Default::default(),
            out_tag: Default::default(),
            out_dst: Default::default(),
            out_status: Default::default(),
            lane_in: signals(BEAT_LANES),
            lane_bytes: signals(BEAT_LANES),
            out_free: Default::default(),
            take_result: Default::default(),
            perm_free: Default::default(),
            block_ready: Default::default(),
            can_absorb: Default::default(),
            reject_out: Default::default(),
            take_beat: Default::default(),
            base: Default::default(),
            n: (0..=(BUF_LANES - BEAT_LANES) as u64)
                .map(|v| Constant::new(v.into()))
                .collect(),
            b8: (0..=BEAT_LANES as u64)
                .map(|v| Constant::new((8 * v).into()))
                .collect(),
            r: (0..=MAX_ROOM as u64)
                .map(|v| Constant::new(v.into()))
                .collect(),
            zero: Constant::new(0u64.into()),
            zero256: Constant::new(0u64.into()),
            st_ok: Constant::new(0u64.into()),
            ones: Constant::new(u64::MAX.into()),
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
            in_active,
            fill,
            bytes_left,
            len,
            block_start,
            first,
            in_tag,
            in_dst,
            in_status,
            p_final,
            p_tag,
            p_dst,
            out_valid,
            out_digest,
            out_tag,
            out_dst,
            out_status
        );
        for i in 0..41 {
            self.buf[i].clock.next = self.clock.val();
            self.buf[i].d.next = self.buf[i].q.val();
        }
        self.perm.clock.next = self.clock.val();
        self.perm.clear.next = self.clear.val();
        // The head block and the permutation's datapath see registers only (plain
        // connections): the writer's `ack` reaches the permutation through `start` alone.
        for i in 0..17 {
            self.head.lanes[i].next = self.buf[i].q.val();
        }
        self.head.active.next = self.in_active.q.val();
        self.head.status.next = self.in_status.q.val();
        self.head.fill.next = self.fill.q.val();
        self.head.bytes_left.next = self.bytes_left.q.val();
        self.head.len.next = self.len.q.val();
        self.head.block_start.next = self.block_start.q.val();
        self.head.first.next = self.first.q.val();
        self.perm.load.next = self.head.ready.val();
        self.perm.keep.next = self.head.keep.val();
        for i in 0..17 {
            self.perm.absorb[i].next = self.head.absorb[i].val();
        }
        for i in 17..25 {
            self.perm.absorb[i].next = self.zero.val();
        }
        self.perm.start.next = false;
        self.idle.next = !self.in_active.q.val();
        self.quiet.next = !self.in_active.q.val()
            && !self.perm.busy.val()
            && !self.p_final.q.val()
            && !self.out_valid.q.val();
        // From registers alone (not from `ack`), so that the core may steer by it: the last
        // block goes in now, or a rejected job leaves (when the result register is empty and
        // no digest is due; with the writer's `ack` this cycle it may leave a cycle later).
        self.freeing.next = self.in_active.q.val()
            && !self.perm.busy.val()
            && (!self.p_final.q.val() | !self.out_valid.q.val())
            && (((self.in_status.q.val() == self.st_ok.val())
                && ((self.fill.q.val() >= self.n[17].val())
                    | (self.bytes_left.q.val() == self.b8[0].val()))
                && self.head.last.val())
                | ((self.in_status.q.val() != self.st_ok.val())
                    && !self.out_valid.q.val()
                    && !self.p_final.q.val()));
        self.done.next = self.out_valid.q.val();
        self.digest.next = self.out_digest.q.val();
        self.tag.next = self.out_tag.q.val();
        self.dst.next = self.out_dst.q.val();
        self.status.next = self.out_status.q.val();

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

        // The result register takes the finished digest in the cycle the last permutation
        // ends (or later, once the writer has taken the previous result); the permutation
        // is free for the next block in that same cycle.
        self.out_free.next = !self.out_valid.q.val() | self.ack.val();
        self.take_result.next =
            self.p_final.q.val() && !self.perm.busy.val() && self.out_free.val();
        self.perm_free.next =
            !self.perm.busy.val() && (!self.p_final.q.val() | self.take_result.val());
        self.block_ready.next = self.head.ready.val();
        self.can_absorb.next = self.perm_free.val() && self.block_ready.val();
        // A rejected job goes to the result register when no digest takes it this cycle.
        self.reject_out.next = self.in_active.q.val()
            && (self.in_status.q.val() != self.st_ok.val())
            && self.out_free.val()
            && !self.take_result.val();
        self.permuting.next = self.perm.busy.val() | self.can_absorb.val();
        self.perm_busy.next = self.perm.busy.val();
        self.perm_start.next = self.can_absorb.val();

        self.beat_ready.next = self.in_active.q.val()
            && (self.bytes_left.q.val() != self.b8[0].val())
            && (self.fill.q.val() <= self.n[33].val());
        self.take_beat.next = self.beat_ready.val() && self.beat_valid.val();
        self.hungry.next = self.in_active.q.val()
            && (self.bytes_left.q.val() != self.b8[0].val())
            && (self.fill.q.val() < self.n[17].val());
        self.room.next = self.r[0].val();
        if self.fill.q.val() <= self.n[33].val() {
            self.room.next = self.r[1].val();
        }
        if self.fill.q.val() <= self.n[25].val() {
            self.room.next = self.r[2].val();
        }
        if self.fill.q.val() <= self.n[17].val() {
            self.room.next = self.r[3].val();
        }
        if self.fill.q.val() <= self.n[9].val() {
            self.room.next = self.r[4].val();
        }
        // Where a beat taken this cycle lands: after the shift when a block is absorbed.
        self.base.next = self.fill.q.val();
        if self.can_absorb.val() {
            self.base.next = self.n[0].val();
            if self.fill.q.val() > self.n[17].val() {
                self.base.next = self.fill.q.val() - self.n[17].val();
            }
        }

        // Writer handshake first: a new result below overrides it.
        if self.ack.val() {
            self.out_valid.d.next = false;
        }
        if self.take_result.val() {
            self.out_valid.d.next = true;
            // Assembled only in the cycle a result is taken.
            self.out_digest.d.next = bit_cast::<256, 64>(self.perm.state[0].val())
                | (bit_cast::<256, 64>(self.perm.state[1].val()) << 64)
                | (bit_cast::<256, 64>(self.perm.state[2].val()) << 128)
                | (bit_cast::<256, 64>(self.perm.state[3].val()) << 192);
            self.out_tag.d.next = self.p_tag.q.val();
            self.out_dst.d.next = self.p_dst.q.val();
            self.out_status.d.next = self.st_ok.val();
            self.p_final.d.next = false;
        }
        if self.reject_out.val() {
            self.out_valid.d.next = true;
            self.out_digest.d.next = self.zero256.val();
            self.out_tag.d.next = self.in_tag.q.val();
            self.out_dst.d.next = self.in_dst.q.val();
            self.out_status.d.next = self.in_status.q.val();
            self.in_active.d.next = false;
        }

        if self.can_absorb.val() {
            self.perm.start.next = true;
            if self.head.last.val() {
                // The job leaves the input side; its result is due when this block ends.
                self.in_active.d.next = false;
                self.p_final.d.next = true;
                self.p_tag.d.next = self.in_tag.q.val();
                self.p_dst.d.next = self.in_dst.q.val();
            }
            for i in 0..24 {
                self.buf[i].d.next = self.buf[i + 17].q.val();
            }
            for i in 24..41 {
                self.buf[i].d.next = self.zero.val();
            }
            self.fill.d.next = self.base.val();
            self.first.d.next = false;
            self.block_start.d.next = self.block_start.q.val() + self.rate_bytes.val();
        }

        if self.take_beat.val() {
            for p in 0..34 {
                if self.base.val() == self.n[p].val() {
                    for j in 0..8 {
                        self.buf[p + j].d.next = self.lane_in[j].val();
                    }
                }
            }
            self.fill.d.next = self.base.val() + self.n[8].val();
            self.bytes_left.d.next = self.b8[0].val();
            if self.bytes_left.q.val() > self.beat_bytes.val() {
                self.bytes_left.d.next = self.bytes_left.q.val() - self.beat_bytes.val();
            }
        }

        if !self.in_active.q.val() && self.start.val() {
            self.in_active.d.next = true;
            self.len.d.next = self.job_len.val();
            self.in_tag.d.next = self.job_tag.val();
            self.in_dst.d.next = self.job_dst.val();
            self.in_status.d.next = self.job_status.val();
            self.bytes_left.d.next = self.b8[0].val();
            if self.job_status.val() == self.st_ok.val() {
                self.bytes_left.d.next = self.job_len.val();
            }
            self.fill.d.next = self.n[0].val();
            self.block_start.d.next = self.b8[0].val();
            self.first.d.next = true;
            for i in 0..41 {
                self.buf[i].d.next = self.zero.val();
            }
        }
        if self.clear.val() {
            self.in_active.d.next = false;
            self.p_final.d.next = false;
            self.out_valid.d.next = false;
        }
    }
}
