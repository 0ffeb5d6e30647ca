#!/usr/bin/env bash
# Builds Release and runs the issue-7 standard scenarios with bench/Kms.Load, which starts Kms.Server itself
# (KMIP mode and echo mode, same PKI and TLS, loopback), and pykmip-server when PyKMIP is installed.
# Writes bench/results/<UTC date>.md (machine, command, table with the ratios against the targets).
#   bench/run.sh                     # ~10 minutes on 2 cores
#   WARMUP=5 DURATION=10 bench/run.sh
#   ROUNDS=3 bench/run.sh            # Kms and echo alternate 3 times per scenario (A/B/A/B), summed: steadier ratios on a busy box
set -euo pipefail
cd "$(dirname "$0")/.."

warmup=${WARMUP:-4}
duration=${DURATION:-8}
rounds=${ROUNDS:-1}

dotnet build -c Release -v quiet -nologo src/Kms.Server/Kms.Server.csproj
dotnet build -c Release -v quiet -nologo bench/Kms.Load/Kms.Load.csproj

extra=()
if /usr/bin/python3 -c 'import kmip' 2>/dev/null && command -v pykmip-server >/dev/null; then
  extra+=(--pykmip)
else
  echo "PyKMIP not installed (apt-get install -y python3-pykmip): the Kms / PyKMIP comparison is skipped" >&2
fi

mkdir -p bench/results
out="bench/results/$(date -u +%Y-%m-%d).md"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
load=(dotnet bench/Kms.Load/bin/Release/net10.0/Kms.Load.dll --warmup "$warmup" --duration "$duration" --rounds "$rounds")
"${load[@]}" --suite standard "${extra[@]}" --out "$out"
echo "results: $out"
