#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test fpevm: Verilator (the simulated
# FPGA core) and libclang (bindgen for the AWS FPGA SDK bindings). Idempotent: apt runs only when
# something is missing.
set -euo pipefail

missing=()
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
if ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1 && ! ls /usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so* /usr/lib/x86_64-linux-gnu/libclang.so* >/dev/null 2>&1; then
    missing+=(libclang-dev)
fi
command -v make >/dev/null 2>&1 || missing+=(make)

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: everything is installed ($(verilator --version | head -n1))"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup: installed ($(verilator --version | head -n1))"
