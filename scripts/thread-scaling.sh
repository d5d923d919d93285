#!/usr/bin/env bash
# 1 -> 2 thread speed-up of a whole `plumbline lint` run (start-up, reading, parsing, evaluation,
# output) over ../shared/corpus. Runs alternate between 1 and 2 threads so that a drifting machine
# (shared VMs speed up and slow down by tens of percent within minutes) affects both alike; the
# medians and their ratio are printed.
#
#   cargo build --release -p plumbline-lint-cli && scripts/thread-scaling.sh        # 25 pairs
#   N=11 CORPUS=path/to/manifests scripts/thread-scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${B:-target/release/plumbline}"
corpus="${CORPUS:-../shared/corpus}"
n="${N:-25}"
one=()
two=()
for _ in $(seq 1 "$n"); do
  for t in 1 2; do
    s=$(date +%s%N)
    RAYON_NUM_THREADS=$t "$bin" lint "$corpus" --quiet --format json --output /dev/null >/dev/null 2>&1 || true
    d=$(( ($(date +%s%N) - s) / 1000 ))
    if [ "$t" = 1 ]; then one+=("$d"); else two+=("$d"); fi
  done
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
m1=$(median "${one[@]}")
m2=$(median "${two[@]}")
echo "runs: $n each; median 1 thread $((m1 / 1000)) ms, 2 threads $((m2 / 1000)) ms, speed-up $(awk "BEGIN {printf \"%.2f\", $m1 / $m2}")x"
