#!/usr/bin/env bash
# Replication benchmarks (issue 5), all on loopback, side by side in one run:
#   1. full send of incompressible data  vs  cp IMAGE COPY && sync (same disk)
#   2. incremental send of 1% changed chunks  vs  rsync --inplace to an rsync daemon on 127.0.0.1
#   3. full send of compressible data  vs  zstd -1 -T2 < IMAGE > /dev/null
# Usage: [DROP=0] [ROUNDS=3] bench/replication.sh [WORKDIR] [GiB, default 8]. Needs about 5x GiB
# free in WORKDIR. The increment is measured ROUNDS times (each a fresh 1% change, its own rsync
# run beside it); the table shows the median times and the median of the rounds' paired ratios
# (each round's rsync over that round's send), the rounds are listed below it.
# Every timed step starts with the page cache dropped (root), ours and the baselines' alike.
# Prints a Markdown table for docs/benchmarks.md. Not run by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/deltasnap-rbench}
G=${2:-8}
ROUNDS=${ROUNDS:-3}
mvn -q -B -o -DskipTests package >&2
CP="$PWD/cli/target/deltasnap.jar"
# every command runs as users run it: through ./deltasnap (the shipped jar and its class-data archive)
export DELTASNAP_JAVA_OPTS="-XX:+UseParallelGC -Xmx2g"
DS=("$PWD/deltasnap")
ds() { "${DS[@]}" "$@"; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
rate() { echo "scale=1; $1 / $2 / 1048576" | bc -l; }
log() { echo "# $*" >&2; }
# every timed step starts with a cold page cache (needs root; otherwise runs warm and says so)
# DROP=0 runs everything warm instead (whatever the page cache holds from the steps before)
drop() {
  if [ "${DROP:-1}" = 0 ]; then sync; return; fi
  sync; echo 1 > /proc/sys/vm/drop_caches 2>/dev/null || log "cannot drop the page cache: timings run warm"
}

rm -rf "$W"; mkdir -p "$W"
BYTES=$((G << 30))
ds keygen --output "$W/k" >/dev/null
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

receive() { # REPLICA → sets $port; the receiver runs in the background until the script ends
  rm -f "$W/port"
  "${DS[@]}" receive "$1" --listen 127.0.0.1:0 --trust "$W/k.pub" --json >"$W/port" 2>>"$W/receive.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q port "$W/port" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -E 's/.*"port": ([0-9]+).*/\1/' "$W/port")
}
send() { # VOLUME SNAPSHOT PORT → seconds
  local t0 t1; t0=$(now)
  ds send "$1" --snapshot "$2" --key "$W/k.key" --to "127.0.0.1:$3" --json --no-progress >"$W/send.json"
  t1=$(now); secs "$t0" "$t1"
}

log "volume of $G GiB, incompressible"
ds init "$W/src" --size "${G}G" --chunk-size 64K >/dev/null
head -c "$BYTES" /dev/urandom | ds write "$W/src" --offset 0 --no-progress
ds snapshot create "$W/src" --name base >/dev/null
sync

log "1. full send vs cp && sync (load $(cut -d' ' -f1-3 /proc/loadavg))"
receive "$W/rep"
drop; t_full=$(send "$W/src" 1 "$port")
full_json=$(tr -d '\n' <"$W/send.json")
drop; t0=$(now); cp "$W/src/origin" "$W/copy.img" && sync; t1=$(now); t_cp=$(secs "$t0" "$t1")
rm -f "$W/copy.img"

log "2. incremental sends of 1% changed chunks vs rsync --inplace, $ROUNDS rounds"
mkdir -p "$W/rsync"
cp "$W/src/origin" "$W/rsync/image"   # the rsync destination holds the base image
sync
cat >"$W/rsyncd.conf" <<CONF
pid file = $W/rsyncd.pid
use chroot = false
uid = $(id -u)
gid = $(id -g)
[m]
  path = $W/rsync
  read only = false
CONF
rport=$((20000 + RANDOM % 20000))
rsync --daemon --no-detach --config="$W/rsyncd.conf" --address=127.0.0.1 --port="$rport" &
pids+=($!)
sleep 1
# each round changes another 1% of the chunks (a new snapshot), then sends the increment and
# rsyncs the image, both from a cold page cache: the rsync destination always holds the image
# of the round before, as the replica holds the snapshot before
incs=(); rsyncs=(); inc_json=""; applies=(); steals=()
# CPU time the hypervisor gave to others while a round ran (the "steal" column of /proc/stat, ms)
steal() { awk '/^cpu /{print $9 * 10}' /proc/stat; }
for round in $(seq "$ROUNDS"); do
  snap=$(java -cp "$CP" bench/ReplicationChange.java "$W/src" 0.01 $((6 + round)) | cut -d' ' -f1)
  drop; s0=$(steal); incs+=("$(send "$W/src" "$snap" "$port")"); steals+=($(( $(steal) - s0 )))
  inc_json="$inc_json $(tr -d '\n' <"$W/send.json")"
  # the receiver's own account of the round: apply time, waiting for the stream, last writes and commit
  applies+=("$(grep 'applied snapshot' "$W/receive.log" | tail -1 | sed -E 's/.* in ([0-9.]+) s \(waiting for the stream ([0-9.]+) s, last writes and commit ([0-9.]+) s\)$/\1 \/ \2 \/ \3/')")
  drop; t0=$(now)
  rsync --inplace --ignore-times --no-whole-file --stats "$W/src/origin" "rsync://127.0.0.1:$rport/m/image" >"$W/rsync.stats"
  t1=$(now); rsyncs+=("$(secs "$t0" "$t1")")
  cmp "$W/src/origin" "$W/rsync/image"
  log "round $round: deltasnap ${incs[-1]} s, rsync ${rsyncs[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
t_inc=$(median "${incs[@]}")
t_rsync=$(median "${rsyncs[@]}")
# the ratio is paired: each round's rsync over that round's send (the two ran back to back, in the
# same state of the machine and of the host's cache), then the median over the rounds. The ratio
# of the two medians is printed too; it can pair a slow first send with a fast later rsync.
ratios=(); for i in "${!incs[@]}"; do ratios+=("$(echo "${rsyncs[$i]} / ${incs[$i]}" | bc -l)"); done
r_inc=$(median "${ratios[@]}")
rm -rf "$W/rsync" "$W/rep"

log "3. compressible data: full send vs zstd -1 -T2 (load $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$W/block" <<'PY'
import random, sys
random.seed(1)
words = ["".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(2, 9))) for _ in range(2000)]
out = []
n = 0
while n < 64 << 20:
    line = "%d %s\n" % (random.randint(0, 10**6), " ".join(random.choice(words) for _ in range(random.randint(4, 14))))
    out.append(line); n += len(line)
