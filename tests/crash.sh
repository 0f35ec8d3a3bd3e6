#!/usr/bin/env bash
# The crash harness over many seeds: tests/crash.sh 1000 runs seeds 1..1000 against each target, SQLite and PostgreSQL
# (default 100 each), two seeds at a time (RESYNC_CRASH_AT_ONCE=4 on a quiet machine: a seed mostly waits); tests/crash.sh 1000 sqlite runs them against one target. Each seed's result is
# appended to RESYNC_CRASH_LOG (default: a file in $TMPDIR, printed), so a run cut short keeps its figures. Every seed runs;
# the failing ones are printed at the end; replay one with RESYNC_CRASH_SEED=<seed> tests/crash.sh. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export RESYNC_CRASH_SEEDS="${1:-100}"
export RESYNC_CRASH_LOG="${RESYNC_CRASH_LOG:-${TMPDIR:-/tmp}/resync-crash-$(date +%Y%m%d-%H%M%S).log}"
filter="FullyQualifiedName~CrashHarnessTests"
if [ -n "${2:-}" ]; then filter="$filter&DisplayName~$2"; fi
echo "Each seed's result goes to $RESYNC_CRASH_LOG"
exec dotnet test tests/Resync.Cli.Tests --filter "$filter" --logger "console;verbosity=normal"
