#!/usr/bin/env bash
# Builds the test control plane from the pinned Go module in tests/cluster/ (kube-apiserver and
# kubectl from Kubernetes v1.36.3, etcd v3.6.8 as that release's go.mod requires) into
# target/cluster-tools/<hash of go.mod and go.sum>/, and prints that directory. A rerun with the
# same pins finds the binaries there and builds nothing. Needs Go >= 1.26 and the module proxy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/tests/cluster"
k8s_version=v1.36.3

if ! command -v go >/dev/null 2>&1; then
  echo "cluster-tools: the Go toolchain (>= 1.26) is required to build kube-apiserver, kubectl and etcd; install Go and rerun" >&2
  exit 2
fi
key="$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -c1-16)"
out="$root/target/cluster-tools/$key"
if [ -x "$out/kube-apiserver" ] && [ -x "$out/kubectl" ] && [ -x "$out/etcd" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$out.tmp"
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
ldf=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldf="$ldf -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
start=$(date +%s)
(
  cd "$mod"
  export CGO_ENABLED=0 GOFLAGS=-mod=readonly
  go build -trimpath -ldflags "-s -w $ldf" -o "$out.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl >&2
  go build -trimpath -ldflags "-s -w" -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3 >&2
)
rm -rf "$out"
mv "$out.tmp" "$out"
echo "cluster-tools: built kube-apiserver, kubectl and etcd in $(( $(date +%s) - start )) s" >&2
echo "$out"
