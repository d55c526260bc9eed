#!/usr/bin/env bash
# Lints a CL top (hdl/f1/cl_fpevm.sv or cl_fpevm_f2.sv) with Verilator -Wall against the
# stand-in shell port lists here and a generated fpevm_shell.v: catches port names, widths
# and undriven outputs on the fpevm side. It does not check the HDK's templates or timing.
# Usage: lint.sh f1|f2 FPEVM_SHELL_V
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shell=$1
verilog=$2
case "$shell" in
    f1) top=$here/../cl_fpevm.sv ;;
    f2) top=$here/../cl_fpevm_f2.sv ;;
    *) echo "lint.sh: f1 or f2, not '$shell'" >&2; exit 2 ;;
esac
# Shell inputs the CL leaves unused are expected (UNUSEDSIGNAL); hdl/lint.vlt waives what
# rust-hdl's generated code needs.
verilator --lint-only -Wall -Wno-UNUSEDSIGNAL -Wno-DECLFILENAME \
    -I"$here/$shell" -I"$here/.." --top-module cl_fpevm \
    "$here/../../lint.vlt" "$top" "$verilog"
