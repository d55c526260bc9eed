//! AXI4 write master (F1's PCIM write channels, 512-bit data) serving the core's DMA write
//! port.
//!
//! Rules:
//! - Each core write beat becomes one single-beat INCR burst: `awlen = 0`, `awsize = 6`
//!   (64 bytes), `wlast = 1`, the core's strobes passed through, AWID 0. A beat never
//!   crosses a 4 KiB boundary (64-byte aligned addresses, the core's rule).
//! - The beat is latched, then AW and W are raised together and each is dropped on its own
//!   handshake, so a slave that takes W before AW, AW before W, or both at once all work;
//!   both stay stable until taken.
//! - At most `max_writes` writes are outstanding, counted from the core's handshake to the B
//!   response (`bready` is always 1). A B response whose BRESP is not OKAY (or whose BID is
//!   not 0) pulses `wr_error` in the cycle it arrives.
//! - Ordering of errors: the count drops in the cycle after the B response, so with
//!   `max_writes = 1` the core has registered a write's error before it can hand over the
//!   next write: a failed result write is never followed by its completion, as the core's
//!   contract promises. With more than one write in flight, a completion could be posted
//!   before the error of its result write returns; hence [`DEFAULT_MAX_WRITES`] is 1. The
//!   core issues two writes per job while its fetcher spends two read round trips per job,
//!   so the fence costs little throughput (in the test bench's random-latency memory model,
//!   the KAT run takes about 7% more cycles than with 4 writes in flight).

use rust_hdl::prelude::*;

/// Outstanding writes allowed by default: 1, which keeps the core's completion-after-result
/// guarantee (see the module docs).
pub const DEFAULT_MAX_WRITES: usize = 1;

/// AXI4 write master turning each core write beat into a one-beat PCIM burst.
#[derive(LogicBlock)]
pub struct AxiWriteMaster {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Core write valid.
    pub wr_valid: Signal<In, Bit>,
    /// Core write taken.
    pub wr_ready: Signal<Out, Bit>,
    /// Core write address (64-byte aligned).
    pub wr_addr: Signal<In, Bits<64>>,
    /// Core write data beat.
    pub wr_data: Signal<In, Bits<512>>,
    /// Core write byte enables.
    pub wr_strb: Signal<In, Bits<64>>,
    /// A write failed (one-cycle pulse per failed B response).
    pub wr_error: Signal<Out, Bit>,
    /// AXI write ID (always 0).
    pub awid: Signal<Out, Bits<16>>,
    /// AXI write address.
    pub awaddr: Signal<Out, Bits<64>>,
    /// AXI burst length minus one (always 0).
    pub awlen: Signal<Out, Bits<8>>,
    /// AXI beat size (6: 64 bytes).
    pub awsize: Signal<Out, Bits<3>>,
    /// AXI write address valid.
    pub awvalid: Signal<Out, Bit>,
    /// AXI write address accepted.
    pub awready: Signal<In, Bit>,
    /// AXI write data.
    pub wdata: Signal<Out, Bits<512>>,
    /// AXI write strobes.
    pub wstrb: Signal<Out, Bits<64>>,
    /// AXI last beat (always 1).
    pub wlast: Signal<Out, Bit>,
    /// AXI write data valid.
    pub wvalid: Signal<Out, Bit>,
    /// AXI write data accepted.
    pub wready: Signal<In, Bit>,
    /// AXI write response ID.
    pub bid: Signal<In, Bits<16>>,
    /// AXI write response.
    pub bresp: Signal<In, Bits<2>>,
    /// AXI write response valid.
    pub bvalid: Signal<In, Bit>,
    /// AXI write response taken (always 1).
    pub bready: Signal<Out, Bit>,
    aw_pending: DFF<Bit>,
    w_pending: DFF<Bit>,
    addr: DFF<Bits<64>>,
    data: DFF<Bits<512>>,
    strb: DFF<Bits<64>>,
    outstanding: DFF<Bits<8>>,
    take: Signal<Local, Bit>,
    k_max_writes: Constant<Bits<8>>,
    k_id: Constant<Bits<16>>,
    k_len: Constant<Bits<8>>,
    k_size: Constant<Bits<3>>,
    k_okay: Constant<Bits<2>>,
}

