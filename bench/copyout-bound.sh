#!/usr/bin/env bash
# What any copy-before-overwrite engine can reach on this disk, with plain tools (issue 6, writes
# after a snapshot). With the page cache dropped, it times
#   plain:    dd the new image over the old one, fsync                       (what nbdkit file does)
#   copy-out: dd the old image to a copy, fsync; then dd the new image over it, fsync
# and prints plain / copy-out: the ceiling for "writes right after a snapshot vs nbdkit" on this
# machine, with no metadata, no checksums and no protocol at all. Usage: bench/copyout-bound.sh [MiB] [runs]
set -euo pipefail
MIB=${1:-1024}; RUNS=${2:-3}
w=$(mktemp -d "${TMPDIR:-/tmp}/copyout.XXXXXX"); trap 'rm -rf "$w"' EXIT
drop() { sync; echo 1 > /proc/sys/vm/drop_caches; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
head -c $((MIB << 20)) /dev/urandom > "$w/new"; head -c $((MIB << 20)) /dev/urandom > "$w/old"
plain() { dd if="$w/new" of="$w/old" bs=1M conv=notrunc,fsync status=none; }
copyout() { dd if="$w/old" of="$w/copy" bs=8M conv=fsync status=none; dd if="$w/new" of="$w/old" bs=1M conv=notrunc,fsync status=none; rm -f "$w/copy"; }
for i in $(seq "$RUNS"); do
  drop; p=$(secs plain); drop; c=$(secs copyout)
  printf 'plain %.2f s, copy-out %.2f s, ratio %.2f\n' "$p" "$c" "$(echo "$p / $c" | bc -l)"
done
