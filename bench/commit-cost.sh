#!/usr/bin/env bash
# The cost of a commit (issue 14: the superblock mirror adds one write and one fsync per commit),
# this tree against a baseline revision, side by side in one run.
# Usage: bench/commit-cost.sh [BASELINE_REV] [ROUNDS] [WORKDIR]
# Statistic (chosen before the first run): for each round, baseline and this tree run in turn (the
# order alternates); the paired ratio this/baseline is taken per round, and the median of the
# per-round ratios is reported, with the ratio of the medians beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD~1}
rounds=${2:-9}
work=${3:-/tmp/deltasnap-commit-cost}
rm -rf "$work"; mkdir -p "$work"
git worktree add -q --detach "$work/base" "$rev"
trap 'git worktree remove --force "$work/base"' EXIT
(cd "$work/base" && mvn -q -B -ntp compile -pl snapshot-engine -am >&2)
mvn -q -B -ntp compile -pl snapshot-engine -am >&2
classes() { echo "$1/snapshot-engine/target/classes"; }
for side in base ours; do
  root=$([ "$side" = base ] && echo "$work/base" || pwd)
  mkdir -p "$work/bench-$side"
  javac -d "$work/bench-$side" -cp "$(classes "$root")" bench/CommitCost.java
done
run() { # side
  local root=$([ "$1" = base ] && echo "$work/base" || pwd)
  java -cp "$work/bench-$1:$(classes "$root")" CommitCost "$work/vol-$1"
}
: >"$work/results"
for i in $(seq 1 "$rounds"); do
  if (( i % 2 )); then b=$(run base); o=$(run ours); else o=$(run ours); b=$(run base); fi
  echo "round $i: baseline $b | this $o" >&2
  echo "$b $o" >>"$work/results"
done
python3 - "$work/results" <<'PY'
import re, statistics, sys
rows = [list(map(float, re.findall(r"=([0-9.]+)", l))) for l in open(sys.argv[1])]
def report(name, i, better):
    base = [r[i] for r in rows]; ours = [r[i + 2] for r in rows]
    paired = statistics.median(o / b for b, o in zip(base, ours))
    print(f"| {name} | {statistics.median(ours):.3f} | {statistics.median(base):.3f} | "
          f"{paired:.3f} | {statistics.median(ours) / statistics.median(base):.3f} | {better} |")
print(f"| measure (median of {len(rows)} rounds) | this tree | baseline | median paired ratio | ratio of medians | better |")
print("| --- | --- | --- | --- | --- | --- |")
report("snapshot creation, ms (one commit; median of 201 per round)", 0, "lower")
report("256 MiB origin write after a snapshot, MB/s", 1, "higher")
PY
