# Synthesis constraints of cl_fpevm: none beyond the HDK's generated clock constraints.
# fpevm_shell runs entirely on clk_main_a0 and has no false paths or multicycle paths.
