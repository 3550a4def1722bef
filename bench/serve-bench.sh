#!/usr/bin/env bash
# Load test of `policy serve` (issue 12): POST /v1/eval for the returning veteran at 32 concurrent
# keep-alive connections, beside GET /health as the floor of the same server, with wrk (Debian).
# One wrk thread drives the 32 connections: on a 2-core machine a second one only takes CPU from
# the server's two event loops (18.6k eval/s with -t2 against 21-22k with -t1, 2026-12-07).
#   bench/serve-bench.sh [POLICY_BINARY] [SECONDS] [CONNECTIONS]
# Prints wrk's figures (requests/s, latency percentiles) and the server's resident memory before
# and after the run (docs/performance.md records them).
set -euo pipefail
POLICY=${1:-build/release/cli/policy}
SECS=${2:-20}
CONNS=${3:-32}
command -v wrk >/dev/null || { echo "serve-bench: wrk is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$POLICY" serve --listen 127.0.0.1:0 --quiet > "$dir/out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q http:// "$dir/out" 2>/dev/null && break; sleep 0.05; done
port=$(grep -oE ':[0-9]+/' "$dir/out" | head -1 | tr -d ':/')
url="http://127.0.0.1:$port"
cat > "$dir/eval.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"}, "as_of": "2026-12-07", "outputs": ["retention_until", "reenroll_windows", "reenroll_deadline", "reenrolment_state", "reenrolment_guidance"]}'
LUA
# The answer checked once before timing it.
curl -sf -H 'Content-Type: application/json' -d @<(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$dir/eval.lua") "$url/v1/eval" | grep -q '"reenroll_deadline":"2027-09-30"' \
  || { echo "serve-bench: the eval answer is not the expected one" >&2; exit 1; }
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "server RSS before: $(rss)"
echo "== GET /health (the floor), $CONNS connections, ${SECS}s"
wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "$url/health" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors"
echo "== POST /v1/eval (returning veteran), $CONNS connections, ${SECS}s"
wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$dir/eval.lua" "$url/v1/eval" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors"
echo "server RSS after: $(rss)"
