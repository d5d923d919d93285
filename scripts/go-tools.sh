#!/usr/bin/env bash
# Builds test- and benchmark-only tools from a pinned Go module of this repository, once:
#
#   scripts/go-tools.sh NAME MODULE BINARY... -- GO-BUILD-ARGUMENTS...
#
# builds `go build -trimpath GO-BUILD-ARGUMENTS` in MODULE (a folder of the repository with
# go.mod and go.sum) into target/NAME/<hash of go.mod, go.sum, this script and the arguments>/,
# and prints that directory. A rerun with the same pins finds every BINARY there and builds
# nothing. Needs Go >= 1.26 and the module proxy. Nothing built here ships.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 4 ]; then
  echo "usage: scripts/go-tools.sh NAME MODULE BINARY... -- GO-BUILD-ARGUMENTS..." >&2
  exit 2
fi
name="$1"
mod="$root/$2"
shift 2
bins=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  bins+=("$1")
  shift
done
[ $# -gt 0 ] && shift

if ! command -v go >/dev/null 2>&1; then
  echo "$name: the Go toolchain (>= 1.26) is required to build ${bins[*]}; install Go and rerun" >&2
  exit 2
fi
key="$( { cat "$mod/go.mod" "$mod/go.sum" "$0"; printf '%s\n' "$@"; } | sha256sum | cut -c1-16)"
out="$root/target/$name/$key"
built=1
for b in "${bins[@]}"; do
  [ -x "$out/$b" ] || built=0
done
if [ "$built" -eq 1 ]; then
  echo "$out"
  exit 0
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
start=$(date +%s)
(
  cd "$mod"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly
  go build -trimpath -o "$out.tmp/" "$@" >&2
)
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$name: built ${bins[*]} in $(( $(date +%s) - start )) s" >&2
echo "$out"
