#!/usr/bin/env bash
# The main job of `make run`: evaluate example situations with the built-in pack and print what a
# registrar would read. Each example fixes its evaluation date, so the output is the same
# whatever day it runs. Every question of docs/cn-higher-ed.md has a situation in
# examples/situations/ (q01..q11); a selection runs here.
set -euo pipefail
policy=${1:-build/release/cli/policy}
cd "$(dirname "$0")/.."

run() {
  local title=$1; shift
  printf '\n==================== %s ====================\n$ policy %s\n' "$title" "$*"
  "$policy" "$@"
}

run "退役复学 returning veteran" eval examples/situations/returning-veteran.toml --as-of 2025-12-01
run "问题5 学校办理期间已过、法定保留期未满 the school's period is over, the retention still runs (the handbook's school)" \
  eval --set discharge_date=2024-02-29 --set enlisted_as=在校生 --as-of 2025-12-01 --params examples/params/handbook-school.toml
run "问题5 保留期届满 the retention has ended" eval --set discharge_date=2024-02-29 --set enlisted_as=在校生 --as-of 2026-03-01 \
  --params examples/params/handbook-school.toml
run "学历可查询时间 degree visibility" eval examples/situations/degree-visibility.json --as-of 2025-07-01 --format json
run "新生学籍注册 new student" eval examples/situations/new-student-registration.toml --as-of 2026-10-08
run "缺少事实 missing fact" eval examples/situations/missing-fact.toml --as-of 2025-12-01
run "问题2 学籍查不到 record not found" eval examples/situations/q02-xueji-not-found.toml --as-of 2026-11-05
run "问题6 结业证书 completion certificate" eval examples/situations/q06-completion-certificate.toml --as-of 2025-06-20
run "问题9 毕业后改名 name changed after graduation" eval examples/situations/q09-name-change-after-graduation.toml --as-of 2025-03-01
run "问题10 考试报名信息错误 an exam-registration error" eval examples/situations/q10-xueli-registration-error.toml --as-of 2025-09-01 \
  --params examples/params/handbook-school.toml
run "花名册批量核对 roster batch (exit 3: two rows have errors)" batch examples/rosters/veterans.csv --as-of 2025-12-01 \
  --outputs retention_until,reenroll_deadline,reenrolment_state,degree_visible_from,registration_status || [ $? -eq 3 ]
# The same roster as a workbook for the registrar (sheets 结果, 需处理, 汇总, 依据): one line says
# where it went and how many rows its 需处理 sheet lists.
workbook=${TMPDIR:-/tmp}/policy-examples-结果.xlsx
printf '\n==================== 花名册结果工作簿 the roster as a workbook ====================\n$ policy batch examples/rosters/veterans.csv --as-of 2025-12-01 -o %s\n' "$workbook"
status=0
said=$("$policy" batch examples/rosters/veterans.csv --as-of 2025-12-01 -o "$workbook" 2>&1) || status=$?
[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "$said" >&2; exit 1; }  # 3: some rows have errors
grep -E '工作簿已写入|workbook written' <<<"$said"
run "Civil Code Art. 202 period arithmetic" calc "2024-02-29 + P2Y" --explain
run "Civil Code Art. 203 next working day" calc "next_workday(2024-02-12)" --explain
run "the pack's own tests" test

# The page for students and staff, and the JSON API (docs/serve.md): started by hand, it runs until
# Ctrl+C.
printf '\n==================== 网页和 API the page and the JSON API ====================\n'
echo "  启动 start:  $policy serve"
echo "  然后在浏览器打开 then open  http://127.0.0.1:8080/   （学生按问题查询，教务人员上传名单；docs/serve.md：nginx、API）"
