#!/usr/bin/env bash
# fuzz.sh — build the workflow loader's libFuzzer target with clang and run it.
#
#   scripts/fuzz.sh
#
# Builds tools/pel/run/fuzz into ${PEL_BUILD_ROOT:-build}/fuzz, then fuzzes for
# ${PEL_FUZZ_SECONDS:-30} seconds starting from a copy of the seed corpus
# (tools/pel/run/fuzz/corpus) and the bad workflows of the tests (tools/pel/run/tests/bad).
# Fails on any crash, sanitizer report, leak, timeout or out-of-memory; the input that
# caused it is left in ${PEL_BUILD_ROOT:-build}/fuzz/artifacts/ (add it to the corpus
# once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${PEL_FUZZ_SECONDS:-30}
dir=${PEL_BUILD_ROOT:-build}/fuzz
cc=${CC:-clang}
[[ $cc == *clang* ]] || cc=clang

if ! command -v "$cc" >/dev/null 2>&1; then
  echo "fuzz.sh: clang not found; libFuzzer comes with it (Debian: apt-get install clang)" >&2
  exit 2
fi
mkdir -p "$dir"
probe=$dir/probe
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.log"; then
  cat "$probe.log" >&2
  echo "fuzz.sh: $cc cannot link libFuzzer (Debian: apt-get install clang, which brings libclang-rt-dev)" >&2
  exit 2
fi

CC=$cc cmake -S tools/pel/run/fuzz -B "$dir/build" -DCMAKE_BUILD_TYPE=Debug >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log" >&2; echo "fuzz.sh: configuring the fuzzer failed" >&2; exit 1; }
cmake --build "$dir/build" -j "${JOBS:-2}" >"$dir/build.log" 2>&1 ||
  { cat "$dir/build.log" >&2; echo "fuzz.sh: building the fuzzer failed" >&2; exit 1; }

# The fuzzer adds what it finds to its first directory: a scratch copy, so the corpus in
# the tree only changes by hand.
rm -rf "$dir/corpus" "$dir/artifacts"
mkdir -p "$dir/corpus" "$dir/artifacts"
cp tools/pel/run/fuzz/corpus/* "$dir/corpus/"
cp tools/pel/run/tests/bad/*.yaml "$dir/corpus/"

echo "fuzz.sh: fuzzing the workflow loader for ${seconds}s"
status=0
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$dir/build/fuzz_wf_load" "$dir/corpus" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" >"$dir/fuzz.log" 2>&1 || status=$?
tail -n 15 "$dir/fuzz.log"
if [[ $status -ne 0 ]] || ls "$dir/artifacts/"* >/dev/null 2>&1; then
  echo "fuzz.sh: the fuzzer found a problem (status $status); inputs in $dir/artifacts/, log in $dir/fuzz.log" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or timeout in ${seconds}s"
