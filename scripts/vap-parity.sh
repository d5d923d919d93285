#!/usr/bin/env bash
# CEL parity of `plumbline export vap`: every rule's exported ValidatingAdmissionPolicy, evaluated
# by vapcheck (tests/cluster/vapcheck: Kubernetes' own CEL environment, from the pinned
# k8s.io/apiserver module) on every fixture sample and example, must deny exactly the objects the
# rule's Rego reports (tests/cluster/vap_parity.py). The end-to-end tests check the same policies
# in a real kube-apiserver. Needs Go >= 1.26 with the module proxy, cargo and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if ! command -v go >/dev/null 2>&1; then
  echo "vap-parity: the Go toolchain (>= 1.26) is required to build vapcheck" >&2
  exit 2
fi
mod="$root/tests/cluster"
key="$(cat "$mod/go.mod" "$mod/go.sum" "$mod/vapcheck/main.go" | sha256sum | cut -c1-16)"
vapcheck="$root/target/cluster-tools/vapcheck-$key"
if [ ! -x "$vapcheck" ]; then
  mkdir -p "$root/target/cluster-tools"
  (cd "$mod" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$vapcheck.tmp" ./vapcheck)
  mv "$vapcheck.tmp" "$vapcheck"
fi
cargo build --locked -q -p plumbline-lint-cli
cargo build --locked -q -p plumbline-policy-core --example policy_inputs
work="$(mktemp -d "${TMPDIR:-/tmp}/vap-parity.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python3 tests/cluster/vap_parity.py --plumbline "$root/target/debug/plumbline" \
  --example "$root/target/debug/examples/policy_inputs" --vapcheck "$vapcheck" --work "$work" --root "$root"
