# The README's commands. Each target installs what is missing, configures and builds first.
#   make conform   run the conformance suite against the bundled hosts (main job)
#   make test      run every test (ctest), then again under ASan+UBSan
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=

FUZZ_BUILD   ?= build-fuzz

.PHONY: all deps build test test-fast test-asan build-asan build-fuzz fuzz-smoke fuzz-cflite-check gen-docs clean conform mutate

CONFORM_OUT ?= $(BUILD)/conformance/reports
ADAPTERS    := $(BUILD)/conformance/adapters

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXABI_WERROR=ON $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DXABI_WERROR=ON -DXABI_SANITIZE=ON \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 $(CMAKE_FLAGS)

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The regular build's tests only.
test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The sanitizer build's tests only.
test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer targets (clang, ASan+UBSan), built in their own tree.
$(FUZZ_BUILD)/build.ninja: | deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DXABI_SANITIZE=ON -DXABI_FUZZ=ON -DXABI_WERROR=ON $(CMAKE_FLAGS)

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# Each fuzz target on a copy of its corpus plus its regression inputs, 20 000
# inputs from a fixed seed (deterministic, so CI results reproduce); fails on
# any crash. Time-boxed random runs and long campaigns: fuzz/README.md.
fuzz-smoke: build-fuzz
	ctest --test-dir $(FUZZ_BUILD) -L fuzz --output-on-failure
	SMOKE_RUNS=20000 SMOKE_SEED=1 bash fuzz/smoke.sh $(FUZZ_BUILD)

# .clusterfuzzlite/build.sh run as the ClusterFuzzLite builder would, with
# Debian's clang and libFuzzer; then every target on its packaged seeds.
fuzz-cflite-check: deps
	bash fuzz/cflite_check.sh $(CURDIR)/build-cflite

# Everything: the regular build, the ASan+UBSan build, the fuzz smoke.
test: test-fast test-asan fuzz-smoke

# Rewrite the committed ABI reference from the spec (a test fails while it is stale).
# The main job: the whole conformance suite against the bundled hosts, and
# the mutation check (every deliberately faulty xabi-host and xabi-ptrace must fail a case).
# Reports: $(CONFORM_OUT)/report.json, report.html, junit-<host>.xml.
conform: build
	$(BUILD)/conformance/runner/xabi-conform \
	  --host $(ADAPTERS)/xabi-host.json --host $(ADAPTERS)/xabi-refhost.json \
	  --host $(ADAPTERS)/xabi-refhost-bare.json --host $(ADAPTERS)/xabi-kvm.json \
	  --host $(ADAPTERS)/xabi-ptrace.json \
	  --mutants $(ADAPTERS)/xabi-host-mutant.json \
	  --expect conformance/expectations.json --jobs $(JOBS) --out $(CONFORM_OUT)
	# The mutation check again on the ptrace host (one --mutants per run).
	$(BUILD)/conformance/runner/xabi-conform \
	  --host $(ADAPTERS)/xabi-ptrace.json --mutants $(ADAPTERS)/xabi-ptrace-mutant.json \
	  --expect conformance/expectations.json --jobs $(JOBS) --out $(CONFORM_OUT)/ptrace-mutants

# Machine-made mutants of the host and the PAL against the suite, in a copy
# of the tree under /tmp/xabi-mutate (docs/machine-mutants.md; about an hour
# for the default 200). MUTATE_ARGS passes options, e.g. MUTATE_ARGS="--count 20".
mutate: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target xabi-mutate
	bash tests/mutation/run_mutants.sh --tool $(BUILD)/tests/mutation/xabi-mutate $(MUTATE_ARGS)

gen-docs: build
	cp $(BUILD)/spec/gen/out/abi.md docs/abi.md

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
