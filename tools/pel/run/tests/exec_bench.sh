#!/bin/sh
# exec_bench.sh DRIVER [N] — dispatch speed: N (2000) `true` tasks with 2 slots through
# exec_driver (logs on, as pel run writes them), next to make -j2 on a Makefile of N
# phony targets whose recipe is `true`. Best of 5 runs each, interleaved, since the
# machine may be busy. Not run by ctest (a measurement, not a check).
set -eu
driver=$1
n=${2:-2000}
tmp=$(mktemp -d /tmp/pel-exec-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
{
    printf 'all:'
    i=0; while [ $i -lt "$n" ]; do printf ' t%d' $i; i=$((i + 1)); done
    printf '\n.PHONY: all\n'
    i=0; while [ $i -lt "$n" ]; do printf 't%d:\n\t@true\n' $i; i=$((i + 1)); done
} > "$tmp/Makefile"
now() { date +%s.%N; }
best_make=0; best_pel=0
for r in 1 2 3 4 5; do
    t0=$(now); make -s -j2 -C "$tmp" >/dev/null; t1=$(now)
    rate=$(echo "$n / ($t1 - $t0)" | bc)
    [ "$rate" -gt "$best_make" ] && best_make=$rate
    t0=$(now); "$driver" -q -j 2 -l "$tmp/logs" -n "$n" true >/dev/null; t1=$(now)
    rate=$(echo "$n / ($t1 - $t0)" | bc)
    [ "$rate" -gt "$best_pel" ] && best_pel=$rate
done
echo "make -j2:          $best_make jobs/s (best of 5, process start to end)"
echo "exec_driver -j 2:  $best_pel jobs/s (best of 5, process start to end, logs written)"
