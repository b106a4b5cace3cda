#!/usr/bin/env bash
# build.sh — configure (once) and build one of pel's standard builds.
#
#   scripts/build.sh release|tsan|asan
#
# release  build/release  -O2 -g (RelWithDebInfo), warnings are errors
# tsan     build/tsan     ThreadSanitizer, -O1 -g
# asan     build/asan     AddressSanitizer + UndefinedBehaviorSanitizer, -O1 -g
#
# CC picks the compiler (default gcc), JOBS the parallelism (default 2), PEL_BUILD_ROOT
# the parent folder (default build). Ninja is used when installed, unless the build
# folder was already configured with another generator.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?usage: $0 release|tsan|asan}
dir=${PEL_BUILD_ROOT:-build}/$kind
common=(-DPEL_WERROR=ON -DCMAKE_C_COMPILER="${CC:-gcc}")
case $kind in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEL_SANITIZE=) ;;
  tsan) flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DPEL_SANITIZE=thread) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DPEL_SANITIZE=address) ;;
  *) echo "build.sh: unknown build '$kind' (release, tsan or asan)" >&2; exit 2 ;;
esac

mkdir -p "$(dirname "$dir")"
generator=()
if [[ ! -f $dir/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S . -B "$dir" "${generator[@]}" "${common[@]}" "${flags[@]}" >"$dir.configure.log" 2>&1 ||
  { cat "$dir.configure.log"; echo "build.sh: configuring $dir failed" >&2; exit 1; }
grep "^-- pel:" "$dir.configure.log" || true
cmake --build "$dir" -j "${JOBS:-2}"
