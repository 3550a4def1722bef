# The two commands of the README's quick start. Each installs what is missing, then builds.
#   make run   build (Release) and evaluate the example situations
#   make test  build and run every test, in Release and under AddressSanitizer + UBSan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build/release
ASAN_BUILD ?= build/asan
POLICY := $(BUILD)/cli/policy

.PHONY: all deps build build-asan run test test-release test-asan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPOLICY_SANITIZE=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	@bash scripts/run-examples.sh $(POLICY)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

test: test-release test-asan

bench: deps
	cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DPOLICY_BUILD_BENCH=ON -DPOLICY_BUILD_TESTS=OFF
	cmake --build build/bench -j $(JOBS)

clean:
	rm -rf build
