//! AXI-Lite slave (F1's OCL BAR, 32-bit address and data) in front of the core's register
//! port.
//!
//! Rules:
//! - AW and W are taken independently (`awready` while no address is held, `wready` while no
//!   data is held), so they may arrive in either order or together. The write is performed
//!   in the cycle after both are held, and only once the previous B response has been taken:
//!   back-pressure on B stalls further writes, never drops a response.
//! - Only full-word writes (`wstrb = 0xF`) are performed. Any other strobe is answered with
//!   SLVERR and the register is left unchanged.
//! - Addresses are decoded on all 32 bits: the core's registers are `0x00..=0xFF`; a write
//!   above that is ignored (answered OKAY) and a read above it returns 0 (OKAY). Offsets that
//!   name no register behave as the core defines (reads return 0, writes do nothing).
//! - A read is taken (`arready`) only while no read response waits and no write is being
//!   performed (the core's register port has one address); its data is captured in the
//!   handshake cycle and held in R until `rready`.

use rust_hdl::prelude::*;

/// AXI-Lite slave mapping OCL reads and writes onto the core's register port.
#[derive(LogicBlock)]
pub struct AxiLiteSlave {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Write address valid.
    pub awvalid: Signal<In, Bit>,
    /// Write address.
    pub awaddr: Signal<In, Bits<32>>,
    /// Write address accepted.
    pub awready: Signal<Out, Bit>,
    /// Write data valid.
    pub wvalid: Signal<In, Bit>,
    /// Write data.
    pub wdata: Signal<In, Bits<32>>,
    /// Write byte strobes.
    pub wstrb: Signal<In, Bits<4>>,
    /// Write data accepted.
    pub wready: Signal<Out, Bit>,
    /// Write response valid.
    pub bvalid: Signal<Out, Bit>,
    /// Write response (OKAY or SLVERR).
    pub bresp: Signal<Out, Bits<2>>,
    /// Write response taken.
    pub bready: Signal<In, Bit>,
    /// Read address valid.
    pub arvalid: Signal<In, Bit>,
    /// Read address.
    pub araddr: Signal<In, Bits<32>>,
    /// Read address accepted.
    pub arready: Signal<Out, Bit>,
    /// Read data valid.
    pub rvalid: Signal<Out, Bit>,
    /// Read data.
    pub rdata: Signal<Out, Bits<32>>,
    /// Read response (always OKAY).
    pub rresp: Signal<Out, Bits<2>>,
    /// Read data taken.
    pub rready: Signal<In, Bit>,
    /// Core register write strobe.
    pub reg_wr: Signal<Out, Bit>,
    /// Core register byte offset.
    pub reg_addr: Signal<Out, Bits<8>>,
    /// Core register write data.
    pub reg_wdata: Signal<Out, Bits<32>>,
    /// Core register read data (of `reg_addr`).
    pub reg_rdata: Signal<In, Bits<32>>,
    aw_held: DFF<Bit>,
    aw_addr: DFF<Bits<32>>,
    w_held: DFF<Bit>,
    w_data: DFF<Bits<32>>,
    w_strb: DFF<Bits<4>>,
    b_pending: DFF<Bit>,
    b_code: DFF<Bits<2>>,
    r_pending: DFF<Bit>,
    r_data: DFF<Bits<32>>,
    do_write: Signal<Local, Bit>,
    can_read: Signal<Local, Bit>,
    full_word: Signal<Local, Bit>,
    w_in_core: Signal<Local, Bit>,
    r_in_core: Signal<Local, Bit>,
    k_full_strb: Constant<Bits<4>>,
    k_okay: Constant<Bits<2>>,
    k_slverr: Constant<Bits<2>>,
    k_zero24: Constant<Bits<24>>,
    k_zero32: Constant<Bits<32>>,
}

