#!/usr/bin/env bash
# Fuzz every target for SECONDS_PER_TARGET seconds (default 60) with libFuzzer via cargo-fuzz.
#
#   fuzz/run.sh                 # 60 s per target, optimised build with AddressSanitizer
#   fuzz/run.sh 3600            # an hour per target
#   TARGETS="yaml_loader" fuzz/run.sh 600
#   FUZZ_MODE=ci fuzz/run.sh 60 # what .ci/run does: see below
#
# Needs `cargo install cargo-fuzz`. libFuzzer needs nightly-only rustc flags (-Zsanitizer,
# -Cpasses=sancov); RUSTC_BOOTSTRAP=1 enables them on the stable toolchain.
#
# Modes:
# - default (long local runs): `-O` (release with debug assertions) and AddressSanitizer, which
#   catches memory errors in dependencies' unsafe code. The corpus in fuzz/corpus/<target>/ is read
#   and grown in place (minimise with `cargo fuzz cmin <target>` before committing).
# - FUZZ_MODE=ci: a debug build (`--dev`: debug assertions, overflow checks) without a sanitizer
#   (`-s none`; our crates forbid unsafe code). It compiles in ~4 min on 2 cores where the
#   optimised ASan build takes ~15; it runs ~250 AdmissionReviews/s, enough for a smoke run that
#   replays the committed corpus and then mutates it for the rest of the minute. The corpus is
#   copied to a scratch directory, so CI never rewrites the committed one.
#
# A crash leaves its reproducer in fuzz/artifacts/<target>/ and fails the script: copy it to
# fuzz/regressions/<target>/, fix the bug, and the regression test
# (crates/policy-core/tests/it/fuzz_regressions.rs) replays it on every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
targets="${TARGETS:-yaml_loader admission_review config_loader}"
export RUSTC_BOOTSTRAP=1
case "${FUZZ_MODE:-local}" in
  ci) flags=(--dev -s none) ;;
  local) flags=(-O) ;;
  *) echo "FUZZ_MODE is ci or local, not ${FUZZ_MODE}" >&2; exit 2 ;;
esac
cargo fuzz build "${flags[@]}"
scratch=""
if [ "${FUZZ_MODE:-local}" = ci ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
fi
for t in $targets; do
  corpus="corpus/$t"
  mkdir -p "$corpus"
  if [ -n "$scratch" ]; then
    cp -r "$corpus" "$scratch/$t"
    corpus="$scratch/$t"
  fi
  echo "== fuzz $t for ${secs}s ($(find "$corpus" -type f | wc -l) corpus inputs)"
  # -rss_limit_mb: the loaders bound their own memory; 2 GiB catches a blow-up.
  # -timeout: one input taking over 10 s is a hang (evaluation deadline is 3 s in the webhook).
  log="$(mktemp)"
  status=0
  cargo fuzz run "${flags[@]}" "$t" "$corpus" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|#[0-9]+ *(INITED|DONE)|==[0-9]+==|SUMMARY|Test unit written|artifact_prefix)" "$log" || tail -n 20 "$log"
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    echo "fuzz target $t failed (exit $status); reproducer in fuzz/artifacts/$t/" >&2
    exit "$status"
  fi
  rm -f "$log"
done
