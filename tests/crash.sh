#!/usr/bin/env bash
# The crash harness over many seeds: tests/crash.sh 1000 runs seeds 1..1000 against each target, SQLite and PostgreSQL
# (default 100 each). Each seed's result is appended to RESYNC_CRASH_LOG (default: a file in $TMPDIR, printed), so a run
# cut short keeps its figures. A failing seed is printed; replay it with RESYNC_CRASH_SEED=<seed> tests/crash.sh.
# See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export RESYNC_CRASH_SEEDS="${1:-100}"
export RESYNC_CRASH_LOG="${RESYNC_CRASH_LOG:-${TMPDIR:-/tmp}/resync-crash-$(date +%Y%m%d-%H%M%S).log}"
echo "Each seed's result goes to $RESYNC_CRASH_LOG"
exec dotnet test tests/Resync.Cli.Tests --filter "FullyQualifiedName~CrashHarnessTests" --logger "console;verbosity=normal"
