#!/usr/bin/env bash
# make f1-build: lays out the fpevm core as an AWS custom logic (CL) directory for the HDK's
# build flow, then prints the build step to run next on a machine with Vivado and the HDK.
# Nothing here runs Vivado; CI does not run this script.
#
# Environment (all optional):
#   CL_DIR     where the CL goes                      (default out/f1/cl_fpevm)
#   AWS_SHELL  f1 (shell v04261818) or f2 (shell_stable) (default f1)
#   ENGINES, ROUNDS  core configuration passed to fpevm-shell-verilog (default 4, 2)
#   HDK_DIR    the aws-fpga HDK (set by hdk_setup.sh): when set, the example CL's flow scripts
#              are copied in and renamed for cl_fpevm
#   CARGO      cargo command (default cargo)
#   F1_LINT    warn: go on when Verilator lints the CL with findings (default: stop)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CL_DIR=${CL_DIR:-out/f1/cl_fpevm}
AWS_SHELL=${AWS_SHELL:-f1}
ENGINES=${ENGINES:-4}
ROUNDS=${ROUNDS:-2}
CARGO=${CARGO:-cargo}

case "$AWS_SHELL" in
    f1) wrapper=hdl/f1/cl_fpevm.sv; example=cl_hello_world; example_dir=cl/examples/cl_hello_world ;;
    f2) wrapper=hdl/f1/cl_fpevm_f2.sv; example=CL_TEMPLATE; example_dir=cl/CL_TEMPLATE ;;
    *) echo "f1-build: AWS_SHELL must be f1 or f2, not '$AWS_SHELL'" >&2; exit 2 ;;
esac
if [ "$(basename "$CL_DIR")" != cl_fpevm ]; then
    echo "f1-build: the CL directory must be named cl_fpevm (the HDK takes the CL's module name from it): $CL_DIR" >&2
    exit 2
fi

mkdir -p "$CL_DIR"/design "$CL_DIR"/build/{scripts,constraints,src_post_encryption,checkpoints/to_aws,reports}
CL_DIR=$(cd "$CL_DIR" && pwd)

echo "f1-build: generating fpevm_shell.v (${ENGINES} engines x ${ROUNDS} rounds/clock)"
if ! $CARGO run --release -q -p fpevm-hdl --bin fpevm-shell-verilog -- \
        "$CL_DIR/design/fpevm_shell.v" "$ENGINES" "$ROUNDS"; then
    echo "f1-build: fpevm-shell-verilog failed (is the AXI shell, hdl/src/shell, in this checkout?)" >&2
    exit 1
fi
# The CL top with the generated shell, against stand-ins of the HDK's port lists: port names,
# widths and undriven outputs on the fpevm side (F1_LINT=warn to go on despite findings).
if command -v verilator >/dev/null 2>&1; then
    if hdl/f1/lint/lint.sh "$AWS_SHELL" "$CL_DIR/design/fpevm_shell.v"; then
        echo "f1-build: cl_fpevm ($AWS_SHELL) with fpevm_shell.v is lint-clean (Verilator -Wall)"
    elif [ "${F1_LINT:-fail}" = warn ]; then
        echo "f1-build: warning: Verilator reports the findings above" >&2
    else
        echo "f1-build: Verilator reports the findings above (F1_LINT=warn to go on)" >&2
        exit 1
    fi
else
    echo "f1-build: warning: no verilator, the CL was not linted (make setup installs it)" >&2
fi

cp "$wrapper" "$CL_DIR/design/cl_fpevm.sv"
cp hdl/f1/cl_fpevm_defines.vh "$CL_DIR/design/"
cp hdl/f1/build/cl_synth_user.xdc hdl/f1/build/cl_pnr_user.xdc "$CL_DIR/build/constraints/"
cp hdl/f1/build/README.md "$CL_DIR/build/scripts/README.md"
if [ "$AWS_SHELL" = f1 ]; then
    cp hdl/f1/build/encrypt_f1.tcl "$CL_DIR/build/scripts/encrypt.tcl"
fi

# The flow scripts (synthesis and place-and-route Tcl) belong to the HDK version in use: take
# them from its example CL, renamed, rather than keep copies here that would drift.
if [ -n "${HDK_DIR:-}" ] && [ -d "$HDK_DIR/$example_dir/build/scripts" ]; then
    src="$HDK_DIR/$example_dir/build/scripts"
    for f in "$src"/*; do
        name=$(basename "$f")
        case "$name" in
            encrypt.tcl) [ "$AWS_SHELL" = f1 ] && continue ;;
            *.log|*.jou) continue ;;
        esac
        target="$CL_DIR/build/scripts/${name//$example/cl_fpevm}"
        if [ -L "$f" ]; then
            ln -sfn "$(readlink -f "$f")" "$target"
        else
            sed "s/$example/cl_fpevm/g" "$f" > "$target"
            chmod --reference="$f" "$target"
        fi
    done
    echo "f1-build: flow scripts copied from $src (names changed to cl_fpevm; review them)"
else
    echo "f1-build: HDK_DIR not set: copy the flow scripts of \$HDK_DIR/$example_dir/build/scripts"
    echo "          into $CL_DIR/build/scripts yourself (rename $example to cl_fpevm)"
fi

echo
echo "f1-build: CL laid out in $CL_DIR (shell: $AWS_SHELL). Next, with Vivado and the HDK set up:"
echo "  export CL_DIR=$CL_DIR"
if [ "$AWS_SHELL" = f1 ]; then
    echo "  source \$AWS_FPGA_REPO_DIR/hdk_setup.sh"
    echo "  cd \$CL_DIR/build/scripts && ./aws_build_dcp_from_cl.sh -clock_recipe_a A1 -foreground"
else
    echo "  source \$AWS_FPGA_REPO_DIR/hdk_setup.sh"
    echo "  cd \$CL_DIR/build/scripts && ./aws_build_dcp_from_cl.py -c cl_fpevm"
fi
echo "Then create the AFI from build/checkpoints/to_aws/*.Developer_CL.tar (docs/aws.md, step 4)."
echo "f1-build: generated from $root; never synthesized by the fpevm project itself."
