# fpevm — the two commands a newcomer runs are `make demo` and `make test`; both set up first.
SHELL := /bin/bash
CARGO ?= cargo
CORPUS ?= ../shared/corpus
VERILOG_OUT ?= out/verilog

.PHONY: setup demo test test-slow bench verilog lint

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

verilog: setup
	@echo "the RustHDL core is not built yet (see the FPGA core issue)"; exit 1

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
