# The two commands of the README's quick start. Each installs what is missing, then builds.
#   make run   build (Release) and evaluate the example situations
#   make test  build and run every test, in Release and under AddressSanitizer + UBSan, the batch
#              tests (its evaluating threads, the .xlsx reader's read-ahead) under ThreadSanitizer,
#              and run each fuzzer of tests/fuzz briefly (FUZZ_TEST_SECONDS, 30 s each) in a clang build
#   make fuzz  build the fuzzers (clang, build/fuzz) and run each for FUZZ_SECONDS (600 s)
#   make package  build (Release), then the Debian package $(BUILD)/policy_<version>-<revision>_<arch>.deb
#              (CPack; packaging/); install it with apt install ./build/release/policy_....deb
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build/release
ASAN_BUILD ?= build/asan
TSAN_BUILD ?= build/tsan
FUZZ_BUILD ?= build/fuzz
FUZZ_CXX ?= clang++-14
FUZZ_SECONDS ?= 600
FUZZ_TEST_SECONDS ?= 30
POLICY := $(BUILD)/cli/policy

.PHONY: all deps build build-asan build-tsan build-fuzz run test test-release test-asan test-tsan test-fuzz fuzz bench package clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPOLICY_SANITIZE=ON

$(TSAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLICY_TSAN=ON

# The fuzzers: clang with -fsanitize=fuzzer,address,undefined; only the harnesses and the libraries
# they use are built (the replay programs of the other builds run the same harnesses under GCC).
$(FUZZ_BUILD)/CMakeCache.txt: | deps
	CXX=$(FUZZ_CXX) cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLICY_FUZZ=ON \
	  -DPOLICY_BUILD_TESTS=OFF -DPOLICY_FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Only the batch tests: the threads of rules/ are the batch core's and the .xlsx reader's. The
# server is not built here: Boost.Asio's atomic_thread_fence is one ThreadSanitizer cannot model
# (GCC's -Wtsan, an error with -Werror), so a report there could be a false one.
build-tsan: deps $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target batch_tests

build-fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake $(FUZZ_BUILD) -DPOLICY_FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

run: build
	@bash scripts/run-examples.sh $(POLICY)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

test-tsan: build-tsan
	TZ=America/New_York TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 $(TSAN_BUILD)/tests/batch_tests --gtest_brief=1

# Each fuzzer for FUZZ_TEST_SECONDS, two at a time, starting from its seed corpus and what earlier
# runs in this build directory found.
test-fuzz: build-fuzz
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j $(JOBS)

test: test-release test-asan test-tsan test-fuzz

fuzz: build-fuzz
	bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# CPack installs the Release build into a staging tree (prefix /usr, the man page compressed, the
# Debian changelog) and makes the .deb; dpkg-shlibdeps computes its Depends.
package: build
	cd $(BUILD) && cpack -G DEB
	@echo "make package: $$(ls -t $(BUILD)/policy_*.deb | head -n 1)"

bench: deps
	cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DPOLICY_BUILD_BENCH=ON -DPOLICY_BUILD_TESTS=OFF
	cmake --build build/bench -j $(JOBS)

clean:
	rm -rf build
