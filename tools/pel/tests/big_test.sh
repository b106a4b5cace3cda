#!/usr/bin/env bash
# big_test.sh PEL GEN_TRACE CHECK_JSON CHECK_PNG TASKS: a trace of TASKS tiny tasks
# (gen_trace.c) is analysed exactly and drawn as a small SVG: slices narrower than a
# pixel are merged, and every one of them is accounted for.
source "$(dirname "$0")/lib.sh"
pel=$1 gen=$2 check=$3 check_png=$4 tasks=$5
need rsvg-convert librsvg2-bin

"$gen" "$tasks" 8 "$work/big.json"
echo "trace: $(wc -c <"$work/big.json") bytes, $tasks tasks"
"$pel" trace report --json --limit 1 "$work/big.json" >"$work/report.json"
printf '{"tasks": %d, "work_ns": %d, "span_ns": 50, "critical_path_tasks": 1}\n' \
  "$tasks" "$((tasks * 50))" >"$work/expected.json"
"$check" "$work/expected.json" "$work/report.json" || fail "report of the big trace"

"$pel" trace view "$work/big.json" -o "$work/big.svg"
size=$(wc -c <"$work/big.svg")
echo "svg: $size bytes"
((size < 2000000)) || fail "the SVG is $size bytes: slices were not merged"
expect_eq "$(occurrences '<g class="lane"' "$work/big.svg")" 9 "lanes"
drawn=$(occurrences '<rect class="task' "$work/big.svg")
merged=$(merged_tasks "$work/big.svg")
expect_eq "$((drawn + merged))" "$tasks" "task slices (drawn $drawn + merged $merged)"
((merged > tasks / 2)) || fail "only $merged of $tasks slices merged"
rsvg-convert -o "$work/big.png" "$work/big.svg" || fail "rsvg-convert cannot render it"
"$check_png" "$work/big.png" 20000 4 || fail "the PNG is (nearly) blank"
echo "ok"
