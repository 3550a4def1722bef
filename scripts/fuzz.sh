#!/usr/bin/env bash
# Runs the libFuzzer harnesses of tests/fuzz (built by `make build-fuzz` into build/fuzz).
#   scripts/fuzz.sh BUILD_DIR SECONDS          every harness in turn, SECONDS each (make fuzz)
#   scripts/fuzz.sh --one FUZZER SECONDS SEEDS WORK
#                                              one harness (the CTest tests of a POLICY_FUZZ build)
# New inputs go to WORK/corpus/NAME (the seed corpus in the tree, SEEDS, is only read), crashes to
# WORK/artifacts/; the dictionary tests/fuzz/NAME.dict is used when there is one. Each run ends
# with libFuzzer's final stats (execs, cov, ft), also in WORK/NAME.log. To keep a new input as a
# regression, copy it into tests/fuzz/corpus/NAME/ with a name that says what it found.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

run_one() {
  local fuzzer="$1" seconds="$2" seeds="$3" work="$4"
  local name
  name="$(basename "$fuzzer")"
  name="${name#fuzz_}"
  mkdir -p "$work/corpus/$name" "$work/artifacts"
  local dict=()
  if [ -f "$here/tests/fuzz/$name.dict" ]; then dict=("-dict=$here/tests/fuzz/$name.dict"); fi
  # -timeout: an input taking 25 s is a hang (10 s tripped on a loaded machine); -rss_limit_mb: an input taking 2.5 GB is a bug.
  local status=0
  "$fuzzer" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$name-" "${dict[@]}" "$work/corpus/$name" "$seeds" >"$work/$name.log" 2>&1 || status=$?
  grep -aE '^(#[0-9]+[[:space:]]+(DONE|INITED)|stat::|==[0-9]+==|SUMMARY|fuzz property|ParseDictionaryFile|INFO: seed corpus)' \
    "$work/$name.log" || true
  return "$status"
}

if [ "${1:-}" = "--one" ]; then
  shift
  run_one "$@"
  exit $?
fi

build="${1:?usage: scripts/fuzz.sh BUILD_DIR SECONDS}"
seconds="${2:-600}"
status=0
for fuzzer in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name="$(basename "$fuzzer")"
  echo "== ${name#fuzz_}: ${seconds} s"
  run_one "$fuzzer" "$seconds" "$here/tests/fuzz/corpus/${name#fuzz_}" "$build/tests/fuzz/work" || {
    echo "== ${name#fuzz_}: FAILED (see $build/tests/fuzz/work/${name#fuzz_}.log and work/artifacts/)"
    status=1
  }
done
exit $status