impl AxiLiteSlave {
    /// A slave with its constants set.
    pub fn new() -> Self {
        Self {
            k_full_strb: Constant::new(0xF_u64.into()),
            k_okay: Constant::new(0_u64.into()),
            k_slverr: Constant::new(2_u64.into()),
            k_zero24: Constant::new(0_u64.into()),
            k_zero32: Constant::new(0_u64.into()),
            clock: Default::default(),
            awvalid: Default::default(),
            awaddr: Default::default(),
            awready: Default::default(),
            wvalid: Default::default(),
            wdata: Default::default(),
            wstrb: Default::default(),
            wready: Default::default(),
            bvalid: Default::default(),
            bresp: Default::default(),
            bready: Default::default(),
            arvalid: Default::default(),
            araddr: Default::default(),
            arready: Default::default(),
            rvalid: Default::default(),
            rdata: Default::default(),
            rresp: Default::default(),
            rready: Default::default(),
            reg_wr: Default::default(),
            reg_addr: Default::default(),
            reg_wdata: Default::default(),
            reg_rdata: Default::default(),
            aw_held: Default::default(),
            aw_addr: Default::default(),
            w_held: Default::default(),
            w_data: Default::default(),
            w_strb: Default::default(),
            b_pending: Default::default(),
            b_code: Default::default(),
            r_pending: Default::default(),
            r_data: Default::default(),
            do_write: Default::default(),
            can_read: Default::default(),
            full_word: Default::default(),
            w_in_core: Default::default(),
            r_in_core: Default::default(),
        }
    }
}

impl Logic for AxiLiteSlave {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, aw_held, aw_addr, w_held, w_data, w_strb, b_pending, b_code, r_pending,
            r_data
        );

        // Write channels: each holds one beat until the write is performed.
        self.awready.next = !self.aw_held.q.val();
        self.wready.next = !self.w_held.q.val();
        if self.awvalid.val() && !self.aw_held.q.val() {
            self.aw_held.d.next = true;
            self.aw_addr.d.next = self.awaddr.val();
        }
        if self.wvalid.val() && !self.w_held.q.val() {
            self.w_held.d.next = true;
            self.w_data.d.next = self.wdata.val();
            self.w_strb.d.next = self.wstrb.val();
        }

        // Perform a held write once its previous response has been taken.
        self.do_write.next = self.aw_held.q.val() && self.w_held.q.val() && !self.b_pending.q.val();
        self.full_word.next = self.w_strb.q.val() == self.k_full_strb.val();
        self.w_in_core.next = self.aw_addr.q.val().get_bits::<24>(8) == self.k_zero24.val();
        self.r_in_core.next = self.araddr.val().get_bits::<24>(8) == self.k_zero24.val();
        self.reg_wr.next = false;
        self.reg_wdata.next = self.w_data.q.val();
        // The port's address: the held write's while it is performed, else the read's.
        // (Computed from registers and inputs only, apart from the read capture below, so
        // that Verilator can order it before the core's `reg_rdata`.)
        self.reg_addr.next = self.araddr.val().get_bits::<8>(0);
        if self.aw_held.q.val() && self.w_held.q.val() && !self.b_pending.q.val() {
            self.reg_addr.next = self.aw_addr.q.val().get_bits::<8>(0);
        }
        if self.do_write.val() {
            self.reg_wr.next = self.full_word.val() && self.w_in_core.val();
            self.aw_held.d.next = false;
            self.w_held.d.next = false;
            self.b_pending.d.next = true;
            if self.full_word.val() {
                self.b_code.d.next = self.k_okay.val();
            } else {
                self.b_code.d.next = self.k_slverr.val();
            }
        }
        self.bvalid.next = self.b_pending.q.val();
        self.bresp.next = self.b_code.q.val();
        if self.b_pending.q.val() && self.bready.val() {
            self.b_pending.d.next = false;
        }

        // Reads: capture the register in the handshake cycle, hold it until taken.
        self.can_read.next = !self.r_pending.q.val() && !self.do_write.val();
        self.arready.next = self.can_read.val();
        if self.arvalid.val() && self.can_read.val() {
            self.r_pending.d.next = true;
            if self.r_in_core.val() {
                self.r_data.d.next = self.reg_rdata.val();
            } else {
                self.r_data.d.next = self.k_zero32.val();
            }
        }
        self.rvalid.next = self.r_pending.q.val();
        self.rdata.next = self.r_data.q.val();
        self.rresp.next = self.k_okay.val();
        if self.r_pending.q.val() && self.rready.val() {
            self.r_pending.d.next = false;
        }
    }
}

impl Default for AxiLiteSlave {
    fn default() -> Self {
        Self::new()
    }
}
