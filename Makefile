# fpevm — the two commands a newcomer runs are `make demo` and `make test`; both set up first.
SHELL := /bin/bash
CARGO ?= cargo
CORPUS ?= ../shared/corpus
VERILOG_OUT ?= out/verilog

.PHONY: setup demo test test-slow bench verilog lint f1-build

setup:
	@bash scripts/setup.sh

demo: setup
	$(CARGO) run --release -q -p fpevm -- demo

# The suite CI runs. Its wall time is printed so it stays far from CI's limit.
test: setup
	@mkdir -p target; start=$$(date +%s); \
	$(CARGO) test --workspace --release --no-fail-fast 2>&1 | tee target/test.log; status=$${PIPESTATUS[0]}; \
	echo "test wall time: $$(( $$(date +%s) - start )) s"; \
	grep -E '^test result:' target/test.log | awk '{p+=$$4; f+=$$6} END {print p " passed, " f " failed"}'; \
	exit $$status

# Slow suites kept out of CI: every fork of every vector, every mainnet block, repeated.
test-slow: setup
	$(CARGO) build --release -q -p fpevm
	./target/release/fpevm statetest $(CORPUS)/ethereum-tests/GeneralStateTests --forks all --threads 2
	./target/release/fpevm blocktest $(CORPUS)/ethereum-tests/BlockchainTests --forks all --threads 2
	./target/release/fpevm mainnet $(CORPUS)/mainnet --threads 2 --repeat 3

bench: setup
	$(CARGO) bench -p fpevm-bench

# The core's Verilog (default configuration; ENGINES=E ROUNDS=R for another), linted with
# Verilator -Wall; the only waivers are for rust-hdl's own generated code (hdl/lint.vlt).
ENGINES ?= 4
ROUNDS ?= 2
verilog: setup
	@mkdir -p $(VERILOG_OUT)
	$(CARGO) run --release -q -p fpevm-hdl --bin fpevm-verilog -- $(VERILOG_OUT)/fpevm_core.v $(ENGINES) $(ROUNDS)
	verilator --lint-only -Wall --top-module top hdl/lint.vlt $(VERILOG_OUT)/fpevm_core.v
	@echo "lint clean: $(VERILOG_OUT)/fpevm_core.v"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The core as an AWS custom logic directory for the HDK build flow (out/f1/cl_fpevm, or
# CL_DIR=...; AWS_SHELL=f2 for F2's shell; HDK_DIR to copy the HDK's flow scripts). Prints the
# Vivado build step to run next; never run in CI. See docs/aws.md.
f1-build: setup
	@ENGINES=$(ENGINES) ROUNDS=$(ROUNDS) CARGO=$(CARGO) $(if $(CL_DIR),CL_DIR=$(CL_DIR)) $(if $(AWS_SHELL),AWS_SHELL=$(AWS_SHELL)) bash scripts/f1-build.sh
