#!/usr/bin/env bash
# The page of `policy serve` in a real browser: starts the server on a free loopback port, drives
# Debian's headless Chromium through it (page.test.js, playwright-core pinned in package-lock.json),
# stops the server.
#   bash tests/web/run.sh POLICY_BINARY [SCREENSHOT.png]
# ctest runs it (tests/CMakeLists.txt) with the screenshot in the build tree; to refresh the one the
# README shows: bash tests/web/run.sh build/release/cli/policy docs/serve-phone.png
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 POLICY_BINARY [SCREENSHOT.png]" >&2; exit 2; }
policy="$(realpath "$1")"
screenshot="$(realpath -m "${2:-$PWD/serve-phone.png}")"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

for tool in node npm /usr/bin/python3 "$CHROMIUM"; do
  command -v "$tool" >/dev/null || { echo "web test: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

# (a) The driver, once: npm ci from the committed lock file (one install at a time).
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  (
    flock 9
    if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
      cd "$here" && npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"${TMPDIR:-/tmp}/policy-web-npm.lock"
fi

# (b) The server on a free loopback port; waits for GET /health (an ASan build starts slower).
work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

base=""
for attempt in 1 2 3; do
  port="$(free_port)"
  "$policy" serve --listen "127.0.0.1:$port" --params "$repo/examples/params/handbook-school.toml" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  if node -e '
      const [url, pid] = [process.argv[1], Number(process.argv[2])], until = Date.now() + 60000;
      (async function poll() {
        try { if ((await fetch(url)).ok) process.exit(0); } catch (e) { /* not up yet */ }
        try { process.kill(pid, 0); } catch (e) { process.exit(1); } // the server has exited
        if (Date.now() > until) process.exit(1);
        setTimeout(poll, 100);
      })();' "http://127.0.0.1:$port/health" "$server_pid" && kill -0 "$server_pid" 2>/dev/null; then
    base="http://127.0.0.1:$port"
    break
  fi
  echo "web test: the server did not answer on port $port (attempt $attempt):" >&2
  cat "$work/server.log" >&2
  stop_server
done
[ -n "$base" ] || exit 1

# (c) The test.
status=0
node "$here/page.test.js" "$base" "$screenshot" || status=$?

# (d) Stop the server; a sanitizer report in its log fails the test.
stop_server
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$work/server.log" 2>/dev/null; then
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2
  tail -n 60 "$work/server.log" >&2 || true
fi
exit "$status"
