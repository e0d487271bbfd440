# The two commands of the README: `make run` and `make test`.
# Both install missing Debian packages first (scripts/install-deps.sh, idempotent).

JOBS          ?= $(shell nproc)
BUILD_DIR     ?= build
ASAN_DIR      ?= build-asan
FUZZ_DIR      ?= build-fuzz
CMAKE_GENERAL := -G Ninja -Wno-dev

.PHONY: all deps build build-asan build-fuzz run test unit format bench clean

all: build

deps:
	@scripts/install-deps.sh

# RelWithDebInfo with line tables only (-g1): enough for perf and for stack traces,
# and a fifth faster to compile than full debug information.
build: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_GENERAL) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
	    -DRAMPART_ASAN_BUILD_DIR=$(abspath $(ASAN_DIR)) -DRAMPART_FUZZ_BUILD_DIR=$(abspath $(FUZZ_DIR)) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer. Line tables
# only (-g1): the sanitizers' reports need file:line, and full debug information
# makes this build a fifth slower.
build-asan: deps
	@cmake -S . -B $(ASAN_DIR) $(CMAKE_GENERAL) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
	    -DRAMPART_SANITIZE=ON -DRAMPART_UNIT_ONLY=ON >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target rampart_unit_tests

# libFuzzer targets, built with clang. Release, not RelWithDebInfo: clang 14 fails
# ("cannot represent a difference across sections") on coroutines with -g.
build-fuzz: deps
	@cmake -S . -B $(FUZZ_DIR) $(CMAKE_GENERAL) -DCMAKE_BUILD_TYPE=Release -DRAMPART_FUZZ=ON \
	    -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS)

# Starts the demo upstream and Rampart on its embedded default, prints what to try.
run: build
	@scripts/run-demo.sh $(BUILD_DIR)

# The whole suite: unit and integration tests, unit tests under ASan+UBSan,
# bounded fuzz runs. Ends with ctest's summary line.
test: build build-asan build-fuzz
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

unit: build
	@$(BUILD_DIR)/rampart_unit_tests

format:
	@find src tests examples bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

bench: build
	@bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
