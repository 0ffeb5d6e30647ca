#!/usr/bin/env bash
# Coverage-guided fuzzing of one Kms.Fuzz target with AFL++ and SharpFuzz.
#   fuzz/run.sh TARGET SECONDS      e.g. fuzz/run.sh binary 600
# Publishes to fuzz/publish/TARGET (a later `dotnet build` cannot overwrite the instrumented DLL there),
# instruments Kms.Ttlv.dll, seeds from fuzz/corpus/TARGET, writes findings to fuzz/out/TARGET.
set -euo pipefail
target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
fi
dotnet tool restore >/dev/null

seeds=fuzz/corpus/$target
[ -d "$seeds" ] || { echo "no seed corpus $seeds" >&2; exit 2; }
publish=fuzz/publish/$target
out=fuzz/out/$target

rm -rf "$publish"
dotnet publish fuzz/Kms.Fuzz -c Release -o "$publish" --nologo -v q >/dev/null
# Instrument only the code under test. The instrumented DLL crashes outside the fuzzer (no shared memory):
# never copy it elsewhere, and replay crashes with the uninstrumented build or the regression tests.
dotnet sharpfuzz "$publish/Kms.Ttlv.dll" >/dev/null

if [ -d "$out" ]; then rm -rf "$out.prev"; mv "$out" "$out.prev"; fi
mkdir -p "$out"

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
afl-fuzz -V "$seconds" -i "$seeds" -o "$out" -t 5000 -m none -- dotnet "$publish/Kms.Fuzz.dll" "$target" \
  > "$out/afl.log" 2>&1 || { tail -30 "$out/afl.log" >&2; exit 1; }

stats=$out/default/fuzzer_stats
crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|stability|bitmap_cvg)' "$stats"
echo "target=$target execs=$(awk -F': ' '/^execs_done/{print $2}' "$stats") crashes=$crashes hangs=$hangs"
[ "$crashes" -eq 0 ]
