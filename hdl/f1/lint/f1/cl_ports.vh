// Lint stand-in for the HDK's cl_ports.vh (f1): the shell ports cl_fpevm drives or reads, typed
// for this project from the HDK's port list (names, widths, directions). Only for Verilator;
// the real build includes the HDK's own file.
  input clk_main_a0, input rst_main_n, input sh_cl_flr_assert, output logic cl_sh_flr_done,
  output logic [31:0] cl_sh_status0, output logic [31:0] cl_sh_status1,
  output logic [31:0] cl_sh_id0, output logic [31:0] cl_sh_id1, output logic [15:0] cl_sh_status_vled,
  output logic tdo,
  output logic [15:0] cl_sh_pcim_awid, output logic [63:0] cl_sh_pcim_awaddr, output logic [7:0] cl_sh_pcim_awlen,
  output logic [2:0] cl_sh_pcim_awsize, output logic [18:0] cl_sh_pcim_awuser, output logic cl_sh_pcim_awvalid, input sh_cl_pcim_awready,
  output logic [511:0] cl_sh_pcim_wdata, output logic [63:0] cl_sh_pcim_wstrb, output logic cl_sh_pcim_wlast, output logic cl_sh_pcim_wvalid, input sh_cl_pcim_wready,
  input [15:0] sh_cl_pcim_bid, input [1:0] sh_cl_pcim_bresp, input sh_cl_pcim_bvalid, output logic cl_sh_pcim_bready,
  output logic [15:0] cl_sh_pcim_arid, output logic [63:0] cl_sh_pcim_araddr, output logic [7:0] cl_sh_pcim_arlen,
  output logic [2:0] cl_sh_pcim_arsize, output logic [18:0] cl_sh_pcim_aruser, output logic cl_sh_pcim_arvalid, input sh_cl_pcim_arready,
  input [15:0] sh_cl_pcim_rid, input [511:0] sh_cl_pcim_rdata, input [1:0] sh_cl_pcim_rresp, input sh_cl_pcim_rlast, input sh_cl_pcim_rvalid, output logic cl_sh_pcim_rready,
  input sh_ocl_awvalid, input [31:0] sh_ocl_awaddr, output logic ocl_sh_awready,
  input sh_ocl_wvalid, input [31:0] sh_ocl_wdata, input [3:0] sh_ocl_wstrb, output logic ocl_sh_wready,
  output logic ocl_sh_bvalid, output logic [1:0] ocl_sh_bresp, input sh_ocl_bready,
  input sh_ocl_arvalid, input [31:0] sh_ocl_araddr, output logic ocl_sh_arready,
  output logic ocl_sh_rvalid, output logic [31:0] ocl_sh_rdata, output logic [1:0] ocl_sh_rresp, input sh_ocl_rready
