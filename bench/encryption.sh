#!/usr/bin/env bash
# Encrypted delta benchmarks (issue 16). Usage: bench/encryption.sh [WORKDIR] [MiB, default 2048] [ROUNDS, default 5]
# Runs the real command (./deltasnap), side by side in one run: delta create and delta apply,
# plain and --encrypt-to, of one compressible volume; keyless delta verify against sha256sum of
# the same file; and zstd -1 -T2 | gpg --encrypt (and | age -r, when age is installed) of the image.
# The statistic, fixed before the runs: for each pair, the median over ROUNDS of the per-round
# ratio of throughputs (encrypted / plain, etc.), the two members of a pair run back to back in an
# order that alternates by round; beside it the same statistic of CPU time (user + system), which
# a shared machine disturbs less than wall time (added 2026-12-04; the wall-time ratio stays the
# primary figure). Needs about 4x MiB free in WORKDIR. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/deltasnap-encbench}
mib=${2:-2048}
rounds=${3:-5}
ds=$PWD/deltasnap
rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$ds" --version >/dev/null 2>&1 # build once, outside the timings
"$ds" keygen --output sign --comment bench >/dev/null 2>&1
"$ds" keygen --encryption --output rcpt --comment bench >/dev/null 2>&1
cp rcpt.recipient recipients
# compressible data (zstd -1: about 3x): log-like lines of words and numbers from a fixed seed,
# 64 MiB of them, repeated (further apart than any zstd window here)
awk -v n=$((64 << 20)) 'BEGIN { srand(16); split("the of and to in is that for it as was with be by on not this are or from at which have an", w, " ");
  while (b < n) { l = sprintf("%08d %s %s %d %s %x %s\n", i++, w[int(rand() * 26) + 1], w[int(rand() * 26) + 1],
    int(rand() * 1000000), w[int(rand() * 26) + 1], int(rand() * 2147483647), w[int(rand() * 26) + 1]); printf "%s", l; b += length(l) } }' > block
truncate -s $((64 << 20)) block
for ((i = 0; i < mib / 64; i++)); do cat block; done > image
rm block
"$ds" init vol --size "${mib}M" --chunk-size 64K >/dev/null
"$ds" write vol --offset 0 --input image >/dev/null
"$ds" snapshot create vol --name bench >/dev/null
size=$((mib << 20))

now() { date +%s.%N; }
# wall seconds on stdout; the CPU seconds (user + system, children included) go to $cpu_out
t() { local s c me=$BASHPID; s=$(now); c=$(cpu $me); "$@" >/dev/null 2>&1; echo "$(cpu $me) - $c" | bc -l >> "$cpu_out"; echo "$(now) - $s" | bc -l; }
cpu() { awk '{print ($14 + $15 + $16 + $17) / ticks}' ticks="$(getconf CLK_TCK)" "/proc/$1/stat"; } # of process $1 and its reaped children
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

create_plain() { rm -f plain.delta; "$ds" delta create vol --snapshot 1 --key sign.key --output plain.delta --no-progress; }
create_enc() { rm -f enc.delta; "$ds" delta create vol --snapshot 1 --key sign.key --output enc.delta --encrypt-to recipients --no-progress; }
apply_plain() { rm -rf rp; "$ds" delta apply rp plain.delta --trust sign.pub --no-progress; }
apply_enc() { rm -rf re; "$ds" delta apply re enc.delta --trust sign.pub --decrypt-key rcpt.secret --no-progress; }
verify_keyless() { "$ds" delta verify enc.delta --trust sign.pub; }
sha() { sha256sum enc.delta; }

export GNUPGHOME=$work/gnupg; mkdir -m 700 -p "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key bench@deltasnap default default never >/dev/null 2>&1
zstd_gpg() { zstd -1 -T2 -q -c image | gpg --batch --yes --trust-model always -e -r bench@deltasnap -o image.zst.gpg; }
have_age=0; command -v age >/dev/null && { have_age=1; age-keygen -o age.key 2>/dev/null; }
zstd_age() { zstd -1 -T2 -q -c image | age -r "$(age-keygen -y age.key)" -o image.zst.age; }

declare -A T
pair() { # NAME A B: times A and B back to back, alternating order by round
  local name=$1 a=$2 b=$3 r
  for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then cpu_out=ca; ta=$(t $a); cpu_out=cb; tb=$(t $b); else cpu_out=cb; tb=$(t $b); cpu_out=ca; ta=$(t $a); fi
    echo "$ta $tb" >> "times.$name"
    echo "$(tail -1 ca) $(tail -1 cb)" >> "cpu.$name"
  done
}
pair create create_plain create_enc
pair apply apply_plain apply_enc
pair verify sha verify_keyless
pair gpg zstd_gpg create_enc
((have_age)) && pair age zstd_age create_enc

ratio() { awk '{print $1 / $2}' "times.$1" | median; } # time(A)/time(B) = throughput(B)/throughput(A)
cratio() { awk '$2 > 0 {print $1 / $2}' "cpu.$1" | median | xargs printf '%.3f'; } # the same, of CPU seconds
medt() { awk "{print \$$2}" "times.$1" | median | xargs printf '%.2f'; }
gibs() { echo "$size / $1 / 1073741824" | bc -l | xargs printf '%.2f'; }
enc_bytes=$(stat -c %s enc.delta); plain_bytes=$(stat -c %s plain.delta)
echo "Volume $mib MiB of log-like text lines (zstd -1: $(printf '%.1f' "$(echo "$size / $plain_bytes" | bc -l)")x), chunk 64 KiB, $rounds rounds, $(nproc) cores; plain delta $plain_bytes bytes, encrypted $enc_bytes bytes."
echo
echo "| pair (A vs B) | median A s | median B s | B throughput / A, median of per-round ratios | the same of CPU time (user + system) | target |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| delta create: plain vs --encrypt-to | $(medt create 1) | $(medt create 2) | $(printf '%.3f' "$(ratio create)") | $(cratio create) | >= 0.9 |"
echo "| delta apply: plain vs --decrypt-key | $(medt apply 1) | $(medt apply 2) | $(printf '%.3f' "$(ratio apply)") | $(cratio apply) | |"
echo "| sha256sum of the encrypted file vs keyless delta verify | $(medt verify 1) | $(medt verify 2) | $(printf '%.3f' "$(ratio verify)") | $(cratio verify) | >= 0.8 |"
echo "| zstd -1 -T2 \| gpg --encrypt of the image vs delta create --encrypt-to | $(medt gpg 1) | $(medt gpg 2) | $(printf '%.3f' "$(ratio gpg)") | $(cratio gpg) | > 1 |"
if ((have_age)); then
echo "| zstd -1 -T2 \| age -r of the image vs delta create --encrypt-to | $(medt age 1) | $(medt age 2) | $(printf '%.3f' "$(ratio age)") | $(cratio age) | > 1 |"
else
echo "| zstd -1 -T2 \| age -r | not run: age is not installed here | | | | > 1 |"
fi
echo
echo "Throughput (median): create plain $(gibs "$(medt create 1)") GiB/s, encrypted $(gibs "$(medt create 2)") GiB/s; apply plain $(gibs "$(medt apply 1)") GiB/s, encrypted $(gibs "$(medt apply 2)") GiB/s."
