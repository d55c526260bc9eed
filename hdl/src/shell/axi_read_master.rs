//! AXI4 read master (F1's PCIM read channels, 512-bit data) serving the core's DMA read port.
//!
//! Rules (F1 shell interface specification, PCIM):
//! - A core request of any number of 64-byte beats is split into INCR bursts of full-width
//!   beats (`arsize = 6`) of at most 64 beats (`arlen <= 63`), none crossing a 4 KiB
//!   boundary: each burst runs to the end of the request or of the 4 KiB page, whichever
//!   comes first. Request addresses are 64-byte aligned (the core's rule), so every burst is.
//! - At most `max_bursts` bursts are outstanding (AR accepted, last R beat not yet taken).
//!   F1's shell allows 32 outstanding PCIM reads (aws-fpga, AWS Shell Interface
//!   Specification: "5-bit ARID (32 outstanding read transactions maximum)"; the later small
//!   shell raised it to 64, release notes 1.6.0); the shell top uses
//!   [`DEFAULT_MAX_READ_BURSTS`].
//! - Every burst carries ARID 0, so AXI returns the bursts in the order they were issued and
//!   the R beats go to `rd_resp_*` as they come, in order, one beat per handshake
//!   (`rready` is the core's `rd_resp_ready`). A beat's `rd_resp_error` is set when its RRESP
//!   is not OKAY or its RID is not the one this master issued.
//! - A new core request is taken (`rd_req_ready`) once the previous one has been fully
//!   issued as bursts; earlier bursts may still be returning beats. ARVALID, once raised,
//!   stays up with a stable address until accepted.

use rust_hdl::prelude::*;

/// Outstanding read bursts allowed by default (half of F1's 32 PCIM read tags).
pub const DEFAULT_MAX_READ_BURSTS: usize = 16;

/// AXI4 read master splitting the core's read requests into PCIM bursts.
#[derive(LogicBlock)]
pub struct AxiReadMaster {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Core read request valid.
    pub rd_req_valid: Signal<In, Bit>,
    /// Core read request taken.
    pub rd_req_ready: Signal<Out, Bit>,
    /// Core read request address (64-byte aligned).
    pub rd_req_addr: Signal<In, Bits<64>>,
    /// Core read request length in beats.
    pub rd_req_beats: Signal<In, Bits<32>>,
    /// Read beat valid, to the core.
    pub rd_resp_valid: Signal<Out, Bit>,
    /// Read beat taken by the core.
    pub rd_resp_ready: Signal<In, Bit>,
    /// Read beat data.
    pub rd_resp_data: Signal<Out, Bits<512>>,
    /// The read beat failed.
    pub rd_resp_error: Signal<Out, Bit>,
    /// AXI read ID (always 0).
    pub arid: Signal<Out, Bits<16>>,
    /// AXI burst address.
    pub araddr: Signal<Out, Bits<64>>,
    /// AXI burst length minus one.
    pub arlen: Signal<Out, Bits<8>>,
    /// AXI beat size (6: 64 bytes).
    pub arsize: Signal<Out, Bits<3>>,
    /// AXI read address valid.
    pub arvalid: Signal<Out, Bit>,
    /// AXI read address accepted.
    pub arready: Signal<In, Bit>,
    /// AXI read data ID.
    pub rid: Signal<In, Bits<16>>,
    /// AXI read data.
    pub rdata: Signal<In, Bits<512>>,
    /// AXI read response.
    pub rresp: Signal<In, Bits<2>>,
    /// AXI last beat of a burst.
    pub rlast: Signal<In, Bit>,
    /// AXI read data valid.
    pub rvalid: Signal<In, Bit>,
    /// AXI read data taken.
    pub rready: Signal<Out, Bit>,
    busy: DFF<Bit>,
    cur_addr: DFF<Bits<64>>,
    beats_left: DFF<Bits<32>>,
    outstanding: DFF<Bits<8>>,
    to_page_end: Signal<Local, Bits<32>>,
    burst: Signal<Local, Bits<32>>,
    burst_len: Signal<Local, Bits<8>>,
    ar_fire: Signal<Local, Bit>,
    last_fire: Signal<Local, Bit>,
    k_max_bursts: Constant<Bits<8>>,
    k_page_beats: Constant<Bits<32>>,
    k_id: Constant<Bits<16>>,
    k_size: Constant<Bits<3>>,
    k_okay: Constant<Bits<2>>,
    k_zero32: Constant<Bits<32>>,
}

