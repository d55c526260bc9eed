//! `FpevmShell`: the core and its three F1 adapters, with exactly the ports of the shell
//! top contract: `clock` (F1's `clk_main_a0`), the OCL AXI-Lite slave `ocl_*` and the PCIM
//! AXI4 master `pcim_*`. There is no reset port: every register has an initial value and the
//! core has a soft reset register.
//!
//! Invariant: the core's ports are reached only through the adapters, so every rule those
//! state (burst splitting, outstanding limits, error reporting) holds for all core traffic.

use super::axi_lite_slave::AxiLiteSlave;
use super::axi_read_master::{AxiReadMaster, DEFAULT_MAX_READ_BURSTS};
use super::axi_write_master::{AxiWriteMaster, DEFAULT_MAX_WRITES};
use crate::core::FpevmCore;
use rust_hdl::prelude::*;

/// The core behind the OCL AXI-Lite slave and the PCIM AXI4 master.
#[derive(LogicBlock)]
pub struct FpevmShell {
    /// Clock (`clk_main_a0`).
    pub clock: Signal<In, Clock>,
    /// OCL write address valid.
    pub ocl_awvalid: Signal<In, Bit>,
    /// OCL write address.
    pub ocl_awaddr: Signal<In, Bits<32>>,
    /// OCL write address accepted.
    pub ocl_awready: Signal<Out, Bit>,
    /// OCL write data valid.
    pub ocl_wvalid: Signal<In, Bit>,
    /// OCL write data.
    pub ocl_wdata: Signal<In, Bits<32>>,
    /// OCL write strobes.
    pub ocl_wstrb: Signal<In, Bits<4>>,
    /// OCL write data accepted.
    pub ocl_wready: Signal<Out, Bit>,
    /// OCL write response valid.
    pub ocl_bvalid: Signal<Out, Bit>,
    /// OCL write response.
    pub ocl_bresp: Signal<Out, Bits<2>>,
    /// OCL write response taken.
    pub ocl_bready: Signal<In, Bit>,
    /// OCL read address valid.
    pub ocl_arvalid: Signal<In, Bit>,
    /// OCL read address.
    pub ocl_araddr: Signal<In, Bits<32>>,
    /// OCL read address accepted.
    pub ocl_arready: Signal<Out, Bit>,
    /// OCL read data valid.
    pub ocl_rvalid: Signal<Out, Bit>,
    /// OCL read data.
    pub ocl_rdata: Signal<Out, Bits<32>>,
    /// OCL read response.
    pub ocl_rresp: Signal<Out, Bits<2>>,
    /// OCL read data taken.
    pub ocl_rready: Signal<In, Bit>,
    /// PCIM write ID.
    pub pcim_awid: Signal<Out, Bits<16>>,
    /// PCIM write address.
    pub pcim_awaddr: Signal<Out, Bits<64>>,
    /// PCIM write burst length minus one.
    pub pcim_awlen: Signal<Out, Bits<8>>,
    /// PCIM write beat size.
    pub pcim_awsize: Signal<Out, Bits<3>>,
    /// PCIM write address valid.
    pub pcim_awvalid: Signal<Out, Bit>,
    /// PCIM write address accepted.
    pub pcim_awready: Signal<In, Bit>,
    /// PCIM write data.
    pub pcim_wdata: Signal<Out, Bits<512>>,
    /// PCIM write strobes.
    pub pcim_wstrb: Signal<Out, Bits<64>>,
    /// PCIM last write beat.
    pub pcim_wlast: Signal<Out, Bit>,
    /// PCIM write data valid.
    pub pcim_wvalid: Signal<Out, Bit>,
    /// PCIM write data accepted.
    pub pcim_wready: Signal<In, Bit>,
    /// PCIM write response ID.
    pub pcim_bid: Signal<In, Bits<16>>,
    /// PCIM write response.
    pub pcim_bresp: Signal<In, Bits<2>>,
    /// PCIM write response valid.
    pub pcim_bvalid: Signal<In, Bit>,
    /// PCIM write response taken.
    pub pcim_bready: Signal<Out, Bit>,
    /// PCIM read ID.
    pub pcim_arid: Signal<Out, Bits<16>>,
    /// PCIM read address.
    pub pcim_araddr: Signal<Out, Bits<64>>,
    /// PCIM read burst length minus one.
    pub pcim_arlen: Signal<Out, Bits<8>>,
    /// PCIM read beat size.
    pub pcim_arsize: Signal<Out, Bits<3>>,
    /// PCIM read address valid.
    pub pcim_arvalid: Signal<Out, Bit>,
    /// PCIM read address accepted.
    pub pcim_arready: Signal<In, Bit>,
    /// PCIM read data ID.
    pub pcim_rid: Signal<In, Bits<16>>,
    /// PCIM read data.
    pub pcim_rdata: Signal<In, Bits<512>>,
    /// PCIM read response.
    pub pcim_rresp: Signal<In, Bits<2>>,
    /// PCIM last read beat.
    pub pcim_rlast: Signal<In, Bit>,
    /// PCIM read data valid.
    pub pcim_rvalid: Signal<In, Bit>,
    /// PCIM read data taken.
    pub pcim_rready: Signal<Out, Bit>,
    core: FpevmCore,
    lite: AxiLiteSlave,
    rd: AxiReadMaster,
    wr: AxiWriteMaster,
}