impl AxiWriteMaster {
    /// A write master allowing `max_writes` (1..=255) outstanding writes.
    pub fn new(max_writes: usize) -> Self {
        assert!(
            (1..=255).contains(&max_writes),
            "1..=255 outstanding writes"
        );
        Self {
            clock: Default::default(),
            wr_valid: Default::default(),
            wr_ready: Default::default(),
            wr_addr: Default::default(),
            wr_data: Default::default(),
            wr_strb: Default::default(),
            wr_error: Default::default(),
            awid: Default::default(),
            awaddr: Default::default(),
            awlen: Default::default(),
            awsize: Default::default(),
            awvalid: Default::default(),
            awready: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            wlast: Default::default(),
            wvalid: Default::default(),
            wready: Default::default(),
            bid: Default::default(),
            bresp: Default::default(),
            bvalid: Default::default(),
            bready: Default::default(),
            aw_pending: Default::default(),
            w_pending: Default::default(),
            addr: Default::default(),
            data: Default::default(),
            strb: Default::default(),
            outstanding: Default::default(),
            take: Default::default(),
            k_max_writes: Constant::new((max_writes as u64).into()),
            k_id: Constant::new(0_u64.into()),
            k_len: Constant::new(0_u64.into()),
            k_size: Constant::new(6_u64.into()),
            k_okay: Constant::new(0_u64.into()),
        }
    }
}

impl Logic for AxiWriteMaster {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            aw_pending,
            w_pending,
            addr,
            data,
            strb,
            outstanding
        );

        // Latch a core beat when the previous one has left on both channels.
        // (`wr_ready` is computed apart from `take`, from registers only, so that Verilator
        // can order it before the core's `wr_valid`.)
        self.wr_ready.next = !self.aw_pending.q.val()
            && !self.w_pending.q.val()
            && (self.outstanding.q.val() < self.k_max_writes.val());
        self.take.next = self.wr_valid.val()
            && !self.aw_pending.q.val()
            && !self.w_pending.q.val()
            && (self.outstanding.q.val() < self.k_max_writes.val());
        if self.take.val() {
            self.aw_pending.d.next = true;
            self.w_pending.d.next = true;
            self.addr.d.next = self.wr_addr.val();
            self.data.d.next = self.wr_data.val();
            self.strb.d.next = self.wr_strb.val();
        }

        // AW and W, each dropped on its own handshake.
        self.awid.next = self.k_id.val();
        self.awaddr.next = self.addr.q.val();
        self.awlen.next = self.k_len.val();
        self.awsize.next = self.k_size.val();
        self.awvalid.next = self.aw_pending.q.val();
        if self.aw_pending.q.val() && self.awready.val() {
            self.aw_pending.d.next = false;
        }
        self.wdata.next = self.data.q.val();
        self.wstrb.next = self.strb.q.val();
        self.wlast.next = true;
        self.wvalid.next = self.w_pending.q.val();
        if self.w_pending.q.val() && self.wready.val() {
            self.w_pending.d.next = false;
        }

        // B responses: counted, errors pulsed to the core.
        self.bready.next = true;
        self.wr_error.next = self.bvalid.val()
            && ((self.bresp.val() != self.k_okay.val()) | (self.bid.val() != self.k_id.val()));
        if self.take.val() && !self.bvalid.val() {
            self.outstanding.d.next = self.outstanding.q.val() + 1;
        }
        if !self.take.val() && self.bvalid.val() {
            self.outstanding.d.next = self.outstanding.q.val() - 1;
        }
    }
}
