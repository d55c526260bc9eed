//! The fpevm core: register block, descriptor fetcher, `E` Keccak-256 engines, one 256-bit
//! EVM ALU and the completion writer, behind one DMA read port and one DMA write port
//! (64-byte beats).
//!
//! Jobs: the fetcher reads a descriptor when a unit of either kind (an engine or the ALU) is
//! free, checks it in the order of `layout::check_descriptor` (with one ALU), and hands it
//! to a unit by opcode: ALU opcodes (also when rejected) to the ALU, every other opcode to
//! the lowest free engine. It waits in `Dispatch` until that unit is free; every unit
//! already started has all its input, so it finishes and frees itself, and neither kind can
//! starve the other forever. The writer serves finished units, engines first, the ALU as
//! unit number `E`.
//!
//! Ports (all synchronous to `clock`; the register and DMA conventions are in `layout`):
//! - register port: `reg_wr` writes `reg_wdata` at `reg_addr`; `reg_rdata` always shows the
//!   register at `reg_addr`.
//! - DMA read: a request (`rd_req_*`, valid/ready) asks for `rd_req_beats` consecutive beats
//!   at `rd_req_addr`; the beats come back in order on `rd_resp_*` (valid/ready).
//! - DMA write: one beat per handshake on `wr_*`; `wr_strb` bit `i` enables byte `i`.
//! - DMA errors: `rd_resp_error` marks a read beat that failed (it comes with the beat);
//!   `wr_error` marks a write that failed, in the cycle of its handshake or any later cycle.
//!   Either sets the sticky `STATUS_BIT_DMA_ERROR`, after which no descriptor is fetched and
//!   no completion is written until a soft reset. A failed result write is never followed by
//!   its completion.
//!
//! Invariants enforced here: every DMA address the core drives lies in `[WIN_BASE,
//! WIN_LIMIT)` (descriptors are checked before any input is read; ring slots before they are
//! touched), and a completion is written only while the completion ring has room.

use crate::alu::sequencer::Alu;
use crate::engine::SpongeEngine;
use crate::layout::*;
use rust_hdl::prelude::*;

/// Where the descriptor fetcher is.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum FetchState {
    /// Waiting for a descriptor and a free unit.
    Idle,
    /// Waiting for the descriptor's beat.
    DescWait,
    /// Checking the descriptor and handing it to its unit once that is free.
    Dispatch,
    /// Asking for the job's input.
    DataReq,
    /// Forwarding the job's input beats to its unit.
    Data,
}

/// Where the completion writer is.
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum WriteState {
    /// Waiting for a finished unit.
    Idle,
    /// Writing the digest or ALU result at `dst`.
    Result,
    /// Writing the completion entry.
    Completion,
}

