# encrypt.tcl for cl_fpevm on F1 (shell v04261818), written for this project after the HDK's
# documented flow: aws_build_dcp_from_cl.sh sources it to copy the CL's sources and the HDK's
# tie-off templates into build/src_post_encryption and encrypt them with the HDK's keys.
# Only the files cl_fpevm.sv includes are listed. Not run here.

set HDK_SHELL_DIR $::env(HDK_SHELL_DIR)
set HDK_SHELL_DESIGN_DIR $::env(HDK_SHELL_DESIGN_DIR)
set CL_DIR $::env(CL_DIR)
set TARGET_DIR $CL_DIR/build/src_post_encryption
set TEMPLATES $HDK_SHELL_DESIGN_DIR/interfaces

exec rm -f {*}[glob -nocomplain $TARGET_DIR/*]

foreach f {cl_fpevm.sv cl_fpevm_defines.vh fpevm_shell.v} {
    file copy -force $CL_DIR/design/$f $TARGET_DIR
}
foreach t {unused_ddr_a_b_d_template.inc unused_ddr_c_template.inc unused_dma_pcis_template.inc
           unused_cl_sda_template.inc unused_sh_bar1_template.inc unused_apppf_irq_template.inc} {
    file copy -force $TEMPLATES/$t $TARGET_DIR
}

exec chmod +w {*}[glob $TARGET_DIR/*]
encrypt -k $HDK_SHELL_DIR/build/scripts/vivado_keyfile.txt -lang verilog \
    [glob -nocomplain -- $TARGET_DIR/*.{v,sv}] \
    [glob -nocomplain -- $TARGET_DIR/*.vh] \
    [glob -nocomplain -- $TARGET_DIR/*.inc]
