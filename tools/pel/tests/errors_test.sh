#!/usr/bin/env bash
# errors_test.sh PEL FIXTURES: bad input and bad command lines give a clear message and a
# nonzero exit status (1: input or output, 2: usage), never a crash; a failed output
# leaves no partial file behind.
source "$(dirname "$0")/lib.sh"
pel=$1 fx=$2
bad=$fx/bad

# Missing, unreadable or malformed input (the parser's line and column).
expect_fail 1 "^pel: $work/nope.json: No such file or directory$" "$pel" trace report "$work/nope.json"
expect_fail 1 "^pel: $bad: is a directory$" "$pel" trace view "$bad" -o "$work/x.svg"
expect_fail 1 "^pel: $bad/malformed.json:3:12: malformed JSON: string or '}' expected near ','$" \
  "$pel" trace report "$bad/malformed.json"
expect_fail 1 "^pel: $bad/truncated.json:5:50: malformed JSON: premature end of input" \
  "$pel" trace view "$bad/truncated.json" -o "$work/x.svg"
expect_fail 1 "^pel: $bad/empty.json:1:0: malformed JSON: " "$pel" trace dag "$bad/empty.json" -o "$work/x.dot"
# JSON, but not a (pel) trace.
expect_fail 1 "^pel: $bad/not_a_trace.json: not a Chrome trace: expected an object with a \"traceEvents\" array$" \
  "$pel" trace report "$bad/not_a_trace.json"
expect_fail 1 "not a Chrome trace" "$pel" trace report "$bad/number.json"
expect_fail 1 "^pel: $bad/not_pel.json: not a pel trace: no task, wait or park slices and no otherData.pel$" \
  "$pel" trace report "$bad/not_pel.json"
# Events with fields of the wrong kind: the event is named.
expect_fail 1 "^pel: $bad/bad_ts.json: traceEvents\[1\]: \"ts\" is not a number$" "$pel" trace report "$bad/bad_ts.json"
expect_fail 1 'traceEvents\[0\]: negative "dur"$' "$pel" trace report "$bad/negative_dur.json"
expect_fail 1 'traceEvents\[0\]: "ts" 1e\+300 is out of range$' "$pel" trace report "$bad/huge_ts.json"
expect_fail 1 'traceEvents\[0\]: args."deps" is not an array$' "$pel" trace report "$bad/deps_not_array.json"
expect_fail 1 'traceEvents\[0\]: is not an object$' "$pel" trace report "$bad/event_not_object.json"
expect_fail 1 'traceEvents\[0\]: has no "tid"$' "$pel" trace report "$bad/no_tid.json"
expect_fail 1 'traceEvents\[0\]: args."id" is negative$' "$pel" trace report "$bad/negative_id.json"
expect_fail 1 "^pel: $bad/cycle.json: the task graph has a cycle" "$pel" trace report "$bad/cycle.json"

# Unwritable output: nothing left behind.
for sub in "view" "view --html" "dag"; do
  # shellcheck disable=SC2086
  expect_fail 1 "^pel: $work/no/such/dir/out: cannot write: No such file or directory$" \
    "$pel" trace $sub "$fx/forkjoin.json" -o "$work/no/such/dir/out"
done
expect_fail 1 "^pel: $work/no/dir/g.svg: cannot write: No such file or directory$" \
  "$pel" trace dag "$fx/forkjoin.json" -o "$work/no/dir/g.svg"
if [[ -w /dev/full ]]; then
  expect_fail 1 "^pel: /dev/full: write error: No space left on device$" \
    "$pel" trace view "$fx/forkjoin.json" -o /dev/full
fi
# Graphviz missing: a clear message, and no empty .svg left.
PEL_DOT=$work/no-dot expect_fail 1 "cannot run $work/no-dot \(Graphviz" \
  "$pel" trace dag "$fx/forkjoin.json" -o "$work/g.svg"
[[ ! -e $work/g.svg ]] || fail "a failed dag left $work/g.svg"
PEL_DOT=false expect_fail 1 "^pel: false -Tsvg failed \(exit status 1\)$" \
  "$pel" trace dag "$fx/forkjoin.json" -o "$work/g.svg"
[[ ! -e $work/g.svg ]] || fail "a failed dag left $work/g.svg"
expect_fail 1 "too many for Graphviz.*--max-nodes 2" \
  "$pel" trace dag "$fx/forkjoin.json" --max-nodes 2 -o "$work/g.svg"

# Command lines.
expect_fail 2 "^usage: pel COMMAND" "$pel"
expect_fail 2 "^pel: unknown command 'frob'" "$pel" frob
expect_fail 2 "^usage: pel trace SUBCOMMAND" "$pel" trace
expect_fail 2 "^pel: trace: unknown subcommand 'draw'" "$pel" trace draw x.json
expect_fail 2 "^pel: trace view: no trace file given" "$pel" trace view -o "$work/x.svg"
expect_fail 2 "^pel: trace view: no output given: -o FILE" "$pel" trace view "$fx/forkjoin.json"
expect_fail 2 "^pel: trace dag: no output given" "$pel" trace dag "$fx/forkjoin.json"
expect_fail 2 "^pel: option -o needs a value$" "$pel" trace view "$fx/forkjoin.json" -o
expect_fail 2 "^pel: trace report: unknown option --bogus" "$pel" trace report --bogus "$fx/forkjoin.json"
expect_fail 2 "^pel: trace report: more than one trace given: b.json" "$pel" trace report a.json b.json
expect_fail 2 "^pel: --width: 'wide' is not a number" "$pel" trace view "$fx/forkjoin.json" --width wide -o "$work/x.svg"
expect_fail 2 "^pel: --width: '10' is not a number from 400 to 100000$" "$pel" trace view "$fx/forkjoin.json" --width 10 -o "$work/x.svg"
expect_fail 2 "^pel: --limit: '-1' is not a number" "$pel" trace report --limit -1 "$fx/forkjoin.json"
expect_fail 2 "^pel: trace dag: --format must be dot or svg, not png" "$pel" trace dag "$fx/forkjoin.json" --format png -o "$work/x"
echo "ok"
