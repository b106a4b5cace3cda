# pel — the front door.
#
#   make run    check/install dependencies, build (build/release), run the examples and a
#               quick benchmark table of pel against its baselines
#   make test   check/install dependencies, then build and run every test in three builds:
#               optimized (build/release), ThreadSanitizer (build/tsan) and
#               AddressSanitizer+UBSan (build/asan), then fuzz pel run's workflow loader
#               for 30 s (build/fuzz, clang libFuzzer)
#
# Also: make deps | build | test-release | test-tsan | test-asan | test-fuzz | install | clean.
# Variables: CC (default gcc), JOBS (default 2), PREFIX (for install, default /usr/local),
# PEL_BUILD_ROOT (where the builds go, default build).

JOBS ?= 2
PREFIX ?= /usr/local
export JOBS

.PHONY: all run test deps build test-release test-tsan test-asan test-fuzz install clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@scripts/build.sh release

run: build
	@scripts/run.sh

test: deps
	@scripts/test.sh release tsan asan fuzz

test-release test-tsan test-asan test-fuzz: deps
	@scripts/test.sh $(patsubst test-%,%,$@)

install: build
	cmake --install $${PEL_BUILD_ROOT:-build}/release --prefix "$(PREFIX)"

clean:
	rm -rf "$${PEL_BUILD_ROOT:-build}"
