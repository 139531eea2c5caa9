# Makefile - a thin wrapper over CMake for the two commands most people need
# (`make bench`, `make test`) and a few helpers.  CMake owns the build; this
# file only names the steps and their order.
#
#   make / make build   configure build/ and build everything
#   make bench          check deps, build, run the benchmark
#                       (build/bench.json, build/bench.svg)
#   make test           check deps, build and run ctest in build/, then the
#                       same in build-asan/ (clang, ASan + UBSan)
#   make size           Cortex-M4 -Os size of the core
#   make format         clang-format every C source and header
#   make clean          remove both build trees

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE      ?= cmake
CTEST      ?= ctest
# The sanitizer tree uses clang, so `make test` also proves the tree builds
# warning-free with a second compiler.
ASAN_CC    ?= clang
CMAKE_ARGS ?=
CTEST_JOBS ?= 2

FORMAT_DIRS := include core port host firmware tools bench tests

# CMake's own makefiles run under this one; keep their output as terse as
# when they run alone.
MAKEFLAGS += --no-print-directory

.PHONY: all build bench test test-asan size format clean

all: build

# Configure every time: it is cheap, and tests/ pulls in fragments only if
# they exist, which CMake cannot notice on its own when one appears.
build:
	$(CMAKE) -S . -B $(BUILD) $(CMAKE_ARGS)
	$(CMAKE) --build $(BUILD) -j$(JOBS)

bench:
	scripts/deps.sh bench
	$(MAKE) build
	$(BUILD)/tools/ampkit bench --json $(BUILD)/bench.json \
		--svg $(BUILD)/bench.svg

test:
	scripts/deps.sh test
	$(MAKE) build
	$(CTEST) --test-dir $(BUILD) --output-on-failure --no-tests=error \
		-j$(CTEST_JOBS)
	$(MAKE) test-asan

test-asan:
	CC=$(ASAN_CC) $(CMAKE) -S . -B $(ASAN_BUILD) -DAMP_SANITIZE=ON $(CMAKE_ARGS)
	$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	UBSAN_OPTIONS=print_stacktrace=1 $(CTEST) --test-dir $(ASAN_BUILD) \
		--output-on-failure --no-tests=error -j$(CTEST_JOBS)

size:
	$(CMAKE) -S . -B $(BUILD) $(CMAKE_ARGS)
	@if command -v arm-none-eabi-gcc >/dev/null && \
		command -v arm-none-eabi-size >/dev/null; then \
		$(CMAKE) --build $(BUILD) --target core_m4_size && \
		echo "Cortex-M4 -Os, per object:" && \
		arm-none-eabi-size $(BUILD)/core/m4/*/*.o; \
	else \
		echo "make size: arm-none-eabi-gcc not found; install it with:"; \
		echo "sudo apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi"; \
		exit 1; \
	fi

format:
	scripts/deps.sh format
	find $(wildcard $(FORMAT_DIRS)) -name '*.[ch]' -print0 | \
		xargs -0 -r clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
