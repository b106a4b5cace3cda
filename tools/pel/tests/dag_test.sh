#!/usr/bin/env bash
# dag_test.sh PEL CHECK_PNG TRACE NODES EDGES DASHED CRITICAL: `pel trace dag` writes
# DOT with NODES nodes (tasks and the root), EDGES edges of which DASHED are dataflow
# deps, CRITICAL nodes on the critical path; the .svg form is drawn by Graphviz and
# renders.
source "$(dirname "$0")/lib.sh"
pel=$1 check_png=$2 trace=$3 nodes=$4 edges=$5 dashed=$6 crit=$7
need dot graphviz
need rsvg-convert librsvg2-bin

"$pel" trace dag "$trace" -o "$work/g.dot" || fail "pel exited with $?"
cat "$work/g.dot"
expect_eq "$(occurrences '^  (root|[ts][0-9]+) \[label=' "$work/g.dot")" "$nodes" "nodes"
expect_eq "$(occurrences ' -> ' "$work/g.dot")" "$edges" "edges"
expect_eq "$(occurrences 'style=dashed' "$work/g.dot")" "$dashed" "dep edges"
expect_eq "$(occurrences 'penwidth=2\.5' "$work/g.dot")" "$crit" "critical nodes"
# Graphviz itself accepts it.
dot -Tcanon "$work/g.dot" >/dev/null || fail "dot rejects the DOT"
# "-" is DOT on standard output, the same graph.
"$pel" trace dag "$trace" -o - | cmp - "$work/g.dot" || fail "-o - differs"

"$pel" trace dag "$trace" -o "$work/g.svg" || fail "pel (svg) exited with $?"
grep -q '<svg' "$work/g.svg" || fail "no SVG written"
rsvg-convert -o "$work/g.png" "$work/g.svg" || fail "rsvg-convert cannot render it"
"$check_png" "$work/g.png" 2000 4 || fail "the graph PNG is blank"
# --format wins over the file name.
"$pel" trace dag "$trace" --format dot -o "$work/g2.svg"
cmp "$work/g2.svg" "$work/g.dot" || fail "--format dot"
echo "ok"
