#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted bytes, one Jazzer target after another.
#
#   scripts/fuzz.sh [-s SECONDS] [-l] [TARGET...]
#
#   -s SECONDS  how long each target fuzzes (default: $FUZZ_SECONDS, else 600)
#   -l          list the targets and exit
#   TARGET      a target's Class#method, or a part of it (DeltaReader, Nbd, ...); default: all
#
# Each target runs in its own JVM (Jazzer fuzzes one test per run) with JAZZER_FUZZ=1 (-Pfuzz).
# The log of each run is target/fuzz/<Class>-<method>.log, and Jazzer's coverage report (branch
# and line coverage per source file, then the lines never reached) is
# target/fuzz/<Class>-<method>.coverage.txt; the summary prints the last coverage line libFuzzer
# reported (cov: edges, ft: features, corp: corpus size) and whether it found anything. New interesting inputs go to .cifuzz-corpus/ (not checked in); a crashing input is
# written into the target's src/test/resources/...Inputs/<method>/ directory, where mvn verify
# replays it from then on: fix the parser, then commit the input (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-600}"
list=0
while getopts "s:l" opt; do
  case "$opt" in
    s) seconds="$OPTARG" ;;
    l) list=1 ;;
    *) sed -n '4,9p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

# module:fully.qualified.Class#method, one per @FuzzTest
mapfile -t all < <(grep -rl --include='*FuzzTest.java' '@FuzzTest' */src/test/java | sort | while read -r f; do
  module="${f%%/*}"
  class="$(echo "${f#*/src/test/java/}" | sed 's#/#.#g; s#\.java$##')"
  awk '/@FuzzTest/ { want = 1; next } want && /void [a-zA-Z0-9_]+\(/ { match($0, /void [a-zA-Z0-9_]+\(/); print substr($0, RSTART + 5, RLENGTH - 6); want = 0 }' "$f" \
    | while read -r m; do echo "$module:$class#$m"; done
done)

targets=()
for t in "${all[@]}"; do
  if [ $# -eq 0 ]; then targets+=("$t"); continue; fi
  for want in "$@"; do case "$t" in *"$want"*) targets+=("$t"); break ;; esac; done
done
if [ "$list" = 1 ]; then printf '%s\n' "${all[@]}"; exit 0; fi
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz.sh: no target matches: $*" >&2; exit 2; fi

mkdir -p target/fuzz
echo "fuzzing ${#targets[@]} target(s), ${seconds} s each" >&2
status=0
summary=()
for t in "${targets[@]}"; do
  module="${t%%:*}"; test="${t#*:}"; class="${test%%#*}"; method="${test#*#}"
  log="target/fuzz/${class##*.}-${method}.log"
  report="$PWD/target/fuzz/${class##*.}-${method}.coverage.txt"
  echo "== $t (log: $log)" >&2
  if mvn -B -ntp -Pfuzz -pl "$module" -am test -Dfuzz.seconds="$seconds" -Djazzer.coverage_report="$report" \
      -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false >"$log" 2>&1; then
    result=ok
  else
    result=FINDING; status=1
  fi
  cov="$(grep -aoE '#[0-9]+[[:space:]]+(DONE|pulse|REDUCE|NEW|INITED)[[:space:]]+cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+.*exec/s: [0-9]+' "$log" | tail -1 || true)"
  summary+=("$(printf '%-8s %s  %s' "$result" "${class##*.}#$method" "${cov:-no coverage line (see the log)}")")
done
printf '%s\n' "${summary[@]}"
exit "$status"
