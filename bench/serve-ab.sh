#!/usr/bin/env bash
# Two builds of `policy serve` measured in turn (A, B, A, B, ...) with wrk: GET /health and
# POST /v1/eval for the returning veteran at 32 keep-alive connections. Taking them in turn keeps
# the comparison fair when the machine's speed drifts (other builds, thermal limits).
#   bench/serve-ab.sh POLICY_A POLICY_B [ROUNDS] [SECONDS] [CONNECTIONS]
# Each line: requests/s, p50, p99, the server's CPU (user+system) per request, and the 1-minute
# load average when the run ended (docs/performance.md records them).
set -euo pipefail
A=$1
B=$2
ROUNDS=${3:-3}
SECS=${4:-10}
CONNS=${5:-32}
command -v wrk >/dev/null || { echo "serve-ab: wrk is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
start() {  # binary name -> sets port_<name>, pid_<name>
  "$1" serve --listen 127.0.0.1:0 --quiet > "$dir/$2.out" 2>&1 &
  pids+=($!)
  eval "pid_$2=$!"
  for _ in $(seq 100); do grep -q http:// "$dir/$2.out" 2>/dev/null && break; sleep 0.05; done
  eval "port_$2=$(grep -oE ':[0-9]+/' "$dir/$2.out" | head -1 | tr -d ':/')"
}
start "$A" A
start "$B" B
cat > "$dir/eval.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"facts": {"discharge_date": "2026-06-15", "enlisted_as": "enrolled_student"}, "as_of": "2026-12-07", "outputs": ["retention_until", "reenroll_windows", "reenroll_deadline", "reenrolment_state", "reenrolment_guidance"]}'
LUA
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() {  # name path
  local pid port out c0 c1
  eval "pid=\$pid_$1; port=\$port_$1"
  c0=$(ticks "$pid")
  if [ "$2" = eval ]; then
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$dir/eval.lua" "http://127.0.0.1:$port/v1/eval")
  else
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$port/health")
  fi
  c1=$(ticks "$pid")
  local rps p50 p99 n non
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  n=$(awk '/requests in/ {print $1}' <<< "$out")
  non=$(awk '/Non-2xx/ {print " non-2xx=" $NF}' <<< "$out")
  printf "%s %-7s %9s req/s  p50 %-8s p99 %-8s cpu/req %5s us  load %s%s\n" "$1" "$2" "$rps" "$p50" "$p99" \
    "$(awk -v c=$((c1 - c0)) -v n="$n" -v hz="$hz" 'BEGIN {printf "%.0f", c * 1e6 / hz / n}')" "$(cut -d' ' -f1 /proc/loadavg)" "$non"
}
echo "A: $A"
echo "B: $B"
echo "RSS at start: A $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pid_A/status), B $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pid_B/status)"
for _ in $(seq "$ROUNDS"); do
  for path in health eval; do
    run A $path
    run B $path
  done
done
echo "RSS at end: A $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pid_A/status), B $(awk '/VmRSS/ {print $2 " kB"}' /proc/$pid_B/status)"
