# The README's two commands: `make run` and `make test`. CMake + Ninja + CTest do the work.
.PHONY: all deps build run test test-deps test-dev test-asan fuzz bench clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
OWED := build/release/owed

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS)

# Generates a demo book, imports it into demo/owed.db, and shows aging and KPIs.
run: build
	@scripts/demo.sh $(OWED)

test: test-dev test-asan

test-deps:
	@scripts/deps.sh test

test-dev: test-deps
	@cmake --preset dev >/dev/null
	@cmake --build build/dev -j $(JOBS)
	@cd build/dev && ctest --output-on-failure -j $(JOBS)

# Under the sanitizers: every unit test (the PostgreSQL store's included) and every
# integration test on SQLite. The integration tests on PostgreSQL run once, in test-dev:
# they exercise the same C above the store as the SQLite run, and the sanitized store code
# is covered by unit-pg/*; running them twice would add six minutes to every CI run.
test-asan: test-deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS) -E '^integration-pg/'

# Runs every libFuzzer harness for FUZZ_SECONDS over its corpus (not part of `make test`).
FUZZ_SECONDS ?= 30
fuzz:
	@scripts/deps.sh fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/deps.sh bench
	@bench/run
	@bench/run-bank
	@bench/run-dunning
	@bench/run-api
	@bench/run-docs

clean:
	rm -rf build demo
