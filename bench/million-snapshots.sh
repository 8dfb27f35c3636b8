#!/usr/bin/env bash
# Whole-process cost of `status`, `snapshot create`, `read --snapshot` of a small range and `read`
# of the origin at 1 live snapshot and at COUNT (default 1,000,000), JVM start included, both
# under the same small heap (issue 19). The volumes are built in-process through the engine's API
# (bench/MillionSnapshots.java): 64 MiB, 4 KiB chunks, COUNT/100 origin writes of one random chunk
# spread between the snapshots; the small volume gets the same writes after its one snapshot.
#
# Usage: bench/million-snapshots.sh [COUNT] [ROUNDS] [WORKDIR]    (HEAP=-Xmx32m by default)
# Statistic (chosen before the first run): ROUNDS rounds (default 7); in each, every command runs
# once on each volume, the order of the two alternating from round to round; per command the
# median of the per-round ratios large/small is reported, with each side's median time. Peak RSS
# is the largest over all runs of that command. Each `snapshot create` adds a snapshot (so the
# large volume holds COUNT + ROUNDS at the end; the small one 1 + ROUNDS).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
rounds=${2:-7}
work=${3:-/tmp/deltasnap-million}
heap=${HEAP:--Xmx32m}
writes=$(( count / 100 ))
mkdir -p "$work"
mvn -q -B -ntp -DskipTests package -pl cli -am >&2
./deltasnap --help >/dev/null # builds the launcher's class-data archive once, outside the timings
javac -d "$work/classes" -cp snapshot-engine/target/classes bench/MillionSnapshots.java
build() { # dir snapshots writes
  if [ "$(cat "$1.built" 2>/dev/null)" != "$2 $3" ]; then
    rm -rf "$1" "$1.built"
    java -Xmx1g -cp "snapshot-engine/target/classes:$work/classes" MillionSnapshots "$1" "$2" "$3"
    echo "$2 $3" >"$1.built"
  fi
}
build "$work/small" 1 "$writes"
build "$work/large" "$count" "$writes"
export DELTASNAP_JAVA_OPTS="-XX:+UseParallelGC -Xss1m $heap"
mid=$(( count / 2 ))
cmd() { # name volume -> the command line
  case "$1" in
    status) echo "status $2" ;;
    create) echo "snapshot create $2" ;;
    read-snapshot) echo "read $2 --snapshot $([ "$2" = "$work/large" ] && echo "$mid" || echo 1) --offset 1048576 --length 65536 --output /dev/null" ;;
    read-origin) echo "read $2 --offset 1048576 --length 65536 --output /dev/null" ;;
  esac
}
run() { # name volume -> "seconds rss_kb"
  local t0 t1
  t0=$(date +%s%N)
  # shellcheck disable=SC2046
  /usr/bin/time -f %M -o "$work/rss" ./deltasnap $(cmd "$1" "$2") >/dev/null
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(cat "$work/rss")"
}
: >"$work/results"
for i in $(seq 1 "$rounds"); do
  for c in status create read-snapshot read-origin; do
    if (( i % 2 )); then s=$(run "$c" "$work/small"); l=$(run "$c" "$work/large")
    else l=$(run "$c" "$work/large"); s=$(run "$c" "$work/small"); fi
    echo "$c $s $l" >>"$work/results"
  done
done
python3 - "$work/results" "$count" "$rounds" "$heap" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{sys.argv[3]} rounds, {sys.argv[4]}: 1 snapshot vs {int(sys.argv[2]):,} snapshots")
print(f"{'command':<14} {'1 snap ms':>10} {'many ms':>10} {'ratio':>7} {'peak RSS 1':>11} {'peak RSS many':>14}")
for c in ["status", "create", "read-snapshot", "read-origin"]:
    r = [x for x in rows if x[0] == c]
    s = [int(x[1]) for x in r]; l = [int(x[3]) for x in r]
    ratio = statistics.median(b / a for a, b in zip(s, l))
    print(f"{c:<14} {statistics.median(s):>10.0f} {statistics.median(l):>10.0f} {ratio:>7.2f}"
          f" {max(int(x[2]) for x in r) // 1024:>8} MiB {max(int(x[4]) for x in r) // 1024:>11} MiB")
EOF
