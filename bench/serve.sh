#!/usr/bin/env bash
# NBD benchmark (issue 6): nbdcopy through `deltasnap serve` vs `nbdkit file` serving the same
# image, side by side on 127.0.0.1. Usage: bench/serve.sh [SIZE_MIB=1024] [RUNS=3]
# Reads: a snapshot export (snapshot-1, whose chunks still live in the origin) vs nbdkit.
# Writes: a whole image into the origin export, right after a snapshot (every chunk copied
# first) and with no snapshot reading it, vs nbdkit; each write ends with a flush (durable).
set -euo pipefail
SIZE_MIB=${1:-1024}
RUNS=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ds="$root/deltasnap"
"$ds" --version >/dev/null   # builds if needed
drop() { sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
mbs() { echo "scale=0; $SIZE_MIB * 1048576 / 1000000 / $1" | bc -l; }

head -c $((SIZE_MIB << 20)) /dev/urandom > "$work/data.img"
cp "$work/data.img" "$work/origin.img"
cp "$work/data.img" "$work/kit.img"
"$ds" init "$work/vol" --origin "$work/origin.img" --chunk-size 64K >/dev/null
"$ds" snapshot create "$work/vol" >/dev/null
"$ds" serve "$work/vol" --listen 127.0.0.1:0 --json > "$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 200); do grep -q port "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o '"port": [0-9]*' "$work/serve.out" | grep -o '[0-9]*$')
kport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nbdkit -f -i 127.0.0.1 -p "$kport" file "$work/kit.img" &
pids+=($!)
for _ in $(seq 100); do nbdinfo "nbd://127.0.0.1:$kport/" >/dev/null 2>&1 && break; sleep 0.1; done

best() { sort -n | head -1; }
# warm-up (JIT), not measured
nbdcopy "nbd://127.0.0.1:$port/snapshot-1" null: >/dev/null
nbdcopy "$work/data.img" "nbd://127.0.0.1:$port/origin" >/dev/null
r_ours=(); r_kit=(); w_ours=(); w_kit=(); w_plain=()
for i in $(seq "$RUNS"); do
  drop; r_kit+=("$(secs nbdcopy "nbd://127.0.0.1:$kport/" null:)")
  drop; r_ours+=("$(secs nbdcopy "nbd://127.0.0.1:$port/snapshot-1" null:)")
  "$ds" snapshot create "$work/vol" >/dev/null   # through the control socket: every chunk will be copied
  drop; w_ours+=("$(secs nbdcopy --flush "$work/data.img" "nbd://127.0.0.1:$port/origin")")
  drop; w_plain+=("$(secs nbdcopy --flush "$work/data.img" "nbd://127.0.0.1:$port/origin")")
  drop; w_kit+=("$(secs nbdcopy --flush "$work/data.img" "nbd://127.0.0.1:$kport/")")
done
rk=$(printf '%s\n' "${r_kit[@]}" | best); ro=$(printf '%s\n' "${r_ours[@]}" | best)
wk=$(printf '%s\n' "${w_kit[@]}" | best); wo=$(printf '%s\n' "${w_ours[@]}" | best); wp=$(printf '%s\n' "${w_plain[@]}" | best)
echo "| benchmark | deltasnap serve | nbdkit file | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
printf '| nbdcopy read of a snapshot export, %s MiB (best of %s) | %s MB/s | %s MB/s | %.2f | ≥ 0.8 |\n' "$SIZE_MIB" "$RUNS" "$(mbs "$ro")" "$(mbs "$rk")" "$(echo "$rk / $ro" | bc -l)"
printf '| nbdcopy write into the origin right after a snapshot (every chunk copied), flushed | %s MB/s | %s MB/s | %.2f | ≥ 0.5 |\n' "$(mbs "$wo")" "$(mbs "$wk")" "$(echo "$wk / $wo" | bc -l)"
printf '| nbdcopy write into the origin, no copy needed, flushed | %s MB/s | %s MB/s | %.2f | — |\n' "$(mbs "$wp")" "$(mbs "$wk")" "$(echo "$wk / $wp" | bc -l)"
