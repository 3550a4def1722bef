#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with, only those that are missing.
# Idempotent: a second run installs nothing. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake make pkg-config
  libboost-date-time-dev      # calendar: Gregorian dates (never its months/years durations)
  libhowardhinnant-date-dev   # calendar: IANA time zones from the system tzdata
  tzdata
  libtomlplusplus-dev         # loader: TOML packs with source positions
  librange-v3-dev
  libcli11-dev                # cli: command line
  nlohmann-json3-dev          # situations in JSON, JSON output
  libfmt-dev
  libcsv-dev                  # batch: RFC 4180 roster parsing (iconv, for GB18030, is in glibc)
  libxlsxwriter-dev           # batch: result workbooks (-o result.xlsx) and roster templates (policy template)
  libzip-dev                  # batch: .xlsx rosters, the zip package (Debian has no .xlsx reader)
  libexpat1-dev               # batch: .xlsx rosters, the XML parts, streamed, DTDs refused
  python3-openpyxl            # tests/batch: workbooks read back, and rosters written, by an independent library
  libreoffice-calc-nogui      # tests/batch/xlsx_check.py: result workbooks read by LibreOffice (soffice --convert-to csv)
  libboost-dev                # serve: HTTP server, Boost.Beast and Asio (header-only; serve/README.md)
  libcpp-httplib-dev          # tests/serve: the HTTP client the server's tests speak with
  libgtest-dev libgmock-dev   # tests
  clang-14 libclang-rt-14-dev # tests/fuzz: the libFuzzer harnesses (make fuzz, make test-fuzz)
  libbenchmark-dev            # bench/
  time bc                     # bench/batch-bench.sh: peak memory, rates
  wrk                         # bench/serve-bench.sh: HTTP load generator
  python3-icalendar           # tests/serve/ics_roundtrip.py, tests/web: .ics read back by an independent parser
  chromium                    # tests/web: the page of policy serve in a real (headless) browser
  fonts-wqy-microhei          # tests/web: a CJK font, so the page's Chinese renders
  openapi-specification       # tests/serve/openapi_validate.py: the OpenAPI 3.0 JSON Schema
  python3-jsonschema          # ... which validates serve/openapi.json and the server's answers
  help2man                    # packaging/: the man page policy.1, generated from policy --help at build time
  dpkg-dev file               # make package: CPack's Debian package (dpkg-shlibdeps computes Depends of the ELF files file finds)
  lintian man-db              # tests/packaging: the .deb checked by lintian, its man page read with man -l
)
# tests/web drives Chromium with playwright-core from npm: Node.js and npm, from Debian only where
# the machine has none (a Node.js installed another way, with its own npm, is kept as it is).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
