#!/usr/bin/env bash
# Memory of `policy serve` under a long load (issue 12: "memory flat under a 10-minute run"):
# POST /v1/eval for the returning veteran at 32 keep-alive connections (one wrk thread) for
# SECONDS, the server's resident memory (VmRSS) every 30 s, then wrk's totals.
#   bench/serve-memory.sh [POLICY_BINARY] [SECONDS]
# docs/performance.md records a run. Only memory is measured: the rate depends on what else runs.
set -euo pipefail
POLICY=${1:-build/release/cli/policy}
SECS=${2:-600}
command -v wrk >/dev/null || { echo "serve-memory: wrk is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
dir=$(mktemp -d)
"$POLICY" serve --listen 127.0.0.1:0 --quiet > "$dir/out" 2>&1 &
pid=$!
trap 'kill "$pid" "${wpid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 200); do grep -q http:// "$dir/out" 2>/dev/null && break; sleep 0.05; done
port=$(grep -oE ':[0-9]+/' "$dir/out" | head -1 | tr -d ':/')
cat > "$dir/eval.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"}, "as_of": "2026-12-07", "outputs": ["retention_until", "reenroll_windows", "reenroll_deadline", "reenrolment_state", "reenrolment_guidance"]}'
LUA
wrk -t1 -c32 -d"${SECS}s" --latency -s "$dir/eval.lua" "http://127.0.0.1:$port/v1/eval" > "$dir/wrk.txt" 2>&1 &
wpid=$!
for ((t = 0; t <= SECS; t += 30)); do
  echo "t=${t}s RSS $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status") load $(cut -d' ' -f1 /proc/loadavg)"
  [ "$t" -lt "$SECS" ] && sleep 30
done
wait "$wpid"
grep -E "requests in|Requests/sec|99%|Non-2xx|Socket errors" "$dir/wrk.txt"
