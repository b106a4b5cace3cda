#!/usr/bin/env bash
# report_test.sh PEL CHECK_JSON TRACE EXPECTED: `pel trace report --json TRACE` is valid
# JSON with the values EXPECTED names (check_json.c: exact work, span, parallelism,
# critical-path ids).
source "$(dirname "$0")/lib.sh"
pel=$1 check=$2 trace=$3 expected=$4

"$pel" trace report --json "$trace" >"$work/report.json" || fail "pel exited with $?"
cat "$work/report.json"
"$check" "$expected" "$work/report.json" || fail "report differs from $expected"
echo "ok"
