#!/usr/bin/env bash
# run_change_test.sh PEL — `pel run` re-runs exactly what a change affects: edit one
# command, or one input, and that task and everything downstream of it run again, nothing
# else; touching an input without changing it, or running again, runs nothing.
source "$(dirname "$0")/lib.sh"
pel=$1
cd "$work"

# a -> b -> c (through files), d independent; e after c by name.
write_wf() { # B_COMMAND
  cat >wf.yaml <<YAML
tasks:
  - name: a
    run: echo a >> runs.log; cat in.txt > a.txt
    inputs: [in.txt]
    outputs: [a.txt]
  - name: b
    run: echo b >> runs.log; $1
    inputs: [a.txt]
    outputs: [b.txt]
  - name: c
    run: echo c >> runs.log; cat b.txt b.txt > c.txt
    inputs: [b.txt]
    outputs: [c.txt]
  - name: d
    run: echo d >> runs.log; echo d > d.txt
    outputs: [d.txt]
  - name: e
    cmd: [sh, -c, "echo e >> runs.log"]
    after: [c]
YAML
}
ran() { sort runs.log 2>/dev/null | tr '\n' ' '; }
run() { : >runs.log; "$pel" run -q wf.yaml || fail "pel run exited $?"; }

echo hello >in.txt
write_wf 'tr a-z A-Z < a.txt > b.txt'
run
expect_eq "$(ran)" "a b c d e " "first run"
expect_eq "$(cat c.txt)" $'HELLO\nHELLO' "c.txt"

run
expect_eq "$(ran)" "" "second run, nothing changed"

touch -d '2001-01-01' in.txt
run
expect_eq "$(ran)" "" "input touched, content unchanged"

write_wf 'tr a-z A-Z < a.txt | rev > b.txt'
"$pel" run -n wf.yaml >plan.txt
grep -q '^skip a: up to date' plan.txt || fail "dry run: a should be up to date: $(cat plan.txt)"
grep -q '^run  b: command changed' plan.txt || fail "dry run: b's command changed: $(cat plan.txt)"
grep -q '^run  c: upstream task b re-runs' plan.txt || fail "dry run: c is downstream: $(cat plan.txt)"
grep -q '^skip d: up to date' plan.txt || fail "dry run: d: $(cat plan.txt)"
grep -q '^2 of 5\|^3 of 5' plan.txt || fail "dry run summary: $(cat plan.txt)"
run
expect_eq "$(ran)" "b c e " "b's command edited"
expect_eq "$(cat c.txt)" $'OLLEH\nOLLEH' "c.txt after the edit"

echo world >in.txt
run
expect_eq "$(ran)" "a b c e " "input of a edited"

echo garbage >c.txt
run
expect_eq "$(ran)" "c e " "output of c edited by hand"

rm d.txt
run
expect_eq "$(ran)" "d " "output of d deleted"

: >runs.log
"$pel" run -q --force wf.yaml
expect_eq "$(ran)" "a b c d e " "--force"

"$pel" status wf.yaml >status.txt
grep -q '5 done, 0 failed, 0 interrupted, 0 never ran' status.txt ||
  fail "status: $(cat status.txt)"
echo "ok: change detection"
