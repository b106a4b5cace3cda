# lib.sh — sourced by tools/pel's test scripts: a scratch directory, failing with a
# message, and checking a command's failure.
set -euo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/pel-tool-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# need PROGRAM PACKAGE: the test cannot run without it (and must not pass silently).
need() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 not found (Debian package $2; scripts/deps.sh)"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [[ $1 == "$2" ]] || fail "$3: expected $2, got $1"
}

# occurrences PATTERN FILE: how many times an extended regex matches in FILE.
occurrences() {
  { grep -oE -- "$1" "$2" || true; } | wc -l
}

# expect_fail STATUS REGEX COMMAND...: COMMAND exits with STATUS (not by a signal) and
# its stderr matches REGEX.
expect_fail() {
  local want=$1 regex=$2 status
  shift 2
  set +e
  "$@" >"$work/stdout" 2>"$work/stderr"
  status=$?
  set -e
  if [[ $status != "$want" ]]; then
    fail "$*: exit status $status, expected $want; stderr: $(cat "$work/stderr")"
  fi
  # Under the sanitizer builds a leak or undefined behaviour on an error path must fail
  # the test even though the exit status is the expected one.
  if grep -Eq 'Sanitizer|runtime error:' "$work/stderr"; then
    fail "$*: sanitizer report: $(cat "$work/stderr")"
  fi
  grep -Eq -- "$regex" "$work/stderr" ||
    fail "$*: stderr does not match /$regex/: $(cat "$work/stderr")"
  echo "ok: exit $status: $(head -1 "$work/stderr")"
}

# merged_tasks SVG: how many task slices the chart merged (the sum of the merged
# rectangles' data-count).
merged_tasks() {
  { grep -oE 'data-kind="task" data-count="[0-9]+"' "$1" || true; } |
    awk -F'"' '{s += $4} END {print s + 0}'
}
