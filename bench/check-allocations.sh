#!/usr/bin/env bash
# Runs every benchmark listed in bench/allocation-budget.txt once, quickly and in-process, and fails if any
# of them allocates more than 0 B per operation (or did not run). Not a timing measurement.
#   bench/check-allocations.sh
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t budget < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' bench/allocation-budget.txt | grep -v '^$')
[ "${#budget[@]}" -gt 0 ] || { echo "empty allocation budget" >&2; exit 2; }

artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT

# A Dry job, but warmed up and averaged over 16384 calls: BDN counts process-wide allocations, and a few KB per iteration from
# the in-process host or a one-time JIT allocation must not read as a per-operation allocation (a real one is >= 24 B/op).
# Tiered compilation is off so that no background re-JIT (which allocates) lands in the measured iteration;
# it changes the code's speed, not what the code allocates.
if ! DOTNET_TieredCompilation=0 dotnet run -c Release --project bench/Kms.Benchmarks -- \
    --filter "${budget[@]}" --inProcess --job Dry --strategy Throughput --warmupCount 1 \
    --invocationCount 16384 --unrollFactor 16 --exporters json --artifacts "$artifacts" >"$artifacts/run.log" 2>&1; then
  tail -40 "$artifacts/run.log" >&2
  echo "benchmark run failed" >&2
  exit 1
fi

results=$(jq -r '.Benchmarks[] | "\(.FullName) \(.Memory.BytesAllocatedPerOperation // "NA")"' "$artifacts"/results/*-report-full-compressed.json)
fail=0
for name in "${budget[@]}"; do
  bytes=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$results")
  if [ -z "$bytes" ] || [ "$bytes" = "NA" ]; then
    echo "MISSING  $name (no result)"; fail=1
  elif [ "$bytes" -gt 0 ]; then
    echo "OVER     $name allocates $bytes B/op (budget 0 B)"; fail=1
  else
    echo "ok       $name 0 B/op"
  fi
done
[ "$fail" -eq 0 ] && echo "allocation budget: ${#budget[@]} benchmarks at 0 B" || { echo "allocation budget exceeded" >&2; exit 1; }
