// cl_fpevm_defines.vh: the PCI ids the fpevm custom logic reports to the AWS shell
// (cl_sh_id0/cl_sh_id1). The AFI records them when it is created from the design checkpoint;
// `fpevm device list` and `fpga-describe-local-image` show them once it is loaded, and a CL
// that reports other ids at load time fails with cl-id-mismatch. Vendor 0x1D0F is Amazon's,
// as in the HDK's examples; the device id 0xF0E7 is this project's choice.
`ifndef CL_FPEVM_DEFINES
`define CL_FPEVM_DEFINES

// [15:0] PCI vendor id, [31:16] PCI device id.
`define CL_SH_ID0 32'hF0E7_1D0F
// [15:0] PCI subsystem vendor id, [31:16] PCI subsystem id.
`define CL_SH_ID1 32'h0001_FEDD

`endif
