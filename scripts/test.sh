#!/usr/bin/env bash
# test.sh — build and run the whole test suite in each of pel's standard builds (see
# scripts/build.sh), then print a summary. Fails if any build or any test fails.
#
#   scripts/test.sh [release] [tsan] [asan] [fuzz]   (default: all four, in that order;
#                                                    fuzz: scripts/fuzz.sh, the workflow
#                                                    loader under libFuzzer for 30 s)
#
# Sanitizer builds run with PEL_TEST_SCALE=0.25 (smaller loop counts) and stop at the
# first report. A TSan suppression file, if one is needed, lives in tests/tsan.supp.
# PEL_BUILD_ROOT moves the builds (default: build).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
broot=${PEL_BUILD_ROOT:-build}
jobs=${JOBS:-2}
kinds=("$@")
[[ ${#kinds[@]} -eq 0 ]] && kinds=(release tsan asan fuzz)

# Older TSan runtimes abort with "unexpected memory mapping" on kernels that randomize
# mmap with more bits than they expect; running without ASLR avoids that.
tsan_wrapper() {
  local probe=$broot/tsan-probe
  mkdir -p "$broot"
  printf 'int main(void) { return 0; }\n' >"$probe.c"
  if "${CC:-gcc}" -fsanitize=thread "$probe.c" -o "$probe" 2>/dev/null &&
     ! "$probe" >/dev/null 2>&1 && setarch "$(uname -m)" -R "$probe" >/dev/null 2>&1; then
    echo "setarch $(uname -m) -R"
  fi
}

run_ctest() { # kind
  local kind=$1 wrap=()
  local env=()
  case $kind in
    tsan)
      local opts="halt_on_error=1 second_deadlock_stack=1"
      [[ -f tests/tsan.supp ]] && opts+=" suppressions=$root/tests/tsan.supp"
      env=(PEL_TEST_SCALE=0.25 "TSAN_OPTIONS=$opts")
      read -r -a wrap <<<"$(tsan_wrapper)"
      ;;
    asan)
      env=(PEL_TEST_SCALE=0.25 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
      ;;
  esac
  [[ ${#wrap[@]} -gt 0 ]] && echo "test.sh: running TSan tests under '${wrap[*]}'"
  (cd "$broot/$kind" &&
    env "${env[@]}" "${wrap[@]}" ctest -j "$jobs" --output-on-failure --no-tests=error)
}

declare -A result seconds
failed=0
for kind in "${kinds[@]}"; do
  echo "=============================== $kind ==============================="
  start=$SECONDS
  if [[ $kind == fuzz ]]; then
    # Not a build of the library: the workflow loader under libFuzzer (clang).
    if scripts/fuzz.sh; then result[$kind]="passed"; else result[$kind]="FUZZ FAILED"; failed=1; fi
  elif ! scripts/build.sh "$kind"; then
    result[$kind]="BUILD FAILED"
    failed=1
  elif ! run_ctest "$kind"; then
    result[$kind]="TESTS FAILED"
    failed=1
  else
    result[$kind]="passed"
  fi
  seconds[$kind]=$((SECONDS - start))
done

echo
echo "=============================== summary ==============================="
for kind in "${kinds[@]}"; do
  printf '  %-8s %-14s %4ds   %s\n' "$kind" "${result[$kind]}" "${seconds[$kind]}" "$broot/$kind"
done
if [[ $failed != 0 ]]; then
  echo "make test: FAILED"
  exit 1
fi
echo "make test: all builds passed"
