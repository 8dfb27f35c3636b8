#!/usr/bin/env bash
# Read and write throughput of the deltasnap NBD server against `nbdkit file`, measured with
# nbdcopy over TCP on 127.0.0.1. Not run by the tests.
#
#   nbd/bench.sh              # 1 GiB, one warm-up pass, then best of 5 runs each
#   SIZE_MIB=256 RUNS=1 nbd/bench.sh
#
# Both servers serve hard links of the same source file (same page cache), and each writes to
# its own target file. Reads go to /dev/null; writes are not flushed (pass FLUSH=1 to add
# --flush, which then mostly measures the disk). Needs: java, mvn, nbdcopy, nbdkit.
set -euo pipefail

SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-5}
FLUSH=${FLUSH:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nbd-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in java mvn nbdcopy nbdkit; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

echo "building test classes..."
(cd "$root" && mvn -q -B -pl nbd test-compile dependency:build-classpath \
   -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test)
cp="$root/nbd/target/classes:$root/nbd/target/test-classes:$(cat "$work/cp.txt")"

echo "making a ${SIZE_MIB} MiB source file..."
mkdir -p "$work/ours" "$work/kit"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$work/src.img"
ln "$work/src.img" "$work/ours/src.img"
ln "$work/src.img" "$work/kit/src.img"
truncate -s $((SIZE_MIB << 20)) "$work/ours/dst.img" "$work/kit/dst.img"

java -cp "$cp" io.deltasnap.nbd.BenchServer "$work/ours" > "$work/ours.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^PORT ' "$work/ours.log" 2>/dev/null && break; sleep 0.1; done
ours_port=$(awk '/^PORT /{print $2}' "$work/ours.log")
[ -n "$ours_port" ] || { echo "bench: our server did not start:"; cat "$work/ours.log"; exit 1; }

kit_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nbdkit -f -i 127.0.0.1 -p "$kit_port" file dir="$work/kit" &
pids+=($!)
for _ in $(seq 100); do nbdinfo "nbd://127.0.0.1:$kit_port/src.img" >/dev/null 2>&1 && break; sleep 0.1; done

flush=()
[ "$FLUSH" = 1 ] && flush=(--flush)

# time_of CMD...: wall time of one run, in seconds
time_of() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
min() { if [ -z "$1" ] || (( $(echo "$2 < $1" | bc -l) )); then echo "$2"; else echo "$1"; fi; }
mbps() { echo "scale=1; $((SIZE_MIB << 20)) / 1000000 / $1" | bc -l; }

ours="nbd://127.0.0.1:$ours_port"
kit="nbd://127.0.0.1:$kit_port"
echo "warming up (one unmeasured pass each)..."
nbdcopy "$ours/src.img" /dev/null; nbdcopy "$kit/src.img" /dev/null
nbdcopy "$work/src.img" "$ours/dst.img"; nbdcopy "$work/src.img" "$kit/dst.img"

# The machine may be shared: alternate the two servers run by run and keep each one's best.
echo "measuring (best of $RUNS, alternating)..."
r_ours=""; r_kit=""; w_ours=""; w_kit=""
for _ in $(seq "$RUNS"); do
  r_ours=$(min "$r_ours" "$(time_of nbdcopy "$ours/src.img" /dev/null)")
  r_kit=$(min "$r_kit" "$(time_of nbdcopy "$kit/src.img" /dev/null)")
  w_ours=$(min "$w_ours" "$(time_of nbdcopy "${flush[@]}" "$work/src.img" "$ours/dst.img")")
  w_kit=$(min "$w_kit" "$(time_of nbdcopy "${flush[@]}" "$work/src.img" "$kit/dst.img")")
done

cmp -s "$work/src.img" "$work/ours/dst.img" || { echo "bench: our server wrote wrong data" >&2; exit 1; }
cmp -s "$work/src.img" "$work/kit/dst.img" || { echo "bench: nbdkit wrote wrong data" >&2; exit 1; }

printf '\n%-28s %12s %12s %8s\n' "nbdcopy, ${SIZE_MIB} MiB" "deltasnap" "nbdkit file" "ratio"
printf '%-28s %9s MB/s %7s MB/s %8s\n' "read  (export -> /dev/null)" "$(mbps "$r_ours")" "$(mbps "$r_kit")" \
  "$(echo "scale=2; $r_kit / $r_ours" | bc -l)"
printf '%-28s %9s MB/s %7s MB/s %8s\n' "write (file -> export)" "$(mbps "$w_ours")" "$(mbps "$w_kit")" \
  "$(echo "scale=2; $w_kit / $w_ours" | bc -l)"
echo "(ratio = deltasnap throughput / nbdkit throughput; flush: $FLUSH)"
