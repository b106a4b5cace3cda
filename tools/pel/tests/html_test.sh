#!/usr/bin/env bash
# html_test.sh PEL CHECK_PNG FIXTURES: `pel trace view --html` writes one self-contained
# page: the chart inline (and renderable), the counters table, the critical path, the
# task statistics; nothing fetched from elsewhere.
source "$(dirname "$0")/lib.sh"
pel=$1 check_png=$2 fx=$3
need rsvg-convert librsvg2-bin

"$pel" trace view "$fx/forkjoin.json" --html -o "$work/run.html" || fail "pel exited with $?"
page=$work/run.html
head -1 "$page" | grep -qx '<!DOCTYPE html>' || fail "not an HTML5 page"
expect_eq "$(occurrences '<svg' "$page")" 1 "inline SVG charts"
expect_eq "$(occurrences '<g class="lane"' "$page")" 4 "lanes in the chart"
if grep -Eqi 'https?://' "$page"; then fail "external URL: $(grep -Eoi 'https?://[^"]*' "$page" | head -1)"; fi
if grep -Eqi '<script|<link|<img|<iframe| src=|@import' "$page"; then fail "refers to other files"; fi
grep -q '<table class="counters">' "$page" || fail "no counters table"
grep -q '<th>steals_won</th>' "$page" || fail "counters table lacks steals_won"
# Worker 2's row, from otherData.counters.
grep -q '<tr><td>2</td><td>1</td><td>5</td><td>1</td><td>2</td><td>45000</td></tr>' "$page" ||
  fail "counters row of worker 2"
grep -q '<section id="critical-path"><h2>Critical path: 3 tasks</h2>' "$page" || fail "critical path"
grep -q '>fib_leaf</td><td>4</td><td>2</td><td>21.000</td><td>55.000</td><td>55.000</td>' "$page" ||
  fail "critical path row of task 4"
grep -q '<td>184.000 &#181;s</td>' "$page" || fail "work in the summary"
grep -q '<td>85.000 &#181;s</td>' "$page" || fail "span in the summary"
grep -q '<table class="task-stats">' "$page" || fail "no task statistics"
grep -q '>fib</td><td>3</td><td>99.000</td><td>33.000</td><td>40.000</td>' "$page" ||
  fail "statistics row of fib"

# The inline chart is well-formed SVG once given the namespace HTML implies.
sed -n '/<svg/,/<\/svg>/p' "$page" |
  sed 's|<svg |<svg xmlns="http://www.w3.org/2000/svg" |' >"$work/inline.svg"
rsvg-convert -o "$work/inline.png" "$work/inline.svg" || fail "the inline SVG does not render"
"$check_png" "$work/inline.png" 5000 6 || fail "the inline chart is blank"

# Adaptive detail with inlined tasks: the note is on the page.
"$pel" trace view "$fx/adaptive.json" --html -o "$work/a.html"
grep -q 'class="note">span is an upper bound' "$work/a.html" || fail "no upper-bound note"
echo "ok"