open(sys.argv[1], "w").write("".join(out)[: 64 << 20])
PY
ds init "$W/csrc" --size "${G}G" --chunk-size 64K >/dev/null
for _ in $(seq $((G * 16))); do cat "$W/block"; done | ds write "$W/csrc" --offset 0 --no-progress
ds snapshot create "$W/csrc" --name base >/dev/null
sync
receive "$W/crep"
drop; t_cfull=$(send "$W/csrc" 1 "$port")
cfull_json=$(tr -d '\n' <"$W/send.json")
drop; t0=$(now); zstd -1 -T2 -q <"$W/csrc/origin" >/dev/null; t1=$(now); t_zstd=$(secs "$t0" "$t1")

mib=$((BYTES >> 20))
echo "| benchmark ($G GiB volume, 64 KiB chunks, loopback, $(nproc) cores) | deltasnap | baseline | ratio |"
echo "| --- | --- | --- | --- |"
printf '| full send, incompressible vs `cp && sync` | %.1f s (%s MiB/s) | %.1f s (%s MiB/s) | %.2f of cp |\n' \
  "$t_full" "$(rate "$BYTES" "$t_full")" "$t_cp" "$(rate "$BYTES" "$t_cp")" "$(echo "$t_cp / $t_full" | bc -l)"
printf '| incremental, 1%% of chunks changed vs `rsync --inplace` (daemon), %d rounds: median times; median of the rounds'"'"' ratios | %.2f s | %.1f s | %.1fx faster (ratio of the medians %.1fx) |\n' \
  "$ROUNDS" "$t_inc" "$t_rsync" "$r_inc" "$(echo "$t_rsync / $t_inc" | bc -l)"
printf '| full send, compressible vs `zstd -1 -T2 > /dev/null` | %.1f s (%s MiB/s) | %.1f s (%s MiB/s) | %.2f of zstd |\n' \
  "$t_cfull" "$(rate "$BYTES" "$t_cfull")" "$t_zstd" "$(rate "$BYTES" "$t_zstd")" "$(echo "$t_zstd / $t_cfull" | bc -l)"
echo
echo "rounds (deltasnap / rsync, s = ratio): $(for i in "${!incs[@]}"; do printf '%.3f / %.1f = %.1fx; ' "${incs[$i]}" "${rsyncs[$i]}" "${ratios[$i]}"; done)"
echo "receiver per round (apply / waiting for the stream / last writes and commit, s): $(printf '%s; ' "${applies[@]}")"
echo "CPU stolen by the hypervisor during each increment (ms, both cores): ${steals[*]}"
echo "send --json: full $full_json; incremental $inc_json; compressible $cfull_json"
echo "rsync: $(grep -E 'Literal data|Matched data|Total bytes sent' "$W/rsync.stats" | tr '\n' ';')"
echo "(MiB/s over the $mib MiB volume; send timings include JVM start, handshake and the receiver's durable commit;"
echo " sender and receiver share this host's $(nproc) cores; load at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
cleanup
rm -rf "$W"
