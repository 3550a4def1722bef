#!/usr/bin/env bash
# Reproduces the batch figures of docs/performance.md: rows per second and peak memory of
# `policy batch` on generated rosters of 100,000 and 1,000,000 rows, next to the floor (reading
# and writing the same file with the same CSV reader, evaluating nothing). Every command writes
# its output to a file. The three commands take turns, five times, and the best time of each is
# reported: this machine's run-to-run noise is ±15-30%, and taking turns exposes all three to
# the same disturbances. `policy batch` runs with its defaults: the CSV for people (labels, Chinese
# values, a BOM, the 评估日期 column) and the outputs the roster's columns can decide.
# Usage: make bench && bench/batch-bench.sh [build/bench] [runs]
set -euo pipefail
build=${1:-build/bench}
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."
jobs=$(nproc)

declare -A best peak
measure() {  # label, command...: one run; keeps the best seconds and the peak resident memory
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" 2> "$work/stderr" || { cat "$work/stderr" >&2; return 1; }
  read -r secs kib < "$work/time"
  if [[ -z ${best[$label]:-} ]] || (( $(echo "$secs < ${best[$label]}" | bc -l) )); then best[$label]=$secs; fi
  if [[ -z ${peak[$label]:-} ]] || (( kib > ${peak[$label]} )); then peak[$label]=$kib; fi
}

report() {  # label: best seconds, rows per second, the ratio to the floor, peak memory
  local label=$1 secs=${best[$1]}
  printf '%-28s %6.2f s  %9.0f rows/s  %4.1fx the floor  peak %5.1f MiB\n' "$label" "$secs" \
    "$(echo "$rows / $secs" | bc -l)" "$(echo "$secs / ${best[floor]}" | bc -l)" "$(echo "${peak[$label]} / 1024" | bc -l)"
}

for rows in 100000 1000000; do
  best=() peak=()
  "$build/bench/roster_gen" "$rows" > "$work/roster.csv"
  echo "== $rows rows ($(du -h "$work/roster.csv" | cut -f1)), $jobs cores, best of $runs"
  for ((i = 0; i < runs; ++i)); do
    measure floor sh -c "'$build/bench/csv_floor' < '$work/roster.csv' > '$work/floor.csv'"
    measure "jobs 1" "$build/cli/policy" batch "$work/roster.csv" --as-of 2025-12-01 --jobs 1 -o "$work/out1.csv"
    measure "jobs $jobs" "$build/cli/policy" batch "$work/roster.csv" --as-of 2025-12-01 --jobs "$jobs" -o "$work/out.csv"
  done
  report floor
  report "jobs 1"
  report "jobs $jobs"
  cmp -s "$work/out1.csv" "$work/out.csv" && echo "--jobs 1 and --jobs $jobs: byte-identical output"
done

# The 1M-row roster as a registrar's workbook (issue 13): bench/roster_xlsx.py (Debian's
# python3-openpyxl, about 2.5 minutes) converts it; then `policy batch` reads the .xlsx. Set
# XLSX=0 to skip.
if [[ ${XLSX:-1} == 1 ]]; then
  /usr/bin/python3 bench/roster_xlsx.py "$work/roster.csv" "$work/roster.xlsx"
  best=() peak=()
  echo "== $rows rows as .xlsx ($(du -h "$work/roster.xlsx" | cut -f1)), $jobs cores, best of $runs"
  for ((i = 0; i < runs; ++i)); do
    measure floor sh -c "'$build/bench/csv_floor' < '$work/roster.csv' > '$work/floor.csv'"
    measure "xlsx jobs $jobs" "$build/cli/policy" batch "$work/roster.xlsx" --as-of 2025-12-01 --jobs "$jobs" -o "$work/outx.csv"
  done
  report "xlsx jobs $jobs"
fi
