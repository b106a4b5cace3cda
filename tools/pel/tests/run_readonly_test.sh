#!/usr/bin/env bash
# run_readonly_test.sh PEL — `pel run --dry-run`, `--dot` and `pel status` only read the
# state directory: on a workflow that never ran they create nothing, they leave the
# journal byte for byte as it was, and while a run of the same workflow is in progress
# they work (they used to wait for its lock, then fail), name the pid that holds it and
# count the task it is running as running.
source "$(dirname "$0")/lib.sh"
pel=$1
cd "$work"

cat >wf.yaml <<'YAML'
tasks:
  - name: quick
    run: echo quick > quick.txt
    outputs: [quick.txt]
  - name: slow
    run: while [ ! -e go ]; do sleep 0.02; done; echo slow > slow.txt
    outputs: [slow.txt]
    after: [quick]
  - name: last
    run: cat quick.txt slow.txt > last.txt
    inputs: [quick.txt, slow.txt]
    outputs: [last.txt]
YAML

# Never ran: nothing is created.
"$pel" run -n wf.yaml >plan.txt
expect_eq "$(occurrences '^run ' plan.txt)" 3 "dry run of a new workflow: $(cat plan.txt)"
"$pel" run --dot graph.dot wf.yaml
"$pel" status wf.yaml >status.txt
grep -q '0 done, 0 failed, 0 interrupted, 3 never ran' status.txt ||
  fail "status of a new workflow: $(cat status.txt)"
[[ ! -e .pel ]] || fail "dry run, --dot or status created $(find .pel)"

# A run in progress: slow waits for the file go.
"$pel" run -q wf.yaml >run.out 2>&1 &
run_pid=$!
for _ in $(seq 500); do
  grep -qs . .pel/wf/lock && "$pel" status wf.yaml 2>/dev/null | grep -q '1 running' && break
  sleep 0.02
done
sum_before=$(cksum <.pel/wf/journal)
"$pel" status wf.yaml >status.txt
"$pel" run -n wf.yaml >plan.txt 2>plan.err
# The lock is held by the pel started here, or by the worker it forks (guard.c).
holder=$(cat .pel/wf/lock)
[[ $holder == "$run_pid" || $(ps -o ppid= -p "$holder" | tr -d ' ') == "$run_pid" ]] ||
  fail "the lock names pid $holder, neither the run ($run_pid) nor its child"
grep -q "a run is in progress (pid $holder)" status.txt || fail "status during a run: $(cat status.txt)"
grep -q '1 done, 0 failed, 1 running, 1 not started' status.txt ||
  fail "status counts during a run: $(cat status.txt)"
grep -q '^  running: slow log: ' status.txt || fail "status: the running task: $(cat status.txt)"
grep -q "a pel run (pid $holder) is using .*: this is the plan as of now" plan.err ||
  fail "dry run during a run: $(cat plan.err)"
grep -q '^skip quick: up to date' plan.txt || fail "dry run during a run: $(cat plan.txt)"
expect_eq "$(cksum <.pel/wf/journal)" "$sum_before" "the journal after status and dry run"

touch go
wait "$run_pid" || fail "the run exited $?: $(cat run.out)"
expect_eq "$(cat last.txt)" $'quick\nslow' "last.txt"
"$pel" status wf.yaml >status.txt
grep -q '3 done, 0 failed, 0 interrupted, 0 never ran' status.txt ||
  fail "status after the run: $(cat status.txt)"
grep -q 'in progress' status.txt && fail "status after the run: $(cat status.txt)"
echo "ok: dry run and status only read"
