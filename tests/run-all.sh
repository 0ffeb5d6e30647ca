#!/usr/bin/env bash
# Installs what the tests need, builds everything and runs every test project.
# Ends with one line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Installs a Debian package; apt-get update only when the first install fails.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "$1" >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1
    apt-get install -y -q "$1" 2>&1 | tail -n 2
  fi
}

# PyKMIP (Debian python3-pykmip) for the interoperability tests in tests/Kms.Conformance.Tests. It imports only under
# Debian's /usr/bin/python3. Skipped when it already imports.
/usr/bin/python3 -c 'import kmip' >/dev/null 2>&1 || apt_install python3-pykmip
# jq reads BenchmarkDotNet's JSON in bench/check-allocations.sh.
command -v jq >/dev/null 2>&1 || apt_install jq

dotnet build Kms.sln -c Release 2>&1 | tail -n 3
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test Kms.sln -c Release --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summary=$(awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
  for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
} END { printf "%d passed, %d failed", p, f }' "$log")
failed=$(echo "$summary" | awk '{print $3}')
if [ "$status" -ne 0 ] && [ "$failed" = "0" ]; then
  # The runner failed without reporting a failed test (a crashed test host, say): count it.
  summary=$(echo "$summary" | awk '{printf "%d passed, 1 failed", $1}')
fi

# The allocation budget (issue 7): every benchmark in bench/allocation-budget.txt at 0 B per operation, one check.
if bash bench/check-allocations.sh; then
  summary=$(echo "$summary" | awk '{printf "%d passed, %d failed", $1 + 1, $3}')
else
  summary=$(echo "$summary" | awk '{printf "%d passed, %d failed", $1, $3 + 1}')
  status=1
fi
echo "$summary"
exit "$status"
