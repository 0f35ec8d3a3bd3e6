#!/usr/bin/env bash
# The crash harness over many seeds: tests/crash.sh 1000 (default 100). A failing seed is printed; replay it with
# RESYNC_CRASH_SEED=<seed> tests/crash.sh. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export RESYNC_CRASH_SEEDS="${1:-100}"
exec dotnet test tests/Resync.Cli.Tests --filter "FullyQualifiedName~CrashHarnessTests" --logger "console;verbosity=normal"
