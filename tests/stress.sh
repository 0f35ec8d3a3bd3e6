#!/usr/bin/env bash
# Runs the whole test suite several times at once beside a CPU load, to show that no test depends on the
# machine being quiet (a wall-clock timeout, a sleep, a poll with a deadline).
#
#   tests/stress.sh [ROUNDS]        ROUNDS parallel runs of the suite (default 5)
#
# Environment: LOAD (busy loops beside the rounds; default one per core), STRESS_OUT (where each round's
# folder goes; default a new temp folder). Builds once, then every round runs the same binaries with
# `dotnet test --no-build` into its own results folder (the tests keep their files, databases and ports
# to themselves). Prints each round's passed/failed counts and the names of failed tests; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
load=${LOAD:-$(nproc)}
case "$rounds$load" in
  *[!0-9]*) echo "usage: tests/stress.sh [ROUNDS] (ROUNDS and LOAD are whole numbers)" >&2; exit 64 ;;
esac
[ "$rounds" -ge 1 ] || { echo "ROUNDS must be at least 1" >&2; exit 64; }

out=${STRESS_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/resync-stress-XXXXXX")}
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Parallel `dotnet test` invocations must not hand work to each other's MSBuild nodes.
export MSBUILDDISABLENODEREUSE=1

echo "Building once..."
if ! dotnet build >"$out/build.log" 2>&1; then
  tail -n 30 "$out/build.log" >&2
  echo "The build failed (log: $out/build.log)." >&2
  exit 2
fi

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  hogs=()
}
trap stop_hogs EXIT
trap 'stop_hogs; exit 130' INT TERM
for _ in $(seq "$load"); do
  ( while :; do :; done ) &
  hogs+=("$!")
done

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "Running $rounds rounds in parallel beside $load busy loops ($(nproc) cores); results in $out"
runs=()
for round in $(seq "$rounds"); do
  folder="$out/round-$round"
  mkdir -p "$folder"
  dotnet test --no-build --results-directory "$folder" >"$folder/console.log" 2>&1 &
  runs+=("$!")
done
statuses=()
for pid in "${runs[@]}"; do
  wait "$pid"
  statuses+=("$?")
done
machine_load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
stop_hogs
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)

total_failed=0
summary="$out/summary.txt"
echo "Started $started, finished $finished: $rounds rounds in parallel, $load busy loops, $(nproc) cores (load average at the end: ${machine_load:-unknown})." >"$summary"
for round in $(seq "$rounds"); do
  log="$out/round-$round/console.log"
  passed=0; failed=0; skipped=0
  while read -r f p s; do
    failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
  done < <(sed -n -E 's/.*(Passed|Failed)! +- Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \3 \4/p' "$log")
  # A runner or test-host crash that reported no failed test still fails the round.
  status=${statuses[$((round - 1))]}
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  total_failed=$((total_failed + failed))
  echo "round $round: $passed passed, $failed failed, $skipped skipped (exit $status)" >>"$summary"
  sed -n -E 's/^ +Failed (.+) \[[^]]*\]$/    failed: \1/p' "$log" | sort -u >>"$summary"
done
cat "$summary"

if [ "$total_failed" -gt 0 ]; then
  echo "Some rounds failed: see $out/round-*/console.log" >&2
  exit 1
fi
echo "All $rounds rounds passed."