impl FpevmShell {
    /// A shell around a core of `engines` engines and `rounds` rounds per clock, with the
    /// default outstanding limits.
    pub fn new(engines: usize, rounds: usize) -> Self {
        Self::with_limits(engines, rounds, DEFAULT_MAX_READ_BURSTS, DEFAULT_MAX_WRITES)
    }

    /// A shell allowing `max_read_bursts` outstanding PCIM read bursts and `max_writes`
    /// outstanding PCIM writes.
    pub fn with_limits(
        engines: usize,
        rounds: usize,
        max_read_bursts: usize,
        max_writes: usize,
    ) -> Self {
        Self {
            clock: Default::default(),
            ocl_awvalid: Default::default(),
            ocl_awaddr: Default::default(),
            ocl_awready: Default::default(),
            ocl_wvalid: Default::default(),
            ocl_wdata: Default::default(),
            ocl_wstrb: Default::default(),
            ocl_wready: Default::default(),
            ocl_bvalid: Default::default(),
            ocl_bresp: Default::default(),
            ocl_bready: Default::default(),
            ocl_arvalid: Default::default(),
            ocl_araddr: Default::default(),
            ocl_arready: Default::default(),
            ocl_rvalid: Default::default(),
            ocl_rdata: Default::default(),
            ocl_rresp: Default::default(),
            ocl_rready: Default::default(),
            pcim_awid: Default::default(),
            pcim_awaddr: Default::default(),
            pcim_awlen: Default::default(),
            pcim_awsize: Default::default(),
            pcim_awvalid: Default::default(),
            pcim_awready: Default::default(),
            pcim_wdata: Default::default(),
            pcim_wstrb: Default::default(),
            pcim_wlast: Default::default(),
            pcim_wvalid: Default::default(),
            pcim_wready: Default::default(),
            pcim_bid: Default::default(),
            pcim_bresp: Default::default(),
            pcim_bvalid: Default::default(),
            pcim_bready: Default::default(),
            pcim_arid: Default::default(),
            pcim_araddr: Default::default(),
            pcim_arlen: Default::default(),
            pcim_arsize: Default::default(),
            pcim_arvalid: Default::default(),
            pcim_arready: Default::default(),
            pcim_rid: Default::default(),
            pcim_rdata: Default::default(),
            pcim_rresp: Default::default(),
            pcim_rlast: Default::default(),
            pcim_rvalid: Default::default(),
            pcim_rready: Default::default(),
            core: FpevmCore::new(engines, rounds),
            lite: AxiLiteSlave::new(),
            rd: AxiReadMaster::new(max_read_bursts),
            wr: AxiWriteMaster::new(max_writes),
        }
    }

    /// Connects the top-level inputs, for Verilog generation of the shell as its top module.
    pub fn connect_top(&mut self) {
        self.clock.connect();
        self.ocl_awvalid.connect();
        self.ocl_awaddr.connect();
        self.ocl_wvalid.connect();
        self.ocl_wdata.connect();
        self.ocl_wstrb.connect();
        self.ocl_bready.connect();
        self.ocl_arvalid.connect();
        self.ocl_araddr.connect();
        self.ocl_rready.connect();
        self.pcim_awready.connect();
        self.pcim_wready.connect();
        self.pcim_bid.connect();
        self.pcim_bresp.connect();
        self.pcim_bvalid.connect();
        self.pcim_arready.connect();
        self.pcim_rid.connect();
        self.pcim_rdata.connect();
        self.pcim_rresp.connect();
        self.pcim_rlast.connect();
        self.pcim_rvalid.connect();
        self.connect_all();
    }
}

