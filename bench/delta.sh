#!/usr/bin/env bash
# Delta benchmarks (issue 3). Usage: bench/delta.sh [WORKDIR] [GiB, default 16]
# Needs about 2.5x GiB free in WORKDIR. Prints a Markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests install >&2
mvn -q -B test-compile -pl cli >&2
(cd cli && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >&2)
cp=$(cat cli/target/bench.cp)
exec java -Xmx2g -cp "cli/target/classes:cli/target/test-classes:$cp" io.deltasnap.cli.bench.DeltaBench \
  "${1:-/tmp/deltasnap-dbench}" "${2:-16}"
