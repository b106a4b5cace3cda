#!/bin/sh
# exec_guard.sh DRIVER — no task outlives pel: kill -9 of the guardian (the process the
# user started) or of the worker leaves no task process behind, and SIGTERM to the
# guardian reaches the worker, which interrupts its tasks (exit 143).
# Tasks carry a marker argument (sleep 30.PIDN, this script's pid: unique even when two
# builds test at once) found through /proc/*/cmdline; the pattern is written so that
# grep's own command line does not match it.
set -u
driver=$1
tmp=$(mktemp -d /tmp/pel-exec-guard-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$tmp/out" >&2 2>/dev/null; exit 1; }

# count_marked N: processes whose command line holds 30.PIDN
count_marked() {
    n=0
    for f in /proc/[0-9]*/cmdline; do
        if { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -q "30[.]$$$1"; then n=$((n + 1)); fi
    done
    echo $n
}

# wait_for N WANT SECONDS: until exactly... at least WANT (WANT>0) or none (WANT=0) remain
wait_for() {
    end=$(( $(date +%s) + $3 ))
    while :; do
        c=$(count_marked "$1")
        if [ "$2" -gt 0 ] && [ "$c" -ge "$2" ]; then return 0; fi
        if [ "$2" -eq 0 ] && [ "$c" -eq 0 ]; then return 0; fi
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# run_case N: start the driver with three marked tasks (two direct, one tree through sh)
run_case() {
    cat > "$tmp/spec" <<SPEC
a : sleep 30.$$$1
b : sleep 30.$$$1
c : sleep 30.$$$1 & sleep 30.$$$1; wait
SPEC
    rm -f "$tmp/worker"
    "$driver" -g -j 3 -G 1 -w "$tmp/worker" -l "$tmp/logs" "$tmp/spec" > "$tmp/out" 2>&1 &
    guardian=$!
    wait_for "$1" 4 20 || fail "case $1: tasks did not start"
    worker=$(cat "$tmp/worker")
}

# 1: kill -9 the guardian: the worker sees its pipe close and kills the tasks.
run_case 1
t0=$(date +%s)
kill -9 "$guardian"
wait "$guardian" 2>/dev/null
wait_for 1 0 10 || fail "guardian killed: tasks left: $(count_marked 1)"
echo "guardian killed: tasks gone after $(( $(date +%s) - t0 )) s"
# alive: not gone and not a zombie waiting for its new parent to reap it
alive() { [ -r /proc/$1/stat ] && ! sed 's/.*) //' /proc/$1/stat 2>/dev/null | grep -q '^[ZX]'; }
i=0
while alive "$worker" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
alive "$worker" && fail "guardian killed: the worker $worker is still alive"

# 2: kill -9 the worker: the guardian kills the reparented tasks and exits 137.
run_case 2
t0=$(date +%s)
kill -9 "$worker"
wait "$guardian"
rc=$?
[ "$rc" -eq 137 ] || fail "worker killed: guardian exited $rc, expected 137"
wait_for 2 0 10 || fail "worker killed: tasks left: $(count_marked 2)"
echo "worker killed: tasks gone after $(( $(date +%s) - t0 )) s"

# 3: SIGTERM to the guardian: forwarded, tasks interrupted, exit 143.
run_case 3
kill -TERM "$guardian"
wait "$guardian"
rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exited $rc, expected 143"
grep -q "interrupted=3" "$tmp/out" || fail "SIGTERM: tasks not reported interrupted"
wait_for 3 0 10 || fail "SIGTERM: tasks left: $(count_marked 3)"
echo "ok"