impl Logic for FpevmShell {
    #[hdl_gen]
    fn update(&mut self) {
        self.core.clock.next = self.clock.val();
        self.lite.clock.next = self.clock.val();
        self.rd.clock.next = self.clock.val();
        self.wr.clock.next = self.clock.val();

        // OCL <-> AXI-Lite slave <-> register port.
        self.lite.awvalid.next = self.ocl_awvalid.val();
        self.lite.awaddr.next = self.ocl_awaddr.val();
        self.ocl_awready.next = self.lite.awready.val();
        self.lite.wvalid.next = self.ocl_wvalid.val();
        self.lite.wdata.next = self.ocl_wdata.val();
        self.lite.wstrb.next = self.ocl_wstrb.val();
        self.ocl_wready.next = self.lite.wready.val();
        self.ocl_bvalid.next = self.lite.bvalid.val();
        self.ocl_bresp.next = self.lite.bresp.val();
        self.lite.bready.next = self.ocl_bready.val();
        self.lite.arvalid.next = self.ocl_arvalid.val();
        self.lite.araddr.next = self.ocl_araddr.val();
        self.ocl_arready.next = self.lite.arready.val();
        self.ocl_rvalid.next = self.lite.rvalid.val();
        self.ocl_rdata.next = self.lite.rdata.val();
        self.ocl_rresp.next = self.lite.rresp.val();
        self.lite.rready.next = self.ocl_rready.val();
        self.core.reg_wr.next = self.lite.reg_wr.val();
        self.core.reg_addr.next = self.lite.reg_addr.val();
        self.core.reg_wdata.next = self.lite.reg_wdata.val();
        self.lite.reg_rdata.next = self.core.reg_rdata.val();

        // Core DMA read port <-> read master <-> PCIM read channels.
        self.rd.rd_req_valid.next = self.core.rd_req_valid.val();
        self.core.rd_req_ready.next = self.rd.rd_req_ready.val();
        self.rd.rd_req_addr.next = self.core.rd_req_addr.val();
        self.rd.rd_req_beats.next = self.core.rd_req_beats.val();
        self.core.rd_resp_valid.next = self.rd.rd_resp_valid.val();
        self.rd.rd_resp_ready.next = self.core.rd_resp_ready.val();
        self.core.rd_resp_data.next = self.rd.rd_resp_data.val();
        self.core.rd_resp_error.next = self.rd.rd_resp_error.val();
        self.pcim_arid.next = self.rd.arid.val();
        self.pcim_araddr.next = self.rd.araddr.val();
        self.pcim_arlen.next = self.rd.arlen.val();
        self.pcim_arsize.next = self.rd.arsize.val();
        self.pcim_arvalid.next = self.rd.arvalid.val();
        self.rd.arready.next = self.pcim_arready.val();
        self.rd.rid.next = self.pcim_rid.val();
        self.rd.rdata.next = self.pcim_rdata.val();
        self.rd.rresp.next = self.pcim_rresp.val();
        self.rd.rlast.next = self.pcim_rlast.val();
        self.rd.rvalid.next = self.pcim_rvalid.val();
        self.pcim_rready.next = self.rd.rready.val();

        // Core DMA write port <-> write master <-> PCIM write channels.
        self.wr.wr_valid.next = self.core.wr_valid.val();
        self.core.wr_ready.next = self.wr.wr_ready.val();
        self.wr.wr_addr.next = self.core.wr_addr.val();
        self.wr.wr_data.next = self.core.wr_data.val();
        self.wr.wr_strb.next = self.core.wr_strb.val();
        self.core.wr_error.next = self.wr.wr_error.val();
        self.pcim_awid.next = self.wr.awid.val();
        self.pcim_awaddr.next = self.wr.awaddr.val();
        self.pcim_awlen.next = self.wr.awlen.val();
        self.pcim_awsize.next = self.wr.awsize.val();
        self.pcim_awvalid.next = self.wr.awvalid.val();
        self.wr.awready.next = self.pcim_awready.val();
        self.pcim_wdata.next = self.wr.wdata.val();
        self.pcim_wstrb.next = self.wr.wstrb.val();
        self.pcim_wlast.next = self.wr.wlast.val();
        self.pcim_wvalid.next = self.wr.wvalid.val();
        self.wr.wready.next = self.pcim_wready.val();
        self.wr.bid.next = self.pcim_bid.val();
        self.wr.bresp.next = self.pcim_bresp.val();
        self.wr.bvalid.next = self.pcim_bvalid.val();
        self.pcim_bready.next = self.wr.bready.val();
    }
}