/// The core with `engines` engines of `rounds` rounds per clock and one ALU.
#[derive(LogicBlock)]
pub struct FpevmCore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Register write strobe.
    pub reg_wr: Signal<In, Bit>,
    /// Register byte offset.
    pub reg_addr: Signal<In, Bits<8>>,
    /// Register write data.
    pub reg_wdata: Signal<In, Bits<32>>,
    /// Register read data (of `reg_addr`).
    pub reg_rdata: Signal<Out, Bits<32>>,
    /// DMA read request valid.
    pub rd_req_valid: Signal<Out, Bit>,
    /// DMA read request accepted.
    pub rd_req_ready: Signal<In, Bit>,
    /// DMA read request address (64-byte aligned).
    pub rd_req_addr: Signal<Out, Bits<64>>,
    /// DMA read request length in beats.
    pub rd_req_beats: Signal<Out, Bits<32>>,
    /// DMA read data beat valid.
    pub rd_resp_valid: Signal<In, Bit>,
    /// DMA read data beat taken.
    pub rd_resp_ready: Signal<Out, Bit>,
    /// DMA read data beat.
    pub rd_resp_data: Signal<In, Bits<512>>,
    /// The DMA read data beat failed (its data is not used).
    pub rd_resp_error: Signal<In, Bit>,
    /// DMA write valid.
    pub wr_valid: Signal<Out, Bit>,
    /// DMA write accepted.
    pub wr_ready: Signal<In, Bit>,
    /// DMA write address (64-byte aligned).
    pub wr_addr: Signal<Out, Bits<64>>,
    /// DMA write data beat.
    pub wr_data: Signal<Out, Bits<512>>,
    /// DMA write byte enables.
    pub wr_strb: Signal<Out, Bits<64>>,
    /// A DMA write failed.
    pub wr_error: Signal<In, Bit>,
    engine: Vec<SpongeEngine>,
    alu: Alu,
    // Registers.
    enable: DFF<Bit>,
    resetting: DFF<Bit>,
    config_error: DFF<Bit>,
    dma_error: DFF<Bit>,
    sq_base: DFF<Bits<64>>,
    cq_base: DFF<Bits<64>>,
    ring_size: DFF<Bits<32>>,
    sq_head: DFF<Bits<32>>,
    sq_tail: DFF<Bits<32>>,
    cq_head: DFF<Bits<32>>,
    cq_tail: DFF<Bits<32>>,
    win_base: DFF<Bits<64>>,
    win_limit: DFF<Bits<64>>,
    cycles: DFF<Bits<64>>,
    busy_cycles: DFF<Bits<64>>,
    jobs: DFF<Bits<64>>,
    rd_pending: DFF<Bits<32>>,
    rd_added: Signal<Local, Bits<32>>,
    // Fetcher.
    fstate: DFF<FetchState>,
    d_tag: DFF<Bits<64>>,
    d_src: DFF<Bits<64>>,
    d_dst: DFF<Bits<64>>,
    d_len: DFF<Bits<32>>,
    d_op: DFF<Bits<8>>,
    d_alu: DFF<Bit>,
    fsel: DFF<Bits<4>>,
    beats_left: DFF<Bits<32>>,
    // Writer.
    wstate: DFF<WriteState>,
    wsel: DFF<Bits<4>>,
    // Combinational.
    free_sel: Signal<Local, Bits<4>>,
    any_free: Signal<Local, Bit>,
    done_sel: Signal<Local, Bits<4>>,
    any_done: Signal<Local, Bit>,
    all_idle: Signal<Local, Bit>,
    busy: Signal<Local, Bit>,
    status_code: Signal<Local, Bits<8>>,
    read_bytes: Signal<Local, Bits<64>>,
    sq_index: Signal<Local, Bits<32>>,
    cq_index: Signal<Local, Bits<32>>,
    sq_slot: Signal<Local, Bits<64>>,
    cq_slot: Signal<Local, Bits<64>>,
    sq_slot_ok: Signal<Local, Bit>,
    cq_slot_ok: Signal<Local, Bit>,
    cq_room: Signal<Local, Bit>,
    phase: Signal<Local, Bit>,
    w_digest: Signal<Local, Bits<256>>,
    w_tag: Signal<Local, Bits<64>>,
    w_dst: Signal<Local, Bits<64>>,
    w_status: Signal<Local, Bits<8>>,
    rd_take: Signal<Local, Bit>,
    fetch_next: Signal<Local, Bit>,
    ring_ok: Signal<Local, Bit>,
    job_beats: Signal<Local, Bits<32>>,
    new_op: Signal<Local, Bits<8>>,
    new_op_alu: Signal<Local, Bit>,
    alu_len: Signal<Local, Bits<32>>,
    unit_taken: Signal<Local, Bit>,
    // Constants.
    eidx: Vec<Constant<Bits<4>>>,
    k_alu_sel: Constant<Bits<4>>,
    k_alus: Constant<Bits<32>>,
    k_a_alus: Constant<Bits<8>>,
    k_op_mul: Constant<Bits<8>>,
    k_op_div: Constant<Bits<8>>,
    k_op_sdiv: Constant<Bits<8>>,
    k_op_mod: Constant<Bits<8>>,
    k_op_smod: Constant<Bits<8>>,
    k_op_addmod: Constant<Bits<8>>,
    k_op_mulmod: Constant<Bits<8>>,
    k_op_exp: Constant<Bits<8>>,
    k_st_length: Constant<Bits<8>>,
    k_len_two: Constant<Bits<32>>,
    k_len_three: Constant<Bits<32>>,
    k_id: Constant<Bits<32>>,
    k_version: Constant<Bits<32>>,
    k_engines: Constant<Bits<32>>,
    k_rounds: Constant<Bits<32>>,
    k_a_id: Constant<Bits<8>>,
    k_a_version: Constant<Bits<8>>,
    k_a_status: Constant<Bits<8>>,
    k_a_control: Constant<Bits<8>>,
    k_a_sq_base_lo: Constant<Bits<8>>,
    k_a_sq_base_hi: Constant<Bits<8>>,
    k_a_ring_size: Constant<Bits<8>>,
    k_a_sq_head: Constant<Bits<8>>,
    k_a_sq_tail: Constant<Bits<8>>,
    k_a_cq_base_lo: Constant<Bits<8>>,
    k_a_cq_base_hi: Constant<Bits<8>>,
    k_a_cq_head: Constant<Bits<8>>,
    k_a_cq_tail: Constant<Bits<8>>,
    k_a_win_base_lo: Constant<Bits<8>>,
    k_a_win_base_hi: Constant<Bits<8>>,
    k_a_win_limit_lo: Constant<Bits<8>>,
    k_a_win_limit_hi: Constant<Bits<8>>,
    k_a_cycles_lo: Constant<Bits<8>>,
    k_a_cycles_hi: Constant<Bits<8>>,
    k_a_busy_lo: Constant<Bits<8>>,
    k_a_busy_hi: Constant<Bits<8>>,
    k_a_jobs_lo: Constant<Bits<8>>,
    k_a_jobs_hi: Constant<Bits<8>>,
    k_a_engines: Constant<Bits<8>>,
    k_a_rounds: Constant<Bits<8>>,
    k_op_keccak: Constant<Bits<8>>,
    k_st_ok: Constant<Bits<8>>,
    k_st_window: Constant<Bits<8>>,
    k_st_misaligned: Constant<Bits<8>>,
    k_st_opcode: Constant<Bits<8>>,
    k_max_len: Constant<Bits<32>>,
    k_max_ring: Constant<Bits<32>>,
    k_lo_mask: Constant<Bits<64>>,
    k_hi_mask: Constant<Bits<64>>,
    k_zero32: Constant<Bits<32>>,
    k_zero64: Constant<Bits<64>>,
    k_one32: Constant<Bits<32>>,
    k_entry: Constant<Bits<64>>,
    k_result: Constant<Bits<64>>,
    k_strb_all: Constant<Bits<64>>,
    k_strb_lo: Constant<Bits<64>>,
    k_strb_hi: Constant<Bits<64>>,
    _engines: usize,
}

