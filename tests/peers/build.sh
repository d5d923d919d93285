#!/usr/bin/env bash
# Builds the Go peers of scripts/compare.sh from the pinned module in tests/peers/ (conftest
# v0.71.1, kube-score v1.20.0) into target/peers/<hash of go.mod, go.sum and this script>/, and
# prints that directory. A rerun with the same pins finds the binaries there and builds nothing.
# Needs Go >= 1.26 and the module proxy. Benchmark-only: nothing built here ships.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mod="$root/tests/peers"

if ! command -v go >/dev/null 2>&1; then
  echo "peers: the Go toolchain (>= 1.26) is required to build conftest and kube-score; install Go and rerun" >&2
  exit 2
fi
key="$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -c1-16)"
out="$root/target/peers/$key"
if [ -x "$out/conftest" ] && [ -x "$out/kube-score" ]; then
  echo "$out"
  exit 0
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
start=$(date +%s)
(
  cd "$mod"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly
  go build -trimpath -ldflags "-s -w" -o "$out.tmp/" \
    github.com/open-policy-agent/conftest github.com/zegl/kube-score/cmd/kube-score >&2
)
rm -rf "$out"
mv "$out.tmp" "$out"
echo "peers: built conftest and kube-score in $(( $(date +%s) - start )) s" >&2
echo "$out"
