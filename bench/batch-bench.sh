#!/usr/bin/env bash
# Reproduces the batch figures of docs/performance.md: rows per second and peak memory of
# `policy batch` on generated rosters of 100,000 and 1,000,000 rows, next to the floor (reading
# and writing the same file with the same CSV reader, evaluating nothing). Every command writes
# its output to a file, runs three times, and the best time is reported (this machine's
# run-to-run noise is ±15%; the best run is the one least disturbed).
# Usage: make bench && bench/batch-bench.sh [build/bench]
set -euo pipefail
build=${1:-build/bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."

measure() {  # label, command...: prints the best seconds of three runs and the peak resident memory
  local label=$1; shift
  local best="" peak=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" 2> "$work/stderr" || { cat "$work/stderr" >&2; return 1; }
    read -r secs kib < "$work/time"
    if [[ -z $best ]] || (( $(echo "$secs < $best" | bc -l) )); then best=$secs; fi
    (( kib > peak )) && peak=$kib
  done
  last=$best
  printf '%-34s %8.2f s  %8.0f rows/s  peak %6.1f MiB' "$label" "$best" "$(echo "$rows / $best" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
}

for rows in 100000 1000000; do
  "$build/bench/roster_gen" "$rows" > "$work/roster.csv"
  echo "== $rows rows ($(du -h "$work/roster.csv" | cut -f1)), $(nproc) cores"
  measure "floor (read + write CSV)" sh -c "'$build/bench/csv_floor' < '$work/roster.csv' > '$work/floor.csv'"
  floor=$last
  echo
  measure "policy batch --jobs 1" "$build/cli/policy" batch "$work/roster.csv" --as-of 2025-12-01 --jobs 1 -o "$work/out1.csv"
  printf '  %.1fx the floor\n' "$(echo "$last / $floor" | bc -l)"
  measure "policy batch --jobs $(nproc)" "$build/cli/policy" batch "$work/roster.csv" --as-of 2025-12-01 -o "$work/out.csv"
  printf '  %.1fx the floor\n' "$(echo "$last / $floor" | bc -l)"
  cmp -s "$work/out1.csv" "$work/out.csv" && echo "--jobs 1 and --jobs $(nproc): byte-identical output"
done
