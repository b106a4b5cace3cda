#!/usr/bin/env bash
# render_test.sh PEL CHECK_PNG TRACE LANES TASKS CRITICAL: `pel trace view` draws LANES
# lanes and TASKS task slices (drawn or merged), CRITICAL of them outlined as on the
# critical path; rsvg-convert renders it to a PNG that is not blank.
source "$(dirname "$0")/lib.sh"
pel=$1 check_png=$2 trace=$3 lanes=$4 tasks=$5 crit=$6
need rsvg-convert librsvg2-bin

"$pel" trace view "$trace" -o "$work/run.svg" || fail "pel exited with $?"
expect_eq "$(occurrences '<g class="lane"' "$work/run.svg")" "$lanes" "lanes"
drawn=$(occurrences '<rect class="task' "$work/run.svg")
merged=$(merged_tasks "$work/run.svg")
expect_eq "$((drawn + merged))" "$tasks" "task slices (drawn $drawn + merged $merged)"
expect_eq "$(occurrences 'class="task crit"' "$work/run.svg")" "$crit" "critical tasks"
grep -q '<g class="axis"' "$work/run.svg" || fail "no time axis"
grep -q 'class="tick"' "$work/run.svg" || fail "no tick labels"
grep -q '<g class="legend"' "$work/run.svg" || fail "no legend"

rsvg-convert -o "$work/run.png" "$work/run.svg" || fail "rsvg-convert cannot render it"
"$check_png" "$work/run.png" 5000 6 || fail "the PNG is (nearly) blank"
echo "ok: $drawn drawn, $merged merged"
