#!/usr/bin/env bash
# Builds the OPA CLI from the pinned Go module in tests/opa/ (github.com/open-policy-agent/opa
# v1.22.4) into target/opa-tools/<hash of go.mod, go.sum and this script>/opa, and prints that
# directory. A rerun with the same pins finds the binary there and builds nothing. Needs Go >= 1.26
# and the module proxy. Used by scripts/opa-parity.sh; nothing built here ships.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/tests/opa"

if ! command -v go >/dev/null 2>&1; then
  echo "opa-tools: the Go toolchain (>= 1.26) is required to build opa; install Go and rerun" >&2
  exit 2
fi
key="$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -c1-16)"
out="$root/target/opa-tools/$key"
if [ -x "$out/opa" ]; then
  echo "$out"
  exit 0
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
start=$(date +%s)
(
  cd "$mod"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly
  go build -trimpath -ldflags "-s -w" -o "$out.tmp/opa" github.com/open-policy-agent/opa >&2
)
rm -rf "$out"
mv "$out.tmp" "$out"
echo "opa-tools: built opa in $(( $(date +%s) - start )) s" >&2
echo "$out"