impl FpevmCore {
    /// A core with `engines` (1..=15) engines whose permutations run `rounds` rounds per
    /// clock (a divisor of 24).
    pub fn new(engines: usize, rounds: usize) -> Self {
        assert!((1..=15).contains(&engines), "1..=15 engines");
        let c8 = |v: u32| Constant::new(u64::from(v).into());
        let c32 = |v: u32| Constant::new(u64::from(v).into());
        let c64 = |v: u64| Constant::new(v.into());
        Self {
            clock: Default::default(),
            reg_wr: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_rdata: Default::default(),
            rd_req_valid: Default::default(),
            rd_req_ready: Default::default(),
            rd_req_addr: Default::default(),
            rd_req_beats: Default::default(),
            rd_resp_valid: Default::default(),
            rd_resp_ready: Default::default(),
            rd_resp_data: Default::default(),
            rd_resp_error: Default::default(),
            wr_valid: Default::default(),
            wr_ready: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            wr_strb: Default::default(),
            wr_error: Default::default(),
            engine: (0..engines).map(|_| SpongeEngine::new(rounds)).collect(),
            alu: Alu::new(),
            enable: Default::default(),
            resetting: Default::default(),
            config_error: Default::default(),
            dma_error: Default::default(),
            sq_base: Default::default(),
            cq_base: Default::default(),
            ring_size: Default::default(),
            sq_head: Default::default(),
            sq_tail: Default::default(),
            cq_head: Default::default(),
            cq_tail: Default::default(),
            win_base: Default::default(),
            win_limit: Default::default(),
            cycles: Default::default(),
            busy_cycles: Default::default(),
            jobs: Default::default(),
            rd_pending: Default::default(),
            rd_added: Default::default(),
            fstate: Default::default(),
            d_tag: Default::default(),
            d_src: Default::default(),
            d_dst: Default::default(),
            d_len: Default::default(),
            d_op: Default::default(),
            d_alu: Default::default(),
            fsel: Default::default(),
            beats_left: Default::default(),
            wstate: Default::default(),
            wsel: Default::default(),
            free_sel: Default::default(),
            any_free: Default::default(),
            done_sel: Default::default(),
            any_done: Default::default(),
            all_idle: Default::default(),
            busy: Default::default(),
            status_code: Default::default(),
            read_bytes: Default::default(),
            sq_index: Default::default(),
            cq_index: Default::default(),
            sq_slot: Default::default(),
            cq_slot: Default::default(),
            sq_slot_ok: Default::default(),
            cq_slot_ok: Default::default(),
            cq_room: Default::default(),
            phase: Default::default(),
            w_digest: Default::default(),
            w_tag: Default::default(),
            w_dst: Default::default(),
            w_status: Default::default(),
            rd_take: Default::default(),
            fetch_next: Default::default(),
            ring_ok: Default::default(),
            job_beats: Default::default(),
            new_op: Default::default(),
            new_op_alu: Default::default(),
            alu_len: Default::default(),
            unit_taken: Default::default(),
            eidx: (0..engines as u64)
                .map(|v| Constant::new(v.into()))
                .collect(),
            k_alu_sel: Constant::new((engines as u64).into()),
            k_alus: c32(1),
            k_a_alus: c8(REG_ALUS),
            k_op_mul: c8(u32::from(OP_MUL)),
            k_op_div: c8(u32::from(OP_DIV)),
            k_op_sdiv: c8(u32::from(OP_SDIV)),
            k_op_mod: c8(u32::from(OP_MOD)),
            k_op_smod: c8(u32::from(OP_SMOD)),
            k_op_addmod: c8(u32::from(OP_ADDMOD)),
            k_op_mulmod: c8(u32::from(OP_MULMOD)),
            k_op_exp: c8(u32::from(OP_EXP)),
            k_st_length: c8(u32::from(STATUS_BAD_LENGTH)),
            k_len_two: c32(2 * WORD_BYTES as u32),
            k_len_three: c32(3 * WORD_BYTES as u32),
            k_id: c32(ID_VALUE),
            k_version: c32(VERSION_VALUE),
            k_engines: c32(engines as u32),
            k_rounds: c32(rounds as u32),
            k_a_id: c8(REG_ID),
            k_a_version: c8(REG_VERSION),
            k_a_status: c8(REG_STATUS),
            k_a_control: c8(REG_CONTROL),
            k_a_sq_base_lo: c8(REG_SQ_BASE_LO),
            k_a_sq_base_hi: c8(REG_SQ_BASE_HI),
            k_a_ring_size: c8(REG_RING_SIZE),
            k_a_sq_head: c8(REG_SQ_HEAD),
            k_a_sq_tail: c8(REG_SQ_TAIL),
            k_a_cq_base_lo: c8(REG_CQ_BASE_LO),
            k_a_cq_base_hi: c8(REG_CQ_BASE_HI),
            k_a_cq_head: c8(REG_CQ_HEAD),
            k_a_cq_tail: c8(REG_CQ_TAIL),
            k_a_win_base_lo: c8(REG_WIN_BASE_LO),
            k_a_win_base_hi: c8(REG_WIN_BASE_HI),
            k_a_win_limit_lo: c8(REG_WIN_LIMIT_LO),
            k_a_win_limit_hi: c8(REG_WIN_LIMIT_HI),
            k_a_cycles_lo: c8(REG_CYCLES_LO),
            k_a_cycles_hi: c8(REG_CYCLES_HI),
            k_a_busy_lo: c8(REG_BUSY_LO),
            k_a_busy_hi: c8(REG_BUSY_HI),
            k_a_jobs_lo: c8(REG_JOBS_LO),
            k_a_jobs_hi: c8(REG_JOBS_HI),
            k_a_engines: c8(REG_ENGINES),
            k_a_rounds: c8(REG_ROUNDS),
            k_op_keccak: c8(u32::from(OP_KECCAK256)),
            k_st_ok: c8(u32::from(STATUS_OK)),
            k_st_window: c8(u32::from(STATUS_OUT_OF_WINDOW)),
            k_st_misaligned: c8(u32::from(STATUS_MISALIGNED)),
            k_st_opcode: c8(u32::from(STATUS_BAD_OPCODE)),
            k_max_len: c32(MAX_SRC_LEN),
            k_max_ring: c32(MAX_RING_SIZE),
            k_lo_mask: c64(0xFFFF_FFFF),
            k_hi_mask: c64(0xFFFF_FFFF_0000_0000),
            k_zero32: c32(0),
            k_zero64: c64(0),
            k_one32: c32(1),
            k_entry: c64(ENTRY_BYTES as u64),
            k_result: c64(RESULT_BYTES as u64),
            k_strb_all: c64(u64::MAX),
            k_strb_lo: c64(0xFFFF_FFFF),
            k_strb_hi: c64(0xFFFF_FFFF_0000_0000),
            _engines: engines,
        }
    }

