#!/usr/bin/env bash
# The main job of `make run`: evaluate each example situation with the built-in pack and print
# the results a registrar would read. Each example fixes its evaluation date so the output is
# the same whatever day it runs.
set -euo pipefail
policy=${1:-build/release/cli/policy}
cd "$(dirname "$0")/.."

run() {
  local title=$1; shift
  printf '\n==================== %s ====================\n$ policy %s\n' "$title" "$*"
  "$policy" "$@"
}

run "退役复学 returning veteran" eval examples/situations/returning-veteran.toml --as-of 2025-12-01
run "学历可查询时间 degree visibility" eval examples/situations/degree-visibility.json --as-of 2025-07-01 --format json
run "新生学籍注册 new student" eval examples/situations/new-student-registration.toml --as-of 2026-10-08
run "缺少事实 missing fact" eval examples/situations/missing-fact.toml --as-of 2025-12-01
run "Civil Code period arithmetic" calc "2024-02-29 + P2Y" --explain
run "the pack's own tests" test
