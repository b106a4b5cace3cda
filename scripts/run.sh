#!/usr/bin/env bash
# run.sh — the main job: run every example (each checks its own result) from the release
# build, then the quick side-by-side benchmark table of pel against its baselines.
# Expects `scripts/build.sh release` to have run (make run does that first).
set -uo pipefail
cd "$(dirname "$0")/.."

failed=0
examples=("${PEL_BUILD_ROOT:-build}"/release/examples/pel_example_*)
if [[ ! -x ${examples[0]} ]]; then
  echo "run.sh: no examples in ${PEL_BUILD_ROOT:-build}/release/examples; run 'make run'" >&2
  exit 1
fi
echo "=============================== examples ==============================="
for ex in "${examples[@]}"; do
  echo "--- ${ex##*/}"
  if ! "$ex"; then
    echo "run.sh: ${ex##*/} FAILED" >&2
    failed=1
  fi
done

echo "=============================== pel run ==============================="
# The example workflow, in a scratch copy so its outputs stay out of the source tree: a
# first run does everything, a second finds it all up to date, then the status summary.
pel=${PEL_BUILD_ROOT:-build}/release/tools/pel/pel
wfdir=${PEL_BUILD_ROOT:-build}/release/workflow-example
rm -rf "$wfdir" && mkdir -p "$wfdir" && cp examples/workflow/pipeline.yaml "$wfdir/"
if "$pel" run --no-progress "$wfdir/pipeline.yaml" &&
   cat "$wfdir/.pel/pipeline/logs/check.log" &&
   "$pel" run --no-progress "$wfdir/pipeline.yaml" &&
   "$pel" status "$wfdir/pipeline.yaml"; then
  :
else
  echo "run.sh: pel run of examples/workflow/pipeline.yaml FAILED" >&2
  failed=1
fi

echo "=============================== benchmarks ==============================="
if [[ -x bench/run ]]; then
  bench/run --quick --table || { echo "run.sh: bench/run FAILED" >&2; failed=1; }
else
  echo "run.sh: bench/run does not exist yet; skipping the benchmarks"
fi

[[ $failed == 0 ]] && echo "make run: done" || echo "make run: FAILED"
exit $failed