    /// Connects the top-level inputs, for Verilog generation of the core as `top`.
    pub fn connect_top(&mut self) {
        self.clock.connect();
        self.reg_wr.connect();
        self.reg_addr.connect();
        self.reg_wdata.connect();
        self.rd_req_ready.connect();
        self.rd_resp_valid.connect();
        self.rd_resp_data.connect();
        self.rd_resp_error.connect();
        self.wr_ready.connect();
        self.wr_error.connect();
        self.connect_all();
    }
}

impl Logic for FpevmCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            enable,
            resetting,
            config_error,
            dma_error,
            sq_base,
            cq_base,
            ring_size,
            sq_head,
            sq_tail,
            cq_head,
            cq_tail,
            win_base,
            win_limit,
            cycles,
            busy_cycles,
            jobs,
            rd_pending,
            fstate,
            d_tag,
            d_src,
            d_dst,
            d_len,
            d_op,
            d_alu,
            fsel,
            beats_left,
            wstate,
            wsel
        );

        // Descriptor check, in the order of `layout::check_descriptor`.
        self.read_bytes.next = ((bit_cast::<64, 32>(self.d_len.q.val()) + 63) >> 6) << 6;
        self.status_code.next = self.k_st_ok.val();
        if (self.d_src.q.val() < self.win_base.q.val())
            | (self.d_src.q.val() > self.win_limit.q.val())
            | (self.read_bytes.val() > (self.win_limit.q.val() - self.d_src.q.val()))
            | (self.d_dst.q.val() < self.win_base.q.val())
            | (self.d_dst.q.val() > self.win_limit.q.val())
            | (self.k_result.val() > (self.win_limit.q.val() - self.d_dst.q.val()))
            | (self.d_len.q.val() >= self.k_max_len.val())
        {
            self.status_code.next = self.k_st_window.val();
        }
        if ((self.d_src.q.val() & 63) != self.k_zero64.val())
            | ((self.d_dst.q.val() & 31) != self.k_zero64.val())
        {
            self.status_code.next = self.k_st_misaligned.val();
        }
        self.alu_len.next = self.k_len_two.val();
        if (self.d_op.q.val() == self.k_op_addmod.val())
            | (self.d_op.q.val() == self.k_op_mulmod.val())
        {
            self.alu_len.next = self.k_len_three.val();
        }
        if self.d_alu.q.val() && (self.d_len.q.val() != self.alu_len.val()) {
            self.status_code.next = self.k_st_length.val();
        }
        if (self.d_op.q.val() != self.k_op_keccak.val()) && !self.d_alu.q.val() {
            self.status_code.next = self.k_st_opcode.val();
        }

        // Engine selection: the lowest free engine and the lowest finished one.
        self.free_sel.next = self.eidx[0].val();
        self.any_free.next = false;
        self.done_sel.next = self.eidx[0].val();
        self.any_done.next = false;
        self.all_idle.next = true;
        for e in 0..self._engines {
            self.engine[e].clock.next = self.clock.val();
            self.engine[e].clear.next = self.resetting.q.val();
            self.engine[e].start.next = false;
            self.engine[e].job_len.next = self.d_len.q.val();
            self.engine[e].job_tag.next = self.d_tag.q.val();
            self.engine[e].job_dst.next = self.d_dst.q.val();
            self.engine[e].job_status.next = self.status_code.val();
            self.engine[e].beat_valid.next = false;
            self.engine[e].beat_data.next = self.rd_resp_data.val();
            self.engine[e].ack.next = false;
            if !self.engine[e].idle.val() {
                self.all_idle.next = false;
            }
        }
        self.alu.clock.next = self.clock.val();
        self.alu.clear.next = self.resetting.q.val();
        self.alu.start.next = false;
        self.alu.job_op.next = self.d_op.q.val();
        self.alu.job_tag.next = self.d_tag.q.val();
        self.alu.job_dst.next = self.d_dst.q.val();
        self.alu.job_status.next = self.status_code.val();
        self.alu.beat_valid.next = false;
        self.alu.beat_data.next = self.rd_resp_data.val();
        self.alu.ack.next = false;
        if !self.alu.idle.val() {
            self.all_idle.next = false;
        }
        for e in 0..self._engines {
            // The first hit wins: the lowest index.
            if self.engine[e].idle.val() && !self.any_free.val() {
                self.free_sel.next = self.eidx[e].val();
                self.any_free.next = true;
            }
            if self.engine[e].done.val()
                && !self.any_done.val()
                && ((self.wstate.q.val() == WriteState::Idle)
                    | (self.wsel.q.val() != self.eidx[e].val()))
            {
                self.done_sel.next = self.eidx[e].val();
                self.any_done.next = true;
            }
        }
        if self.alu.done.val()
            && !self.any_done.val()
            && ((self.wstate.q.val() == WriteState::Idle)
                | (self.wsel.q.val() != self.k_alu_sel.val()))
        {
            self.done_sel.next = self.k_alu_sel.val();
            self.any_done.next = true;
        }

        // Ring slots and their window checks.
        self.sq_index.next = self.sq_tail.q.val() & (self.ring_size.q.val() - 1);
        self.cq_index.next = self.cq_tail.q.val() & (self.ring_size.q.val() - 1);
        self.sq_slot.next = self.sq_base.q.val() + (bit_cast::<64, 32>(self.sq_index.val()) << 6);
        self.cq_slot.next = self.cq_base.q.val() + (bit_cast::<64, 32>(self.cq_index.val()) << 6);
        self.sq_slot_ok.next = (self.sq_slot.val() >= self.win_base.q.val())
            && (self.sq_slot.val() < self.win_limit.q.val())
            && (self.k_entry.val() <= (self.win_limit.q.val() - self.sq_slot.val()));
        self.cq_slot_ok.next = (self.cq_slot.val() >= self.win_base.q.val())
            && (self.cq_slot.val() < self.win_limit.q.val())
            && (self.k_entry.val() <= (self.win_limit.q.val() - self.cq_slot.val()));
        self.cq_room.next = (self.cq_tail.q.val() - self.cq_head.q.val()) != self.ring_size.q.val();
        self.phase.next = (self.cq_tail.q.val() & self.ring_size.q.val()) == self.k_zero32.val();

        // The ring configuration is usable: a power-of-two size up to the maximum and
        // 64-byte aligned bases.
        self.ring_ok.next = (self.ring_size.q.val() != self.k_zero32.val())
            && (self.ring_size.q.val() <= self.k_max_ring.val())
            && ((self.ring_size.q.val() & (self.ring_size.q.val() - 1)) == self.k_zero32.val())
            && ((self.sq_base.q.val() & 63) == self.k_zero64.val())
            && ((self.cq_base.q.val() & 63) == self.k_zero64.val());
        // A descriptor can be fetched now: pending, nothing stopped. It is fetched even while
        // every unit is busy, and waits in Dispatch: the unit that frees first starts on it
        // the next cycle. A ring slot outside the window (or a bad ring) stops fetching with
        // CONFIG_ERROR.
        self.fetch_next.next = false;
        if self.enable.q.val()
            && !self.config_error.q.val()
            && !self.dma_error.q.val()
            && !self.resetting.q.val()
            && (self.sq_head.q.val() != self.sq_tail.q.val())
        {
            if self.sq_slot_ok.val() && self.ring_ok.val() {
                self.fetch_next.next = true;
            } else {
                self.config_error.d.next = true;
            }
        }
        self.job_beats.next = (self.d_len.q.val() + 63) >> 6;

        // In `Dispatch` the job is offered to its unit: ALU opcodes to the ALU, the rest to
        // engine `fsel`. A unit honours `start` only when idle, so `start` is driven from
        // registers alone and `unit_taken` says whether the offered unit took the job.
        for e in 0..self._engines {
            if (self.fstate.q.val() == FetchState::Dispatch)
                && !self.d_alu.q.val()
                && (self.fsel.q.val() == self.eidx[e].val())
            {
                self.engine[e].start.next = true;
            }
        }
        if (self.fstate.q.val() == FetchState::Dispatch) && self.d_alu.q.val() {
            self.alu.start.next = true;
        }
        self.unit_taken.next = self.alu.idle.val();
        if !self.d_alu.q.val() {
            self.unit_taken.next = false;
            for e in 0..self._engines {
                if self.fsel.q.val() == self.eidx[e].val() {
                    self.unit_taken.next = self.engine[e].idle.val();
                }
            }
        }

        // The descriptor on the read port has an ALU opcode (registered as `d_alu`, so that
        // the units' `start` depends on registers only).
        self.new_op.next = self.rd_resp_data.val().get_bits::<8>(224);
        self.new_op_alu.next = (self.new_op.val() == self.k_op_mul.val())
            | (self.new_op.val() == self.k_op_div.val())
            | (self.new_op.val() == self.k_op_sdiv.val())
            | (self.new_op.val() == self.k_op_mod.val())
            | (self.new_op.val() == self.k_op_smod.val())
            | (self.new_op.val() == self.k_op_addmod.val())
            | (self.new_op.val() == self.k_op_mulmod.val())
            | (self.new_op.val() == self.k_op_exp.val());

        // DMA read port defaults.
        self.rd_req_valid.next = false;
        self.rd_req_addr.next = self.sq_slot.val();
        self.rd_req_beats.next = self.k_one32.val();
        self.rd_resp_ready.next = false;
        self.rd_take.next = false;

        // Fetcher.
        match self.fstate.q.val() {
            FetchState::Idle => {
                if self.fetch_next.val() {
                    self.rd_req_valid.next = true;
                    if self.rd_req_ready.val() {
                        self.fstate.d.next = FetchState::DescWait;
                    }
                }
            }
            FetchState::DescWait => {
                self.rd_resp_ready.next = true;
                if self.rd_resp_valid.val() {
                    self.d_tag.d.next = self.rd_resp_data.val().get_bits::<64>(0);
                    self.d_src.d.next = self.rd_resp_data.val().get_bits::<64>(64);
                    self.d_dst.d.next = self.rd_resp_data.val().get_bits::<64>(128);
                    self.d_len.d.next = self.rd_resp_data.val().get_bits::<32>(192);
                    self.d_op.d.next = self.rd_resp_data.val().get_bits::<8>(224);
                    self.d_alu.d.next = self.new_op_alu.val();
                    self.fsel.d.next = self.free_sel.val();
                    self.sq_tail.d.next = self.sq_tail.q.val() + 1;
                    self.fstate.d.next = FetchState::Dispatch;
                }
            }
            FetchState::Dispatch => {
                // The unit offered the job (see `unit_taken`) takes it when idle; until
                // then `fsel` follows the lowest free engine.
                if self.d_alu.q.val() {
                    self.fsel.d.next = self.k_alu_sel.val();
                } else if !self.unit_taken.val() {
                    self.fsel.d.next = self.free_sel.val();
                }
                self.beats_left.d.next = self.job_beats.val();
                if self.unit_taken.val() {
                    if (self.status_code.val() == self.k_st_ok.val())
                        && (self.d_len.q.val() != self.k_zero32.val())
                    {
                        self.rd_req_valid.next = true;
                        self.rd_req_addr.next = self.d_src.q.val();
                        self.rd_req_beats.next = self.job_beats.val();
                        if self.rd_req_ready.val() {
                            self.fstate.d.next = FetchState::Data;
                        } else {
                            self.fstate.d.next = FetchState::DataReq;
                        }
                    } else {
                        self.fstate.d.next = FetchState::Idle;
                    }
                }
            }
            FetchState::DataReq => {
                self.rd_req_valid.next = true;
                self.rd_req_addr.next = self.d_src.q.val();
                self.rd_req_beats.next = self.beats_left.q.val();
                if self.rd_req_ready.val() {
                    self.fstate.d.next = FetchState::Data;
                }
            }
            FetchState::Data => {
                for e in 0..self._engines {
                    if self.fsel.q.val() == self.eidx[e].val() {
                        self.engine[e].beat_valid.next = self.rd_resp_valid.val();
                        self.rd_resp_ready.next = self.engine[e].beat_ready.val();
                    }
                }
                if self.fsel.q.val() == self.k_alu_sel.val() {
                    self.alu.beat_valid.next = self.rd_resp_valid.val();
                    self.rd_resp_ready.next = self.alu.beat_ready.val();
                }
                if self.rd_resp_valid.val() && self.rd_resp_ready.val() {
                    self.beats_left.d.next = self.beats_left.q.val() - 1;
                    if self.beats_left.q.val() == self.k_one32.val() {
                        // The last beat: ask for the next descriptor in the same cycle.
                        self.fstate.d.next = FetchState::Idle;
                        if self.fetch_next.val() {
                            self.rd_req_valid.next = true;
                            self.rd_req_addr.next = self.sq_slot.val();
                            if self.rd_req_ready.val() {
                                self.fstate.d.next = FetchState::DescWait;
                            }
                        }
                    }
                }
            }
            _ => {
                self.fstate.d.next = FetchState::Idle;
            }
        }

        // Outstanding read beats, so that a soft reset can drain them.
        if self.resetting.q.val() {
            self.rd_req_valid.next = false;
        }
        // One update for both events: a request accepted in the cycle a beat is taken (the
        // fetcher asks for the next descriptor with a job's last beat) counts too.
        self.rd_added.next = self.k_zero32.val();
        if self.rd_req_valid.val() && self.rd_req_ready.val() {
            self.rd_added.next = self.rd_req_beats.val();
        }
        if self.resetting.q.val() {
            self.rd_resp_ready.next = true;
        }
        self.rd_take.next = self.rd_resp_valid.val() && self.rd_resp_ready.val();
        if self.rd_take.val() {
            self.rd_pending.d.next = self.rd_pending.q.val() + self.rd_added.val() - 1;
        } else {
            self.rd_pending.d.next = self.rd_pending.q.val() + self.rd_added.val();
        }
        // A failed read or write stops the core (the reads a soft reset drains do not).
        if ((self.rd_take.val() && self.rd_resp_error.val()) || self.wr_error.val())
            && !self.resetting.q.val()
        {
            self.dma_error.d.next = true;
        }

        // The finished job the writer serves (an engine's or the ALU's).
        self.w_digest.next = self.engine[0].digest.val();
        self.w_tag.next = self.engine[0].tag.val();
        self.w_dst.next = self.engine[0].dst.val();
        self.w_status.next = self.engine[0].status.val();
        for e in 0..self._engines {
            if self.wsel.q.val() == self.eidx[e].val() {
                self.w_digest.next = self.engine[e].digest.val();
                self.w_tag.next = self.engine[e].tag.val();
                self.w_dst.next = self.engine[e].dst.val();
                self.w_status.next = self.engine[e].status.val();
            }
        }
        if self.wsel.q.val() == self.k_alu_sel.val() {
            self.w_digest.next = self.alu.result.val();
            self.w_tag.next = self.alu.tag.val();
            self.w_dst.next = self.alu.dst.val();
            self.w_status.next = self.alu.status.val();
        }

        // Writer.
        self.wr_valid.next = false;
        self.wr_addr.next = self.cq_slot.val();
        self.wr_data.next = bit_cast::<512, 64>(self.w_tag.val())
            | (bit_cast::<512, 8>(self.w_status.val()) << 64)
            | (bit_cast::<512, 1>(self.phase.val().into()) << 72);
        self.wr_strb.next = self.k_strb_all.val();
        match self.wstate.q.val() {
            WriteState::Idle => {
                if self.any_done.val() && !self.resetting.q.val() && !self.dma_error.q.val() {
                    self.wsel.d.next = self.done_sel.val();
                    self.wstate.d.next = WriteState::Result;
                }
            }
            WriteState::Result => {
                if self.w_status.val() == self.k_st_ok.val() {
                    self.wr_valid.next = true;
                    self.wr_addr.next = (self.w_dst.val() >> 6) << 6;
                    if (self.w_dst.val() & 32) == self.k_zero64.val() {
                        self.wr_data.next = bit_cast::<512, 256>(self.w_digest.val());
                        self.wr_strb.next = self.k_strb_lo.val();
                    } else {
                        self.wr_data.next = bit_cast::<512, 256>(self.w_digest.val()) << 256;
                        self.wr_strb.next = self.k_strb_hi.val();
                    }
                    if self.wr_ready.val() {
                        self.wstate.d.next = WriteState::Completion;
                        if self.wr_error.val() {
                            // The result was not written: its completion must not be.
                            self.wstate.d.next = WriteState::Idle;
                        }
                    }
                } else {
                    self.wstate.d.next = WriteState::Completion;
                }
            }
            WriteState::Completion => {
                if self.cq_room.val() && !self.dma_error.q.val() {
                    if self.cq_slot_ok.val() {
                        self.wr_valid.next = true;
                        if self.wr_ready.val() {
                            self.cq_tail.d.next = self.cq_tail.q.val() + 1;
                            self.jobs.d.next = self.jobs.q.val() + 1;
                            for e in 0..self._engines {
                                if self.wsel.q.val() == self.eidx[e].val() {
                                    self.engine[e].ack.next = true;
                                }
                            }
                            if self.wsel.q.val() == self.k_alu_sel.val() {
                                self.alu.ack.next = true;
                            }
                            self.wstate.d.next = WriteState::Idle;
                            if self.any_done.val() {
                                self.wsel.d.next = self.done_sel.val();
                                self.wstate.d.next = WriteState::Result;
                            }
                        }
                    } else {
                        self.config_error.d.next = true;
                    }
                }
            }
            _ => {
                self.wstate.d.next = WriteState::Idle;
            }
        }

        // Counters.
        self.cycles.d.next = self.cycles.q.val() + 1;
        self.busy.next = (self.fstate.q.val() != FetchState::Idle)
            | (self.wstate.q.val() != WriteState::Idle)
            | !self.all_idle.val()
            | (self.sq_head.q.val() != self.sq_tail.q.val());
        if self.busy.val() {
            self.busy_cycles.d.next = self.busy_cycles.q.val() + 1;
        }

        // Register reads.
        self.reg_rdata.next = self.k_zero32.val();
        if self.reg_addr.val() == self.k_a_id.val() {
            self.reg_rdata.next = self.k_id.val();
        }
        if self.reg_addr.val() == self.k_a_version.val() {
            self.reg_rdata.next = self.k_version.val();
        }
        if self.reg_addr.val() == self.k_a_status.val() {
            self.reg_rdata.next = bit_cast::<32, 1>(self.busy.val().into())
                | (bit_cast::<32, 1>(self.resetting.q.val().into()) << 1)
                | (bit_cast::<32, 1>(self.config_error.q.val().into()) << 2)
                | (bit_cast::<32, 1>(self.dma_error.q.val().into()) << 3);
        }
        if self.reg_addr.val() == self.k_a_control.val() {
            self.reg_rdata.next = bit_cast::<32, 1>(self.enable.q.val().into())
                | (bit_cast::<32, 1>(self.resetting.q.val().into()) << 1);
        }
        if self.reg_addr.val() == self.k_a_sq_base_lo.val() {
            self.reg_rdata.next = self.sq_base.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_sq_base_hi.val() {
            self.reg_rdata.next = self.sq_base.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_ring_size.val() {
            self.reg_rdata.next = self.ring_size.q.val();
        }
        if self.reg_addr.val() == self.k_a_sq_head.val() {
            self.reg_rdata.next = self.sq_head.q.val();
        }
        if self.reg_addr.val() == self.k_a_sq_tail.val() {
            self.reg_rdata.next = self.sq_tail.q.val();
        }
        if self.reg_addr.val() == self.k_a_cq_base_lo.val() {
            self.reg_rdata.next = self.cq_base.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_cq_base_hi.val() {
            self.reg_rdata.next = self.cq_base.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_cq_head.val() {
            self.reg_rdata.next = self.cq_head.q.val();
        }
        if self.reg_addr.val() == self.k_a_cq_tail.val() {
            self.reg_rdata.next = self.cq_tail.q.val();
        }
        if self.reg_addr.val() == self.k_a_win_base_lo.val() {
            self.reg_rdata.next = self.win_base.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_win_base_hi.val() {
            self.reg_rdata.next = self.win_base.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_win_limit_lo.val() {
            self.reg_rdata.next = self.win_limit.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_win_limit_hi.val() {
            self.reg_rdata.next = self.win_limit.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_cycles_lo.val() {
            self.reg_rdata.next = self.cycles.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_cycles_hi.val() {
            self.reg_rdata.next = self.cycles.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_busy_lo.val() {
            self.reg_rdata.next = self.busy_cycles.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_busy_hi.val() {
            self.reg_rdata.next = self.busy_cycles.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_jobs_lo.val() {
            self.reg_rdata.next = self.jobs.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_jobs_hi.val() {
            self.reg_rdata.next = self.jobs.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_engines.val() {
            self.reg_rdata.next = self.k_engines.val();
        }
        if self.reg_addr.val() == self.k_a_rounds.val() {
            self.reg_rdata.next = self.k_rounds.val();
        }
        if self.reg_addr.val() == self.k_a_alus.val() {
            self.reg_rdata.next = self.k_alus.val();
        }

        // Register writes.
        if self.reg_wr.val() {
            if self.reg_addr.val() == self.k_a_control.val() {
                self.enable.d.next = self.reg_wdata.val().get_bit(0);
                if self.reg_wdata.val().get_bit(1) {
                    self.resetting.d.next = true;
                }
            }
            if self.reg_addr.val() == self.k_a_sq_base_lo.val() {
                self.sq_base.d.next = (self.sq_base.q.val() & self.k_hi_mask.val())
                    | bit_cast::<64, 32>(self.reg_wdata.val());
            }
            if self.reg_addr.val() == self.k_a_sq_base_hi.val() {
                self.sq_base.d.next = (self.sq_base.q.val() & self.k_lo_mask.val())
                    | (bit_cast::<64, 32>(self.reg_wdata.val()) << 32);
            }
            if self.reg_addr.val() == self.k_a_cq_base_lo.val() {
                self.cq_base.d.next = (self.cq_base.q.val() & self.k_hi_mask.val())
                    | bit_cast::<64, 32>(self.reg_wdata.val());
            }
            if self.reg_addr.val() == self.k_a_cq_base_hi.val() {
                self.cq_base.d.next = (self.cq_base.q.val() & self.k_lo_mask.val())
                    | (bit_cast::<64, 32>(self.reg_wdata.val()) << 32);
            }
            if self.reg_addr.val() == self.k_a_win_base_lo.val() {
                self.win_base.d.next = (self.win_base.q.val() & self.k_hi_mask.val())
                    | bit_cast::<64, 32>(self.reg_wdata.val());
            }
            if self.reg_addr.val() == self.k_a_win_base_hi.val() {
                self.win_base.d.next = (self.win_base.q.val() & self.k_lo_mask.val())
                    | (bit_cast::<64, 32>(self.reg_wdata.val()) << 32);
            }
            if self.reg_addr.val() == self.k_a_win_limit_lo.val() {
                self.win_limit.d.next = (self.win_limit.q.val() & self.k_hi_mask.val())
                    | bit_cast::<64, 32>(self.reg_wdata.val());
            }
            if self.reg_addr.val() == self.k_a_win_limit_hi.val() {
                self.win_limit.d.next = (self.win_limit.q.val() & self.k_lo_mask.val())
                    | (bit_cast::<64, 32>(self.reg_wdata.val()) << 32);
            }
            if self.reg_addr.val() == self.k_a_ring_size.val() {
                self.ring_size.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.k_a_sq_head.val() {
                self.sq_head.d.next = self.reg_wdata.val();
            }
            if self.reg_addr.val() == self.k_a_cq_head.val() {
                self.cq_head.d.next = self.reg_wdata.val();
            }
        }

        // Soft reset: drop the fetcher's and writer's work, drain the reads in flight,
        // then clear indexes, errors and enable.
        if self.resetting.q.val() {
            self.fstate.d.next = FetchState::Idle;
            self.wstate.d.next = WriteState::Idle;
            self.wr_valid.next = false;
            if self.rd_pending.q.val() == self.k_zero32.val() {
                self.resetting.d.next = false;
                self.enable.d.next = false;
                self.config_error.d.next = false;
                self.dma_error.d.next = false;
                self.sq_head.d.next = self.k_zero32.val();
                self.sq_tail.d.next = self.k_zero32.val();
                self.cq_head.d.next = self.k_zero32.val();
                self.cq_tail.d.next = self.k_zero32.val();
            }
        }
    }
}
