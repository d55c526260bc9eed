// cl_fpevm_f2.sv: the fpevm core as an AWS F2 custom logic (CL) for the F2 HDK's
// "shell_stable" (small shell, no shell DMA engine). `make f1-build AWS_SHELL=f2` installs it
// as design/cl_fpevm.sv. Written for this project; NOT synthesized here.
//
// Same core, same host API as on F1 (fpga_pci_* on AppPF BAR0, the core masters host memory
// over PCIM); what differs is the shell's port list:
// - OCL AXI-Lite is ocl_cl_* / cl_ocl_* (with 55-bit awuser/aruser, unused here);
// - PCIM is full AXI4: burst, cache, lock, prot, qos, user and wid outputs are driven below
//   (INCR bursts, everything else 0), ruser is ignored;
// - the DDR interface still needs the HDK's sh_ddr, through its unused_ddr_template.inc;
// - HBM monitor APB, the C2C PCIe endpoint/root-port pins, SDA and DMA PCIS are tied off
//   here by hand, as the F2 HDK's examples do.
//
// Provenance and status
// - Port names and widths are those of the F2 HDK's shell_stable cl_ports.vh, read from the
//   aws-fpga repository, not checked by Vivado. The tie-off values of hbm_apb_pready_* and
//   PCIE_RP_PERSTN differ between AWS's own examples; 0 is used here.
// - PCIM bursts must not cross 4 KiB; the core's 64-byte aligned beats never do.
// - rst_main_n unused and FLR acknowledged at once, as in cl_fpevm.sv (F1).
// - Never synthesized, placed or run on hardware in this repository.

