#!/usr/bin/env bash
# A roster split into headerless chunks, each run on its own as a cluster runs it
# (docs/cluster.md), gives byte for byte the whole run's output without its header.
#   cluster_chunks.sh POLICY ROSTER_GEN WORK_DIR
# A 100,000-row generated roster (bench/roster_gen.cpp) with bad dates, a blank line and a row past
# the row bound (1 MiB cell) at known rows; split -l into 15 chunks; every chunk run with
# --header-file, --first-row, --no-output-header and --row-errors-ok; CSV and JSON Lines.
set -euo pipefail
policy=$1
gen=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Exit code of a command, without stopping the script.
code_of() {
  set +e
  "$@"
  local c=$?
  set -e
  echo "$c"
}

"$gen" 100000 7 > gen.csv
# Rows are lines here (roster_gen quotes nothing): bad discharge dates in the generated lines
# 1235, 50001 and 100001 (the last), a blank line after line 30000 (it counts as row 30001), and
# after the line that becomes 60001 a row whose cell is past the 1 MiB bound (batch_row_too_large,
# row 60002): the bad dates are rows 1235, 50002 and 100003 of roster.csv.
awk -F, 'BEGIN { OFS = "," } NR == 1235 || NR == 50001 || NR == 100001 { $4 = "2025/13/45" } { print }
         NR == 30000 { printf "\r\n" }' gen.csv > edited.csv
{
  head -n 60001 edited.csv
  printf '2099999999,"%s",,,,,\r\n' "$(head -c 1200000 /dev/zero | tr '\0' x)"
  tail -n +60002 edited.csv
} > roster.csv
[ "$(wc -l < roster.csv)" -eq 100003 ] || fail "roster.csv has $(wc -l < roster.csv) lines, not 100003"

common=(--as-of 2025-12-01)

# The whole roster in one run: row errors exit 3, or 0 with --row-errors-ok.
c=$(code_of "$policy" batch roster.csv "${common[@]}" -o full.csv 2> full.err)
[ "$c" -eq 3 ] || fail "whole run exited $c, not 3: $(cat full.err)"
c=$(code_of "$policy" batch roster.csv "${common[@]}" --row-errors-ok --no-output-header -o whole.csv 2> whole.err)
[ "$c" -eq 0 ] || fail "whole run with --row-errors-ok exited $c, not 0: $(cat whole.err)"
# --no-output-header leaves out the BOM and the header line, nothing else.
tail -c +4 full.csv | tail -n +2 | cmp - whole.csv || fail "--no-output-header is not the output without its BOM and header"
grep -q ',错误,"\?第1235行 D列（退役日期）' whole.csv || fail "row 1235 is not the error it should be"
grep -q ',错误,"\?第50002行 D列（退役日期）' whole.csv || fail "row 50002 is not the error it should be"
grep -q ',错误,"\?第100003行 D列（退役日期）' whole.csv || fail "the last row is not the error it should be"
grep -q '^,,,,,,,2025-12-01,.*,错误,第60002行 这一行超过读取上限（batch_row_too_large' whole.csv ||
  fail "the row past the bound is not an error row of row 60002"

# The chunks: everything below the header, 7000 lines each; chunk k starts at row 2 + 7000k.
head -n 1 roster.csv > header.csv
tail -n +2 roster.csv | split -l 7000 -d -a 3 - chunk.
chunks=(chunk.*)
[ "${#chunks[@]}" -eq 15 ] || fail "${#chunks[@]} chunks, not 15"
k=0
: > chunks.csv
: > chunks.jsonl
for chunk in "${chunks[@]}"; do
  first=$((2 + 7000 * k))
  c=$(code_of "$policy" batch "$chunk" "${common[@]}" --header-file header.csv --first-row "$first" \
        --no-output-header --row-errors-ok -o "$chunk.out" 2> "$chunk.err")
  [ "$c" -eq 0 ] || fail "$chunk exited $c: $(cat "$chunk.err")"
  cat "$chunk.out" >> chunks.csv
  # JSON Lines from standard input, as Hadoop Streaming and Spark's pipe() give it.
  "$policy" batch - "${common[@]}" --format jsonl --header-file header.csv --first-row "$first" \
    --row-errors-ok < "$chunk" 2> "$chunk.err" >> chunks.jsonl || fail "$chunk (jsonl) exited $?: $(cat "$chunk.err")"
  k=$((k + 1))
done
cmp chunks.csv whole.csv || fail "the chunks' CSV outputs concatenated differ from the whole run's"
"$policy" batch roster.csv "${common[@]}" --format jsonl > whole.jsonl 2> /dev/null || true
cmp chunks.jsonl whole.jsonl || fail "the chunks' JSON Lines concatenated differ from the whole run's"
grep -q '^{"row":50001,' whole.jsonl || fail "JSON Lines have no row 50001"

# A chunk holding a bad row fails a cluster's task without --row-errors-ok (exit 3); one without
# bad rows exits 0 either way.
c=$(code_of "$policy" batch chunk.000 "${common[@]}" --header-file header.csv --first-row 2 --no-output-header \
      -o /dev/null 2> /dev/null)
[ "$c" -eq 3 ] || fail "chunk.000 without --row-errors-ok exited $c, not 3"
c=$(code_of "$policy" batch chunk.001 "${common[@]}" --header-file header.csv --first-row 7002 --no-output-header \
      -o /dev/null 2> /dev/null)
[ "$c" -eq 0 ] || fail "chunk.001 (no bad row) exited $c, not 0"

# The first split of the roster itself, header included (a cluster's first input split), without
# --first-row: the header is skipped and rows count from the roster's top, as chunk.000's did.
head -n 7001 roster.csv | "$policy" batch - "${common[@]}" --header-file header.csv --no-output-header \
  --row-errors-ok > first-split.csv 2> /dev/null
cmp first-split.csv chunk.000.out || fail "the first split with its header differs from chunk.000's output"

# GB18030: the header file tells the chunks' encoding, and GB18030 output the same.
iconv -f UTF-8 -t GB18030 < <(tail -c +4 roster.csv | head -n 20001) > gb.csv
head -n 1 gb.csv > gb-header.csv
"$policy" batch gb.csv "${common[@]}" --output-encoding gb18030 --no-output-header --row-errors-ok -o gb-whole.csv 2> /dev/null
tail -n +2 gb.csv | split -l 6000 -d -a 2 - gbchunk.
k=0
: > gb-chunks.csv
for chunk in gbchunk.*; do
  "$policy" batch "$chunk" "${common[@]}" --header-file gb-header.csv --first-row $((2 + 6000 * k)) \
    --output-encoding gb18030 --no-output-header --row-errors-ok >> gb-chunks.csv 2> /dev/null
  k=$((k + 1))
done
cmp gb-chunks.csv gb-whole.csv || fail "the GB18030 chunks differ from the whole GB18030 run"
echo "ok: 15 chunks (CSV, JSON Lines) and 4 GB18030 chunks give the whole run's output"
