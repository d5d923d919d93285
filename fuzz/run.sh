#!/usr/bin/env bash
# Fuzz every target for SECONDS_PER_TARGET seconds (default 60) with libFuzzer via cargo-fuzz.
#
#   fuzz/run.sh                 # 60 s per target (what CI's fuzz step would run)
#   fuzz/run.sh 3600            # an hour per target
#   TARGETS="yaml_loader" fuzz/run.sh 600
#
# Needs `cargo install cargo-fuzz`. libFuzzer needs nightly-only rustc flags (-Zsanitizer,
# -Cpasses=sancov); RUSTC_BOOTSTRAP=1 enables them on the stable toolchain. The corpus in
# fuzz/corpus/<target>/ is read and grown in place (new inputs that reach new coverage are added;
# minimise with `cargo fuzz cmin <target>` before committing). A crash leaves its reproducer in
# fuzz/artifacts/<target>/ and fails the script: copy it to fuzz/regressions/<target>/, fix the
# bug, and the regression test (crates/policy-core/tests/it/fuzz_regressions.rs) replays it.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
targets="${TARGETS:-yaml_loader admission_review config_loader}"
export RUSTC_BOOTSTRAP=1
# -O: release with debug assertions; address sanitizer (the default) catches memory errors in
# dependencies' unsafe code.
cargo fuzz build -O
for t in $targets; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${secs}s"
  # -rss_limit_mb: the loaders bound their own memory; 2 GiB catches a blow-up.
  # -timeout: one input taking over 10 s is a hang (evaluation deadline is 3 s in the webhook).
  log="$(mktemp)"
  status=0
  cargo fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(stat::|#[0-9]+ *DONE|==[0-9]+==|SUMMARY|Test unit written|artifact_prefix)" "$log" || tail -n 20 "$log"
  rm -f "$log"
  if [ "$status" -ne 0 ]; then
    echo "fuzz target $t failed (exit $status); reproducer in fuzz/artifacts/$t/" >&2
    exit "$status"
  fi
done
