#!/usr/bin/env bash
# run_errors_test.sh PEL — every error `pel run` promises: its exit status and message.
source "$(dirname "$0")/lib.sh"
pel=$1
cd "$work"

wf() { cat >"$1"; }

wf cycle.yaml <<'YAML'
tasks:
  - {name: a, run: "true", after: [c]}
  - {name: b, run: "true", after: [a]}
  - {name: c, run: "true", after: [b]}
YAML
expect_fail 2 'cycle.*(a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)' "$pel" run cycle.yaml

wf unknown.yaml <<'YAML'
tasks:
  - {name: a, run: "true", after: [nosuch]}
YAML
expect_fail 2 'unknown.yaml:.*nosuch' "$pel" run unknown.yaml

wf twice.yaml <<'YAML'
tasks:
  - {name: a, run: "echo 1 > x", outputs: [x]}
  - {name: b, run: "echo 2 > x", outputs: [x]}
YAML
expect_fail 2 'x' "$pel" run twice.yaml
grep -q 'a' "$work/stderr" && grep -q 'b' "$work/stderr" || fail "both writers should be named"

wf malformed.yaml <<'YAML'
tasks:
  - name: a
    run: "true"
   bad: [
YAML
expect_fail 2 'malformed.yaml:[0-9]+:[0-9]+' "$pel" run malformed.yaml

wf badkey.yaml <<'YAML'
tasks:
  - name: a
    rnu: "true"
YAML
expect_fail 2 'badkey.yaml:3:[0-9]+:.*rnu' "$pel" run badkey.yaml

wf missing_cmd.yaml <<'YAML'
tasks:
  - {name: ghost, cmd: [pel-no-such-command-xyz, arg]}
  - {name: after-ghost, run: "true", after: [ghost]}
YAML
expect_fail 1 'command not found: pel-no-such-command-xyz' "$pel" run -q missing_cmd.yaml
"$pel" status missing_cmd.yaml >status.txt
grep -q 'failed: ghost (exit 127)' status.txt || fail "status after a missing command: $(cat status.txt)"

wf missing_shell_cmd.yaml <<'YAML'
tasks:
  - {name: ghost, run: "pel-no-such-command-xyz > out.txt"}
YAML
expect_fail 1 'ghost.*(127|not found)' "$pel" run -q missing_shell_cmd.yaml

wf fails.yaml <<'YAML'
tasks:
  - {name: bad, run: "echo the-reason-it-failed >&2; exit 3"}
YAML
expect_fail 1 'the-reason-it-failed' "$pel" run -q fails.yaml

wf noinput.yaml <<'YAML'
tasks:
  - {name: a, run: "cat nothere.txt", inputs: [nothere.txt]}
YAML
expect_fail 2 'nothere.txt' "$pel" run noinput.yaml

wf nooutput.yaml <<'YAML'
tasks:
  - {name: lazy, run: "true", outputs: [never.txt]}
YAML
expect_fail 1 'did not write its output .*never.txt' "$pel" run -q nooutput.yaml

wf bigmem.yaml <<'YAML'
tasks:
  - {name: huge, run: "true", memory: 100T}
YAML
expect_fail 2 'huge needs .* memory' "$pel" run bigmem.yaml

wf ok.yaml <<'YAML'
tasks:
  - {name: a, run: "true"}
YAML
touch afile
expect_fail 3 'cannot create journal directory' "$pel" run --state-dir afile/state ok.yaml
expect_fail 2 'unknown option' "$pel" run --frobnicate ok.yaml
expect_fail 2 'which workflow' "$pel" run
expect_fail 2 'no-such.yaml' "$pel" run no-such.yaml
expect_fail 2 'jobs' "$pel" run -j 0 ok.yaml

wf slow.yaml <<'YAML'
tasks:
  - {name: slow, run: "sleep 30", timeout: 0.3, retries: 1, retry_delay: 0.1}
YAML
expect_fail 1 'timed out' "$pel" run -q --kill-grace 0.2 slow.yaml

# A second pel on the same state while the first runs.
wf long.yaml <<'YAML'
tasks:
  - {name: long, run: "sleep 5"}
YAML
"$pel" run -q long.yaml &
first=$!
for _ in $(seq 100); do [[ -e .pel/long/lock ]] && break; sleep 0.05; done
sleep 0.2
expect_fail 3 'in use by another pel' "$pel" run long.yaml
kill -TERM $first
wait $first && fail "an interrupted run should not exit 0" || true
"$pel" run -n long.yaml | grep -q 'run  long: interrupted' || fail "interrupted task not re-planned"
echo "ok: errors"
