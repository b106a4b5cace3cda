#!/usr/bin/env bash
# help_test.sh PEL: every level's --help exits 0 and documents its options.
source "$(dirname "$0")/lib.sh"
pel=$1

"$pel" --help >"$work/h" && grep -q '^  trace ' "$work/h" || fail "pel --help"
"$pel" --version | grep -qE '^pel [0-9]+\.[0-9]+' || fail "pel --version"
"$pel" trace --help >"$work/h" || fail "pel trace --help"
for sub in view report dag; do grep -q "^  $sub " "$work/h" || fail "pel trace --help lacks $sub"; done
"$pel" trace view --help >"$work/h" || fail "view --help"
for opt in -o --html --width --limit; do grep -q -- "$opt" "$work/h" || fail "view --help lacks $opt"; done
"$pel" trace report -h >"$work/h" || fail "report -h"
for opt in --json --limit; do grep -q -- "$opt" "$work/h" || fail "report --help lacks $opt"; done
"$pel" trace dag --help >"$work/h" || fail "dag --help"
for opt in -o --format --max-nodes PEL_DOT; do grep -q -- "$opt" "$work/h" || fail "dag --help lacks $opt"; done
echo "ok"
