#!/usr/bin/env bash
# report_text_test.sh PEL FIXTURES: the text report's lines, and the upper-bound note
# exactly when the detail is adaptive and some slice has inlined tasks.
source "$(dirname "$0")/lib.sh"
pel=$1 fx=$2

"$pel" trace report "$fx/adaptive.json" >"$work/a.txt"
cat "$work/a.txt"
grep -qx 'work   T1    60.000 us' "$work/a.txt" || fail "work line"
grep -qx 'span   Tinf  40.000 us' "$work/a.txt" || fail "span line"
grep -qx 'parallelism  1.500000 (T1/Tinf)' "$work/a.txt" || fail "parallelism line"
grep -qx 'critical path: 1 tasks' "$work/a.txt" || fail "critical path count"
grep -qE '^  sum +1 +0 +1\.000 +40\.000 +40\.000 +100\.0%$' "$work/a.txt" || fail "path row"
grep -q '^note: span is an upper bound' "$work/a.txt" || fail "no upper-bound note"

# Adaptive detail but nothing inlined: exact, no note.
"$pel" trace report "$fx/chain.json" >"$work/c.txt"
grep -q 'upper bound' "$work/c.txt" && fail "upper-bound note without inlined tasks"
# Full detail: no note either.
"$pel" trace report "$fx/forkjoin.json" >"$work/f.txt"
grep -q 'upper bound' "$work/f.txt" && fail "upper-bound note in full detail"

# --limit: one row shown, the rest counted.
"$pel" trace report --limit 1 "$fx/forkjoin.json" >"$work/l.txt"
grep -q '^  \.\.\. and 2 more' "$work/l.txt" || fail "--limit 1 does not say 2 more"
# The trace from standard input.
"$pel" trace report - <"$fx/diamond.json" | grep -qx 'span   Tinf  45.000 us' ||
  fail "reading standard input"
echo "ok"
