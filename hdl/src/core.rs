//! The fpevm core: register block, descriptor fetcher, `E` Keccak-256 engines, one 256-bit
//! EVM ALU and the completion writer, behind one DMA read port and one DMA write port
//! (64-byte beats).
//!
//! Jobs: the fetcher keeps one descriptor at hand (read from the ring as soon as the last
//! one is handed on), checks it in the order of `layout::check_descriptor` (with one ALU),
//! and offers it to a unit by opcode: ALU opcodes (also when rejected) to the ALU, every
//! other opcode to engine `fsel` (see below). The unit takes it once it is free; an engine is
//! free as soon as its previous job's last block is in its permutation (see `engine`), so the
//! next job's input arrives while that block permutes and the permutation never waits
//! between jobs. Every unit already started gets all its input, so it finishes and frees
//! itself, and neither kind can starve the other forever.
//!
//! Input: taking a job queues its input (`s_addr`, `s_beats` per unit). The read port serves
//! one request at a time and asks for the next in the cycle the last beat of the previous one
//! arrives: a descriptor when none is at hand, else at most `room` (up to `MAX_ROOM`) beats
//! of one unit's input, round robin, first for engines whose next block is incomplete while
//! their permutation runs, then for those whose next block is incomplete, then to top up.
//! Long inputs are so interleaved block by block across the engines, which all permute at
//! once. No engine is ever sent a beat it has no room for, so beats are never held up.
//!
//! `fsel`, registered so that `start` depends on registers only: the lowest engine with
//! nothing in flight, else round robin after the engine that took the last job, among those
//! that are free or become free this cycle.
//!
//! The writer serves finished units (each holds one result in its result register), engines
//! first, the ALU as unit number `E`. `REG_ACTIVE`, `REG_STARVED` and `REG_IDLE_GAP_MAX`
//! count how busy the engines are kept (see `layout`).
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
use crate::engine::{SpongeEngine, MAX_ROOM};
use crate::layout::*;
use crate::signals;
use rust_hdl::prelude::*;

