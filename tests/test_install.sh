#!/usr/bin/env bash
# test_install.sh — install pel into a temporary prefix, check that libpel.so exports
# exactly the public API, and build a consumer against it, once through find_package(pel)
# and once through pkg-config (shared and static each), then run every consumer. Registered as the CTest test `install_consumer`.
#
# usage: test_install.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -euo pipefail
build=$1 src=$2 cc=$3

work=$(mktemp -d "${TMPDIR:-/tmp}/pel-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

step() { printf '== %s\n' "$*"; }

step "install into $prefix"
"${CMAKE:-cmake}" --install "$build" --prefix "$prefix" >"$work/install.log"
for f in include/pel.h include/pel/runtime.h; do
  [[ -f $prefix/$f ]] || { echo "missing $f in the install tree"; exit 1; }
done

step "libpel.so exports exactly the functions declared by pel.h"
shared=$(find "$prefix" -name 'libpel.so' -print -quit)
exported=$(nm -D --defined-only "$shared" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sort -u)
declared=$("$cc" -std=c11 -E -P -I"$prefix/include" "$prefix/include/pel.h" |
           grep -oE '\bpel_[A-Za-z0-9_]+[[:space:]]*\(' | tr -d '( \t' | sort -u)
if [[ $exported != "$declared" ]]; then
  echo "exported but not declared: $(comm -23 <(echo "$exported") <(echo "$declared") | xargs)"
  echo "declared but not exported: $(comm -13 <(echo "$exported") <(echo "$declared") | xargs)"
  exit 1
fi
echo "   $(echo "$exported" | wc -l) functions"

step "consumer via find_package(pel)"
"${CMAKE:-cmake}" -S "$src/tests/install" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
"${CMAKE:-cmake}" --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
run() { printf '   %-8s ' "$1:"; "$2"; }
run shared "$work/cmake-build/consumer_shared"
run static "$work/cmake-build/consumer_static"

step "consumer via pkg-config"
pcdir=$(dirname "$(find "$prefix" -name pel.pc -print -quit)")
export PKG_CONFIG_PATH=$pcdir
pkg-config --exists --print-errors pel
libdir=$(pkg-config --variable=libdir pel)
cflags=$(pkg-config --cflags pel)
warn=(-std=c11 -Wall -Wextra -Wpedantic -Werror)
# shellcheck disable=SC2046,SC2086
"$cc" "${warn[@]}" $cflags "$src/tests/install/consumer.c" -o "$work/pc_shared" \
  $(pkg-config --libs pel) -Wl,-rpath,"$libdir"
# Static: libpel.a, its private requirements as shared libraries (a fully static link,
# `pkg-config --static`, would also need every static library of hwloc's own
# dependencies, which few systems have), and its Libs.private.
requires_private=$(pkg-config --print-requires-private pel | awk '{print $1}' | tr '\n' ' ')
libs_private=$(sed -n 's/^Libs.private: *//p' "$pcdir/pel.pc")
static_deps="$libs_private"
[[ -n ${requires_private// /} ]] && static_deps+=" $(pkg-config --libs $requires_private)"
echo "   static link: libpel.a $static_deps"
# shellcheck disable=SC2086
"$cc" "${warn[@]}" $cflags "$src/tests/install/consumer.c" -o "$work/pc_static" \
  "$libdir/libpel.a" $static_deps
if readelf -d "$work/pc_static" 2>/dev/null | grep -q 'libpel\.so'; then
  echo "pc_static links libpel.so instead of libpel.a"; exit 1
fi
run shared "$work/pc_shared"
run static "$work/pc_static"
step "ok"
