#!/usr/bin/env bash
# What the launcher's compile line for the JDK's crypto provider saves (issue 16).
# Usage: bench/crypto-jit.sh [ROUNDS, default 9] [MiB, default 256]
# Runs bench/GcmWarmup.java (AES-256-GCM sealing of MiB records of 1 MiB, as the delta writer
# seals them, in a fresh JVM) under the JIT flags ./deltasnap gives a command, with and without
# its CompileThresholdScaling line for com.sun.crypto.provider, in turn, the order alternating by
# round. Statistic, fixed before the runs: the median of the per-round ratio of thread CPU time
# (without / with), CPU time because the machines are shared; the medians of each beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-9}
mib=${2:-256}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" bench/GcmWarmup.java
# the launcher's flags, read from it so the two cannot drift apart
mapfile -t base < <(sed -n '/^jit=(/,/)/p' deltasnap | tr ' ' '\n' | grep -- '^-XX:' | grep -v CompileCommand | sed 's/)$//')
mapfile -t crypto < <(sed -n '/^jit=(/,/)/p' deltasnap | tr ' ' '\n' | grep -- '^-XX:CompileCommand' | sed 's/)$//')
run() { java -XX:+UseParallelGC "$@" -cp "$work" GcmWarmup "$mib" | sed -n 's/^cpu_s=\([0-9.]*\).*/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then a=$(run "${base[@]}"); b=$(run "${base[@]}" "${crypto[@]}"); else
    b=$(run "${base[@]}" "${crypto[@]}"); a=$(run "${base[@]}"); fi
  echo "$a $b" >> "$work/times"
done
echo "sealing $mib MiB in a fresh JVM, $rounds rounds, $(nproc) cores, flags: ${crypto[*]}"
echo "| without, median CPU s | with, median CPU s | without / with, median of per-round ratios |"
echo "| --- | --- | --- |"
echo "| $(awk '{print $1}' "$work/times" | median) | $(awk '{print $2}' "$work/times" | median) | $(awk '{print $1 / $2}' "$work/times" | median | xargs printf '%.2f') |"
