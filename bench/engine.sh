#!/usr/bin/env bash
# Engine benchmarks (issue 2). Usage: bench/engine.sh [WORKDIR] [write|snapshots|lookups|heap|all]
# Needs ~10 GiB free in WORKDIR at full scale; -Dbench.scale=0.1 via BENCH_OPTS for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests install -pl snapshot-engine >&2
mvn -q -B test-compile -pl snapshot-engine >&2
exec java -Xmx1g ${BENCH_OPTS:-} -cp snapshot-engine/target/classes:snapshot-engine/target/test-classes \
  io.deltasnap.engine.bench.EngineBench "${1:-/tmp/deltasnap-bench}" "${2:-all}"