/// What the DMA read port is doing (one request in flight at a time; the next one is asked
/// for in the cycle the last beat of the previous one is taken, so beats can follow each
/// other without a gap).
#[derive(Copy, Clone, Debug, PartialEq, LogicState)]
pub enum ReadState {
    /// No request in flight.
    Idle,
    /// Waiting for a descriptor's beat.
    Desc,
    /// Forwarding the beats of a data request to unit `csel`.
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
    active_cycles: DFF<Bits<64>>,
    starved_cycles: DFF<Bits<64>>,
    gap_max: DFF<Bits<32>>,
    streak: Vec<DFF<Bits<32>>>,
    warm: Vec<DFF<Bit>>,
    // Fetcher: the descriptor waiting for its unit, and each unit's input still to ask for.
    rstate: DFF<ReadState>,
    csel: DFF<Bits<4>>,
    cleft: DFF<Bits<4>>,
    d_valid: DFF<Bit>,
    d_tag: DFF<Bits<64>>,
    d_src: DFF<Bits<64>>,
    d_dst: DFF<Bits<64>>,
    d_len: DFF<Bits<32>>,
    d_op: DFF<Bits<8>>,
    d_alu: DFF<Bit>,
    s_addr: Vec<DFF<Bits<64>>>,
    s_beats: Vec<DFF<Bits<32>>>,
    fsel: DFF<Bits<4>>,
    rr: DFF<Bits<4>>,
    drr: DFF<Bits<4>>,
    // Writer.
    wstate: DFF<WriteState>,
    wsel: DFF<Bits<4>>,
    // Combinational.
    free_sel: Signal<Local, Bits<4>>,
    any_free: Signal<Local, Bit>,
    quiet_sel: Signal<Local, Bits<4>>,
    any_quiet: Signal<Local, Bit>,
    next_sel: Signal<Local, Bits<4>>,
    any_next: Signal<Local, Bit>,
    dispatch: Signal<Local, Bit>,
    offer: Signal<Local, Bit>,
    can_take: Vec<Signal<Local, Bit>>,
    unit_room: Vec<Signal<Local, Bits<4>>>,
    eligible: Vec<Signal<Local, Bit>>,
    unit_hungry: Vec<Signal<Local, Bit>>,
    urgent: Vec<Signal<Local, Bit>>,
    pick: Vec<Signal<Local, Bit>>,
    any_urgent: Signal<Local, Bit>,
    unit_running: Vec<Signal<Local, Bit>>,
    critical: Vec<Signal<Local, Bit>>,
    any_critical: Signal<Local, Bit>,
    data_sel: Signal<Local, Bits<4>>,
    data_any: Signal<Local, Bit>,
    data_after: Signal<Local, Bit>,
    data_room: Signal<Local, Bits<4>>,
    data_left: Signal<Local, Bits<32>>,
    data_addr: Signal<Local, Bits<64>>,
    chunk: Signal<Local, Bits<4>>,
    desc_ok: Signal<Local, Bit>,
    want_desc: Signal<Local, Bit>,
    chan_free: Signal<Local, Bit>,
    beat_failed: Signal<Local, Bit>,
    issue: Signal<Local, Bit>,
    work_queued: Signal<Local, Bit>,
    starved: Vec<Signal<Local, Bit>>,
    n_active: Signal<Local, Bits<8>>,
    n_starved: Signal<Local, Bits<8>>,
    gap_next: Signal<Local, Bits<32>>,
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
    // Constants.
    eidx: Vec<Constant<Bits<4>>>,
    k_alu_sel: Constant<Bits<4>>,
    k_room_alu: Constant<Bits<4>>,
    k_room_none: Constant<Bits<4>>,
    k_one4: Constant<Bits<4>>,
    k_one8: Constant<Bits<8>>,
    k_zero8: Constant<Bits<8>>,
    k_a_active_lo: Constant<Bits<8>>,
    k_a_active_hi: Constant<Bits<8>>,
    k_a_starved_lo: Constant<Bits<8>>,
    k_a_starved_hi: Constant<Bits<8>>,
    k_a_gap_max: Constant<Bits<8>>,
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
    k_zero512: Constant<Bits<512>>,
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
            active_cycles: Default::default(),
            starved_cycles: Default::default(),
            gap_max: Default::default(),
            streak: (0..engines).map(|_| DFF::default()).collect(),
            warm: (0..engines).map(|_| DFF::default()).collect(),
            rstate: Default::default(),
            csel: Default::default(),
            cleft: Default::default(),
            d_valid: Default::default(),
            d_tag: Default::default(),
            d_src: Default::default(),
            d_dst: Default::default(),
            d_len: Default::default(),
            d_op: Default::default(),
            d_alu: Default::default(),
            s_addr: (0..=engines).map(|_| DFF::default()).collect(),
            s_beats: (0..=engines).map(|_| DFF::default()).collect(),
            fsel: Default::default(),
            rr: Default::default(),
            drr: Default::default(),
            wstate: Default::default(),
            wsel: Default::default(),
            free_sel: Default::default(),
            any_free: Default::default(),
            quiet_sel: Default::default(),
            any_quiet: Default::default(),
            next_sel: Default::default(),
            any_next: Default::default(),
            dispatch: Default::default(),
            offer: Default::default(),
            can_take: signals(engines),
            unit_room: signals(engines + 1),
            eligible: signals(engines + 1),
            unit_hungry: signals(engines + 1),
            urgent: signals(engines + 1),
            pick: signals(engines + 1),
            any_urgent: Default::default(),
            unit_running: signals(engines + 1),
            critical: signals(engines + 1),
            any_critical: Default::default(),
            data_sel: Default::default(),
            data_any: Default::default(),
            data_after: Default::default(),
            data_room: Default::default(),
            data_left: Default::default(),
            data_addr: Default::default(),
            chunk: Default::default(),
            desc_ok: Default::default(),
            want_desc: Default::default(),
            chan_free: Default::default(),
            beat_failed: Default::default(),
            issue: Default::default(),
            work_queued: Default::default(),
            starved: signals(engines),
            n_active: Default::default(),
            n_starved: Default::default(),
            gap_next: Default::default(),
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
            k_room_alu: Constant::new((MAX_ROOM as u64).into()),
            k_room_none: Constant::new(0u64.into()),
            k_one4: Constant::new(1u64.into()),
            k_one8: Constant::new(1u64.into()),
            k_zero8: Constant::new(0u64.into()),
            k_a_active_lo: c8(REG_ACTIVE_LO),
            k_a_active_hi: c8(REG_ACTIVE_HI),
            k_a_starved_lo: c8(REG_STARVED_LO),
            k_a_starved_hi: c8(REG_STARVED_HI),
            k_a_gap_max: c8(REG_IDLE_GAP_MAX),
            eidx: (0..=engines as u64)
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
            k_zero512: Constant::new(0u64.into()),
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
            active_cycles,
            starved_cycles,
            gap_max,
            rstate,
            csel,
            cleft,
            d_valid,
            d_tag,
            d_src,
            d_dst,
            d_len,
            d_op,
            d_alu,
            fsel,
            rr,
            drr,
            wstate,
            wsel
        );
        for e in 0..self._engines {
            self.streak[e].clock.next = self.clock.val();
            self.streak[e].d.next = self.streak[e].q.val();
            self.warm[e].clock.next = self.clock.val();
            self.warm[e].d.next = self.warm[e].q.val();
        }
        for u in 0..(self._engines + 1) {
            self.s_addr[u].clock.next = self.clock.val();
            self.s_addr[u].d.next = self.s_addr[u].q.val();
            self.s_beats[u].clock.next = self.clock.val();
            self.s_beats[u].d.next = self.s_beats[u].q.val();
        }

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

        // Unit inputs, and the lowest finished unit for the writer.
        self.done_sel.next = self.eidx[0].val();
        self.any_done.next = false;
        self.all_idle.next = true;
        for e in 0..self._engines {
            self.engine[e].clock.next = self.clock.val();
            self.engine[e].clear.next = self.resetting.q.val();
            self.engine[e].job_len.next = self.d_len.q.val();
            self.engine[e].job_tag.next = self.d_tag.q.val();
            self.engine[e].job_dst.next = self.d_dst.q.val();
            self.engine[e].job_status.next = self.status_code.val();
            self.engine[e].beat_valid.next = false;
            self.engine[e].beat_data.next = self.rd_resp_data.val();
            self.engine[e].ack.next = false;
            if !self.engine[e].quiet.val() {
                self.all_idle.next = false;
            }
        }
        self.alu.clock.next = self.clock.val();
        self.alu.clear.next = self.resetting.q.val();
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

        // Dispatch: the waiting descriptor is offered to its unit (ALU opcodes, also
        // rejected ones, to the ALU; the rest to engine `fsel`), which takes it when free;
        // then the unit's input is queued for the read port. A unit is free only when all
        // its earlier input has arrived, so its queue is empty then.
        self.offer.next =
            self.d_valid.q.val() && !self.resetting.q.val() && !self.dma_error.q.val();
        for e in 0..self._engines {
            self.engine[e].start.next = self.offer.val()
                && !self.d_alu.q.val()
                && (self.fsel.q.val() == self.eidx[e].val());
        }
        self.alu.start.next = self.offer.val() && self.d_alu.q.val();
        self.dispatch.next = false;
        if self.offer.val() {
            if self.d_alu.q.val() {
                self.dispatch.next = self.alu.idle.val();
            } else {
                for e in 0..self._engines {
                    if self.fsel.q.val() == self.eidx[e].val() {
                        self.dispatch.next = self.engine[e].idle.val();
                    }
                }
            }
        }
        if self.dispatch.val() {
            self.d_valid.d.next = false;
            if !self.d_alu.q.val() {
                self.drr.d.next = self.fsel.q.val();
            }
            if (self.status_code.val() == self.k_st_ok.val())
                && (self.d_len.q.val() != self.k_zero32.val())
            {
                for u in 0..(self._engines + 1) {
                    if (self.d_alu.q.val() && (self.eidx[u].val() == self.k_alu_sel.val()))
                        | (!self.d_alu.q.val() && (self.fsel.q.val() == self.eidx[u].val()))
                    {
                        self.s_addr[u].d.next = self.d_src.q.val();
                        self.s_beats[u].d.next = self.job_beats.val();
                    }
                }
            }
        }

        // The engine the next Keccak job goes to, registered as `fsel` so that the units'
        // `start` depends on registers only: the lowest engine with nothing in flight;
        // else, round robin after the last one given a job, an engine whose input side is
        // free (its last job is in its permutation, so it finishes within one permutation,
        // and the one given a job longest ago finishes first). An engine whose input side
        // empties this cycle counts as free (it is by the time `fsel` offers it a job); the
        // engine taking a job this cycle is left out.
        self.quiet_sel.next = self.eidx[0].val();
        self.any_quiet.next = false;
        self.next_sel.next = self.eidx[0].val();
        self.any_next.next = false;
        self.free_sel.next = self.eidx[0].val();
        self.any_free.next = false;
        for e in 0..self._engines {
            self.can_take[e].next = (self.engine[e].idle.val() | self.engine[e].freeing.val())
                && !(self.dispatch.val()
                    && !self.d_alu.q.val()
                    && (self.fsel.q.val() == self.eidx[e].val()));
            if self.can_take[e].val() && self.engine[e].quiet.val() && !self.any_quiet.val() {
                self.quiet_sel.next = self.eidx[e].val();
                self.any_quiet.next = true;
            }
            if self.can_take[e].val() && !self.any_free.val() {
                self.free_sel.next = self.eidx[e].val();
                self.any_free.next = true;
            }
        }
        for e in 1..self._engines {
            if self.can_take[e].val()
                && !self.any_next.val()
                && (self.eidx[e].val() > self.drr.q.val())
            {
                self.next_sel.next = self.eidx[e].val();
                self.any_next.next = true;
            }
        }
        if self.any_quiet.val() {
            self.free_sel.next = self.quiet_sel.val();
        } else if self.any_next.val() {
            self.free_sel.next = self.next_sel.val();
        }
        self.fsel.d.next = self.free_sel.val();

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

        // The next data request: round robin over the units (engines, then the ALU) after
        // the last one served, among those with input still to ask for and room for a beat:
        // first those that lack beats for their next block while their permutation runs
        // (they stall soonest), then those that lack beats (`hungry`; the ALU always does),
        // then the rest, so that topping up a buffer never delays a permutation. The unit
        // whose beats are arriving is left out (its `room` does not count them yet).
        for e in 0..self._engines {
            self.unit_room[e].next = self.engine[e].room.val();
            self.unit_hungry[e].next = self.engine[e].hungry.val();
            self.unit_running[e].next = self.engine[e].perm_busy.val();
        }
        for u in self._engines..(self._engines + 1) {
            self.unit_room[u].next = self.k_room_alu.val();
            self.unit_hungry[u].next = true;
            self.unit_running[u].next = false;
        }
        for u in 0..(self._engines + 1) {
            self.eligible[u].next = (self.s_beats[u].q.val() != self.k_zero32.val())
                && (self.unit_room[u].val() != self.k_room_none.val())
                && !((self.rstate.q.val() == ReadState::Data)
                    && (self.csel.q.val() == self.eidx[u].val()));
            self.urgent[u].next = self.eligible[u].val() && self.unit_hungry[u].val();
            self.critical[u].next = self.urgent[u].val() && self.unit_running[u].val();
        }
        self.any_urgent.next = false;
        self.any_critical.next = false;
        for u in 0..(self._engines + 1) {
            if self.urgent[u].val() {
                self.any_urgent.next = true;
            }
            if self.critical[u].val() {
                self.any_critical.next = true;
            }
        }
        for u in 0..(self._engines + 1) {
            self.pick[u].next = self.eligible[u].val();
            if self.any_critical.val() {
                self.pick[u].next = self.critical[u].val();
            } else if self.any_urgent.val() {
                self.pick[u].next = self.urgent[u].val();
            }
        }
        self.data_sel.next = self.eidx[0].val();
        self.data_any.next = false;
        self.data_after.next = false;
        for u in 1..(self._engines + 1) {
            if self.pick[u].val()
                && !self.data_after.val()
                && (self.eidx[u].val() > self.rr.q.val())
            {
                self.data_sel.next = self.eidx[u].val();
                self.data_after.next = true;
                self.data_any.next = true;
            }
        }
        for u in 0..(self._engines + 1) {
            if self.pick[u].val() && !self.data_any.val() {
                self.data_sel.next = self.eidx[u].val();
                self.data_any.next = true;
            }
        }
        self.data_room.next = self.unit_room[0].val();
        self.data_left.next = self.s_beats[0].q.val();
        self.data_addr.next = self.s_addr[0].q.val();
        for u in 0..(self._engines + 1) {
            if self.data_sel.val() == self.eidx[u].val() {
                self.data_room.next = self.unit_room[u].val();
                self.data_left.next = self.s_beats[u].q.val();
                self.data_addr.next = self.s_addr[u].q.val();
            }
        }
        self.chunk.next = self.data_room.val();
        if self.data_left.val() < bit_cast::<32, 4>(self.data_room.val()) {
            self.chunk.next = self.data_left.val().get_bits::<4>(0);
        }

        // A descriptor may be asked for when none waits (or the waiting one is dispatched
        // now) and none is on its way. It goes first while a unit is free to take it.
        self.desc_ok.next = self.fetch_next.val()
            && (!self.d_valid.q.val() | self.dispatch.val())
            && (self.rstate.q.val() != ReadState::Desc);
        self.want_desc.next = self.desc_ok.val()
            && ((self.any_free.val() | self.alu.idle.val()) | !self.data_any.val());

        // DMA read port defaults.
        self.rd_req_valid.next = false;
        self.rd_req_addr.next = self.sq_slot.val();
        self.rd_req_beats.next = self.k_one32.val();
        self.rd_resp_ready.next = false;
        self.rd_take.next = false;

        // Beats of the request in flight.
        if self.rstate.q.val() == ReadState::Desc {
            self.rd_resp_ready.next = true;
            // A descriptor arriving after a DMA error is not taken from the ring.
            if self.rd_resp_valid.val()
                && !self.resetting.q.val()
                && !self.dma_error.q.val()
                && !self.rd_resp_error.val()
            {
                self.d_valid.d.next = true;
                self.d_tag.d.next = self.rd_resp_data.val().get_bits::<64>(0);
                self.d_src.d.next = self.rd_resp_data.val().get_bits::<64>(64);
                self.d_dst.d.next = self.rd_resp_data.val().get_bits::<64>(128);
                self.d_len.d.next = self.rd_resp_data.val().get_bits::<32>(192);
                self.d_op.d.next = self.rd_resp_data.val().get_bits::<8>(224);
                self.d_alu.d.next = self.new_op_alu.val();
                self.sq_tail.d.next = self.sq_tail.q.val() + 1;
            }
        }
        if self.rstate.q.val() == ReadState::Data {
            // An engine is never asked for more beats than its `room`, so it takes each one.
            self.rd_resp_ready.next = true;
            for e in 0..self._engines {
                if self.csel.q.val() == self.eidx[e].val() {
                    self.engine[e].beat_valid.next = self.rd_resp_valid.val();
                }
            }
            if self.csel.q.val() == self.k_alu_sel.val() {
                self.alu.beat_valid.next = self.rd_resp_valid.val();
                self.rd_resp_ready.next = self.alu.beat_ready.val();
            }
            if self.rd_resp_valid.val() && self.rd_resp_ready.val() {
                self.cleft.d.next = self.cleft.q.val() - self.k_one4.val();
            }
        }

        // The next request, in the cycle the port is free: its last beat is taken now.
        self.chan_free.next = self.rstate.q.val() == ReadState::Idle;
        if self.rd_resp_valid.val()
            && self.rd_resp_ready.val()
            && ((self.rstate.q.val() == ReadState::Desc)
                | ((self.rstate.q.val() == ReadState::Data)
                    && (self.cleft.q.val() == self.k_one4.val())))
        {
            self.chan_free.next = true;
        }
        // No request goes out with a failed beat (the DMA error stops the core from then on).
        self.beat_failed.next = self.rd_resp_valid.val() && self.rd_resp_error.val();
        if self.chan_free.val() {
            self.rstate.d.next = ReadState::Idle;
        }
        self.issue.next = self.chan_free.val()
            && !self.resetting.q.val()
            && !self.dma_error.q.val()
            && !self.beat_failed.val()
            && (self.desc_ok.val() | self.data_any.val());
        if self.issue.val() {
            self.rd_req_valid.next = true;
            if self.want_desc.val() {
                if self.rd_req_ready.val() {
                    self.rstate.d.next = ReadState::Desc;
                }
            } else {
                self.rd_req_addr.next = self.data_addr.val();
                self.rd_req_beats.next = bit_cast::<32, 4>(self.chunk.val());
                if self.rd_req_ready.val() {
                    self.rstate.d.next = ReadState::Data;
                    self.csel.d.next = self.data_sel.val();
                    self.cleft.d.next = self.chunk.val();
                    self.rr.d.next = self.data_sel.val();
                    for u in 0..(self._engines + 1) {
                        if self.data_sel.val() == self.eidx[u].val() {
                            self.s_addr[u].d.next =
                                self.s_addr[u].q.val() + (bit_cast::<64, 4>(self.chunk.val()) << 6);
                            self.s_beats[u].d.next =
                                self.s_beats[u].q.val() - bit_cast::<32, 4>(self.chunk.val());
                        }
                    }
                }
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
        // The beat is assembled (wide shifts) only in the state that writes it; `wr_data`
        // is meaningful only with `wr_valid`.
        self.wr_data.next = self.k_zero512.val();
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
                self.wr_data.next = bit_cast::<512, 64>(self.w_tag.val())
                    | (bit_cast::<512, 8>(self.w_status.val()) << 64)
                    | (bit_cast::<512, 1>(self.phase.val().into()) << 72);
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
        self.busy.next = (self.rstate.q.val() != ReadState::Idle)
            | self.d_valid.q.val()
            | (self.wstate.q.val() != WriteState::Idle)
            | !self.all_idle.val()
            | (self.sq_head.q.val() != self.sq_tail.q.val());
        if self.busy.val() {
            self.busy_cycles.d.next = self.busy_cycles.q.val() + 1;
        }

        // Engine utilization. Work is queued while descriptors are pending (or a Keccak one
        // waits for an engine) and the core may fetch. An engine is starved in a cycle its
        // permutation does not run although it has a job on its input side or work is
        // queued. A run of starved cycles between two permutations of one engine is a gap;
        // `gap_max` keeps the longest (the first job after the engine had nothing to do does
        // not end a gap, nor does work running out).
        self.work_queued.next = self.enable.q.val()
            && !self.config_error.q.val()
            && !self.dma_error.q.val()
            && !self.resetting.q.val()
            && ((self.sq_head.q.val() != self.sq_tail.q.val())
                | (self.d_valid.q.val() && !self.d_alu.q.val()));
        self.n_active.next = self.k_zero8.val();
        self.n_starved.next = self.k_zero8.val();
        self.gap_next.next = self.gap_max.q.val();
        for e in 0..self._engines {
            self.starved[e].next = !self.engine[e].permuting.val()
                && (!self.engine[e].idle.val() | self.work_queued.val());
            if self.engine[e].permuting.val() {
                self.n_active.next = self.n_active.val() + self.k_one8.val();
                self.streak[e].d.next = self.k_zero32.val();
                self.warm[e].d.next = true;
                if self.engine[e].perm_start.val()
                    && self.warm[e].q.val()
                    && (self.streak[e].q.val() > self.gap_next.val())
                {
                    self.gap_next.next = self.streak[e].q.val();
                }
            } else if self.starved[e].val() {
                self.n_starved.next = self.n_starved.val() + self.k_one8.val();
                self.streak[e].d.next = self.streak[e].q.val() + self.k_one32.val();
            } else {
                self.streak[e].d.next = self.k_zero32.val();
                self.warm[e].d.next = false;
            }
            if self.resetting.q.val() {
                self.streak[e].d.next = self.k_zero32.val();
                self.warm[e].d.next = false;
            }
        }
        self.gap_max.d.next = self.gap_next.val();
        self.active_cycles.d.next =
            self.active_cycles.q.val() + bit_cast::<64, 8>(self.n_active.val());
        self.starved_cycles.d.next =
            self.starved_cycles.q.val() + bit_cast::<64, 8>(self.n_starved.val());

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
        if self.reg_addr.val() == self.k_a_active_lo.val() {
            self.reg_rdata.next = self.active_cycles.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_active_hi.val() {
            self.reg_rdata.next = self.active_cycles.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_starved_lo.val() {
            self.reg_rdata.next = self.starved_cycles.q.val().get_bits::<32>(0);
        }
        if self.reg_addr.val() == self.k_a_starved_hi.val() {
            self.reg_rdata.next = self.starved_cycles.q.val().get_bits::<32>(32);
        }
        if self.reg_addr.val() == self.k_a_gap_max.val() {
            self.reg_rdata.next = self.gap_max.q.val();
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
            if self.reg_addr.val() == self.k_a_gap_max.val() {
                self.gap_max.d.next = self.k_zero32.val();
            }
        }

        // Soft reset: drop the fetcher's and writer's work, drain the reads in flight,
        // then clear indexes, errors and enable.
        if self.resetting.q.val() {
            self.rstate.d.next = ReadState::Idle;
            self.d_valid.d.next = false;
            for u in 0..(self._engines + 1) {
                self.s_beats[u].d.next = self.k_zero32.val();
            }
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
