#!/usr/bin/env bash
# The cluster drill of docs/cluster.md: tests/cluster-drill.sh 1000000 runs a run of that many records (default 100,000) across
# three `resync worker` processes on this machine (PostgreSQL and RabbitMQ started by the test on 127.0.0.1), SIGKILLs one of them
# mid-run, and checks that the run ends Succeeded with every record read, stored and written once (an audit trigger counts the
# target's writes per key: none written twice). It prints one line with the figures ("cluster drill: …").
set -euo pipefail
cd "$(dirname "$0")/.."
export RESYNC_DRILL_RECORDS="${1:-100000}"
exec dotnet test tests/Resync.Cli.Tests --filter "FullyQualifiedName~WorkerCommandTests.Cluster_ThreeWorkers" --logger "console;verbosity=detailed"