`include "cl_fpevm_defines.vh"

module cl_fpevm (
  `include "cl_ports.vh"
);

  // ---- DDR: the HDK's template (instantiates sh_ddr with no controller) ----
  `include "unused_ddr_template.inc"

  // ---- ids, status, LEDs, debug ----
  assign cl_sh_id0 = `CL_SH_ID0;
  assign cl_sh_id1 = `CL_SH_ID1;
  assign cl_sh_status0 = 32'h0;
  assign cl_sh_status1 = 32'h0;
  assign cl_sh_status2 = 32'h0;
  assign cl_sh_status_vled = 16'h0;
  assign tdo = 1'b0;

  // ---- function-level reset: acknowledged one clock after it is asserted ----
  logic flr_done_q = 1'b0;
  always_ff @(posedge clk_main_a0) flr_done_q <= sh_cl_flr_assert;
  assign cl_sh_flr_done = flr_done_q;

  // ---- interrupts: none ----
  assign cl_sh_apppf_irq_req = 16'h0;

  // ---- DMA PCIS (host writes into the CL): not used ----
  assign cl_sh_dma_wr_full = 1'b0;
  assign cl_sh_dma_rd_full = 1'b0;
  assign cl_sh_dma_pcis_awready = 1'b0;
  assign cl_sh_dma_pcis_wready = 1'b0;
  assign cl_sh_dma_pcis_bid = 16'h0;
  assign cl_sh_dma_pcis_bresp = 2'b0;
  assign cl_sh_dma_pcis_bvalid = 1'b0;
  assign cl_sh_dma_pcis_arready = 1'b0;
  assign cl_sh_dma_pcis_rid = 16'h0;
  assign cl_sh_dma_pcis_rdata = 512'h0;
  assign cl_sh_dma_pcis_rresp = 2'b0;
  assign cl_sh_dma_pcis_rlast = 1'b0;
  assign cl_sh_dma_pcis_ruser = 64'h0;
  assign cl_sh_dma_pcis_rvalid = 1'b0;

  // ---- SDA AXI-Lite (MgmtPF BAR4): not used ----
  assign cl_sda_awready = 1'b0;
  assign cl_sda_wready = 1'b0;
  assign cl_sda_bresp = 2'b0;
  assign cl_sda_bvalid = 1'b0;
  assign cl_sda_arready = 1'b0;
  assign cl_sda_rdata = 32'h0;
  assign cl_sda_rresp = 2'b0;
  assign cl_sda_rvalid = 1'b0;

  // ---- HBM monitor APB: not used ----
  assign hbm_apb_paddr_0 = 22'h0;
  assign hbm_apb_pprot_0 = 3'h0;
  assign hbm_apb_psel_0 = 1'b0;
  assign hbm_apb_penable_0 = 1'b0;
  assign hbm_apb_pwrite_0 = 1'b0;
  assign hbm_apb_pwdata_0 = 32'h0;
  assign hbm_apb_pstrb_0 = 4'h0;
  assign hbm_apb_pready_0 = 1'b0;
  assign hbm_apb_prdata_0 = 32'h0;
  assign hbm_apb_pslverr_0 = 1'b0;
  assign hbm_apb_paddr_1 = 22'h0;
  assign hbm_apb_pprot_1 = 3'h0;
  assign hbm_apb_psel_1 = 1'b0;
  assign hbm_apb_penable_1 = 1'b0;
  assign hbm_apb_pwrite_1 = 1'b0;
  assign hbm_apb_pwdata_1 = 32'h0;
  assign hbm_apb_pstrb_1 = 4'h0;
  assign hbm_apb_pready_1 = 1'b0;
  assign hbm_apb_prdata_1 = 32'h0;
  assign hbm_apb_pslverr_1 = 1'b0;

  // ---- C2C PCIe endpoint / root port: not used ----
  assign PCIE_EP_TXP = 8'h0;
  assign PCIE_EP_TXN = 8'h0;
  assign PCIE_RP_PERSTN = 1'b0;
  assign PCIE_RP_TXP = 8'h0;
  assign PCIE_RP_TXN = 8'h0;

  // ---- PCIM AXI4 fields the core's adapter does not have ----
  assign cl_sh_pcim_awburst = 2'b01;  // INCR
  assign cl_sh_pcim_awcache = 4'h0;
  assign cl_sh_pcim_awlock = 1'b0;
  assign cl_sh_pcim_awprot = 3'h0;
  assign cl_sh_pcim_awqos = 4'h0;
  assign cl_sh_pcim_awuser = 55'h0;
  assign cl_sh_pcim_wid = 16'h0;
  assign cl_sh_pcim_wuser = 64'h0;
  assign cl_sh_pcim_arburst = 2'b01;  // INCR
  assign cl_sh_pcim_arcache = 4'h0;
  assign cl_sh_pcim_arlock = 1'b0;
  assign cl_sh_pcim_arprot = 3'h0;
  assign cl_sh_pcim_arqos = 4'h0;
  assign cl_sh_pcim_aruser = 55'h0;

  // ---- the fpevm core ----
  fpevm_shell fpevm (
    .clock          (clk_main_a0),

    // OCL AXI-Lite slave (AppPF BAR0): the core's registers
    .ocl_awvalid    (ocl_cl_awvalid),
    .ocl_awaddr     (ocl_cl_awaddr),
    .ocl_awready    (cl_ocl_awready),
    .ocl_wvalid     (ocl_cl_wvalid),
    .ocl_wdata      (ocl_cl_wdata),
    .ocl_wstrb      (ocl_cl_wstrb),
    .ocl_wready     (cl_ocl_wready),
    .ocl_bvalid     (cl_ocl_bvalid),
    .ocl_bresp      (cl_ocl_bresp),
    .ocl_bready     (ocl_cl_bready),
    .ocl_arvalid    (ocl_cl_arvalid),
    .ocl_araddr     (ocl_cl_araddr),
    .ocl_arready    (cl_ocl_arready),
    .ocl_rvalid     (cl_ocl_rvalid),
    .ocl_rdata      (cl_ocl_rdata),
    .ocl_rresp      (cl_ocl_rresp),
    .ocl_rready     (ocl_cl_rready),

    // PCIM AXI4 master: the core's DMA into host memory
    .pcim_awid      (cl_sh_pcim_awid),
    .pcim_awaddr    (cl_sh_pcim_awaddr),
    .pcim_awlen     (cl_sh_pcim_awlen),
    .pcim_awsize    (cl_sh_pcim_awsize),
    .pcim_awvalid   (cl_sh_pcim_awvalid),
    .pcim_awready   (sh_cl_pcim_awready),
    .pcim_wdata     (cl_sh_pcim_wdata),
    .pcim_wstrb     (cl_sh_pcim_wstrb),
    .pcim_wlast     (cl_sh_pcim_wlast),
    .pcim_wvalid    (cl_sh_pcim_wvalid),
    .pcim_wready    (sh_cl_pcim_wready),
    .pcim_bid       (sh_cl_pcim_bid),
    .pcim_bresp     (sh_cl_pcim_bresp),
    .pcim_bvalid    (sh_cl_pcim_bvalid),
    .pcim_bready    (cl_sh_pcim_bready),
    .pcim_arid      (cl_sh_pcim_arid),
    .pcim_araddr    (cl_sh_pcim_araddr),
    .pcim_arlen     (cl_sh_pcim_arlen),
    .pcim_arsize    (cl_sh_pcim_arsize),
    .pcim_arvalid   (cl_sh_pcim_arvalid),
    .pcim_arready   (sh_cl_pcim_arready),
    .pcim_rid       (sh_cl_pcim_rid),
    .pcim_rdata     (sh_cl_pcim_rdata),
    .pcim_rresp     (sh_cl_pcim_rresp),
    .pcim_rlast     (sh_cl_pcim_rlast),
    .pcim_rvalid    (sh_cl_pcim_rvalid),
    .pcim_rready    (cl_sh_pcim_rready)
  );

endmodule
