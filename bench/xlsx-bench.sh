#!/usr/bin/env bash
# The result workbook's figures of docs/performance.md: `policy batch ROSTER -o big.xlsx` end to end
# (reading, evaluating, libxlsxwriter's constant-memory sheets and its zip) on generated rosters of
# 100,000 and 1,000,000 rows, with the CSV result of the same roster beside it; rows per second and
# peak resident memory (/usr/bin/time). Best of `runs` (default 3): this machine's noise is ±15-30%.
# Usage: make bench && bench/xlsx-bench.sh [build/bench] [runs]
set -euo pipefail
build=${1:-build/bench}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."

for rows in 100000 1000000; do
  "$build/bench/roster_gen" "$rows" > "$work/roster.csv"
  echo "== $rows rows ($(du -h "$work/roster.csv" | cut -f1)), $(nproc) cores, best of $runs"
  for out in csv xlsx; do
    best="" peak=0
    for ((i = 0; i < runs; ++i)); do
      /usr/bin/time -f "%e %M" -o "$work/time" "$build/cli/policy" batch "$work/roster.csv" --as-of 2025-12-01 \
        -o "$work/result.$out" 2> "$work/stderr" || [ $? -eq 3 ] || { cat "$work/stderr" >&2; exit 1; }
      read -r secs kib < "$work/time"
      if [[ -z $best ]] || (( $(echo "$secs < $best" | bc -l) )); then best=$secs; fi
      (( kib > peak )) && peak=$kib
    done
    printf '%-5s %7.2f s  %9.0f rows/s  peak %5.1f MiB  %s\n' "$out" "$best" "$(echo "$rows / $best" | bc -l)" \
      "$(echo "$peak / 1024" | bc -l)" "$(du -h "$work/result.$out" | cut -f1)"
  done
  grep -E '需处理|Worklist' "$work/stderr" || true
done