impl AxiReadMaster {
    /// A read master allowing `max_bursts` (1..=255) outstanding bursts.
    pub fn new(max_bursts: usize) -> Self {
        assert!(
            (1..=255).contains(&max_bursts),
            "1..=255 outstanding bursts"
        );
        Self {
            clock: Default::default(),
            rd_req_valid: Default::default(),
            rd_req_ready: Default::default(),
            rd_req_addr: Default::default(),
            rd_req_beats: Default::default(),
            rd_resp_valid: Default::default(),
            rd_resp_ready: Default::default(),
            rd_resp_data: Default::default(),
            rd_resp_error: Default::default(),
            arid: Default::default(),
            araddr: Default::default(),
            arlen: Default::default(),
            arsize: Default::default(),
            arvalid: Default::default(),
            arready: Default::default(),
            rid: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            rlast: Default::default(),
            rvalid: Default::default(),
            rready: Default::default(),
            busy: Default::default(),
            cur_addr: Default::default(),
            beats_left: Default::default(),
            outstanding: Default::default(),
            to_page_end: Default::default(),
            burst: Default::default(),
            burst_len: Default::default(),
            ar_fire: Default::default(),
            last_fire: Default::default(),
            k_max_bursts: Constant::new((max_bursts as u64).into()),
            k_page_beats: Constant::new(64_u64.into()),
            k_id: Constant::new(0_u64.into()),
            k_size: Constant::new(6_u64.into()),
            k_okay: Constant::new(0_u64.into()),
            k_zero32: Constant::new(0_u64.into()),
        }
    }
}

impl Logic for AxiReadMaster {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, busy, cur_addr, beats_left, outstanding);

        // Take a request once the previous one is fully issued.
        self.rd_req_ready.next = !self.busy.q.val();
        if self.rd_req_valid.val() && !self.busy.q.val() {
            self.busy.d.next = self.rd_req_beats.val() != self.k_zero32.val();
            self.cur_addr.d.next = self.rd_req_addr.val();
            self.beats_left.d.next = self.rd_req_beats.val();
        }

        // The next burst: to the end of the request or of the 4 KiB page (<= 64 beats).
        self.to_page_end.next =
            self.k_page_beats.val() - bit_cast::<32, 6>(self.cur_addr.q.val().get_bits::<6>(6));
        self.burst.next = self.to_page_end.val();
        if self.beats_left.q.val() < self.to_page_end.val() {
            self.burst.next = self.beats_left.q.val();
        }
        self.arid.next = self.k_id.val();
        self.araddr.next = self.cur_addr.q.val();
        self.burst_len.next = bit_cast::<8, 32>(self.burst.val()) - 1;
        self.arlen.next = self.burst_len.val();
        self.arsize.next = self.k_size.val();
        self.arvalid.next =
            self.busy.q.val() && (self.outstanding.q.val() < self.k_max_bursts.val());
        self.ar_fire.next = self.arvalid.val() && self.arready.val();
        if self.ar_fire.val() {
            self.cur_addr.d.next =
                self.cur_addr.q.val() + (bit_cast::<64, 32>(self.burst.val()) << 6);
            self.beats_left.d.next = self.beats_left.q.val() - self.burst.val();
            if self.beats_left.q.val() == self.burst.val() {
                self.busy.d.next = false;
            }
        }

        // R beats straight to the core, in order.
        self.rd_resp_valid.next = self.rvalid.val();
        self.rd_resp_data.next = self.rdata.val();
        self.rd_resp_error.next =
            (self.rresp.val() != self.k_okay.val()) | (self.rid.val() != self.k_id.val());
        self.rready.next = self.rd_resp_ready.val();
        self.last_fire.next = self.rvalid.val() && self.rd_resp_ready.val() && self.rlast.val();

        // Outstanding bursts: up on AR, down on the last R beat.
        if self.ar_fire.val() && !self.last_fire.val() {
            self.outstanding.d.next = self.outstanding.q.val() + 1;
        }
        if !self.ar_fire.val() && self.last_fire.val() {
            self.outstanding.d.next = self.outstanding.q.val() - 1;
        }
    }
}
