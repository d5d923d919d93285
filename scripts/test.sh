#!/usr/bin/env bash
# The whole test suite, on a fresh machine: provisions what the tests need, then runs every part
# even when an earlier one failed, and exits non-zero if any part failed or could not run.
#
#   scripts/test.sh              # everything (what the README and CI run)
#   scripts/test.sh --no-e2e     # skip the end-to-end tests behind a real kube-apiserver
#
# What the tests need besides Rust:
# - Debian's `docker-registry` (a real OCI registry for the image-signature tests): installed with
#   apt-get when running as root, otherwise named on one line and the run fails at the end;
# - Go >= 1.26 with its module proxy and python3 for the OPA parity check (opa built from
#   tests/opa/go.mod) and, with openssl and curl, for scripts/cluster-e2e.sh (etcd, kube-apiserver
#   and kubectl built from tests/cluster/go.mod); both cached under target/.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
e2e=1
for arg in "$@"; do
  case "$arg" in
    --no-e2e) e2e=0 ;;
    *) echo "usage: scripts/test.sh [--no-e2e]" >&2; exit 2 ;;
  esac
done

results=()
status=0
# part NAME COMMAND...: run one part, remember its verdict and duration.
part() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "== $name: $*"
  if "$@"; then
    results+=("ok      $name ($((SECONDS - t0)) s)")
  else
    results+=("FAILED  $name ($((SECONDS - t0)) s)")
    status=1
  fi
}
missing() {
  echo "scripts/test.sh: MISSING $1" >&2
  results+=("MISSING $1")
  status=1
}

# --- Provisioning -----------------------------------------------------------------------------
apt_updated=0
apt_install() { # apt_install PACKAGE: as root only; waits for another apt/dpkg run to finish
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  local apt=(apt-get -o DPkg::Lock::Timeout=300 -qq)
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >/dev/null && apt_updated=1
  fi
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "$1" >"${TMPDIR:-/tmp}/plumbline-apt.log" 2>&1; then
    tail -5 "${TMPDIR:-/tmp}/plumbline-apt.log" >&2
    return 1
  fi
}
if [ ! -x /usr/bin/docker-registry ]; then
  echo "== provisioning: Debian's docker-registry (image-signature tests)"
  apt_install docker-registry \
    || missing "docker-registry: the image-signature tests need it; install Debian's package (as root: apt-get install docker-registry)"
fi
for tool in openssl curl python3; do
  if [ "$e2e" -eq 1 ] && ! command -v "$tool" >/dev/null 2>&1; then
    apt_install "$tool" || missing "$tool: scripts/cluster-e2e.sh needs it; install it (Debian: apt-get install $tool)"
  fi
done

# --- The parts --------------------------------------------------------------------------------
# --no-fail-fast: a failing crate does not hide the other crates' results.
part "cargo test --workspace" cargo test --workspace --locked --no-fail-fast
# The webhook's in-cluster cache against a mocked list/watch server: relists after a watch
# expiry, kinds the server does not serve and back-off, which the real API server does not
# produce on demand (the e2e tests cover the real one).
part "webhook with the cluster cache" cargo test --locked -p plumbline-webhook --features cluster-cache
# The pack tested as a rule author tests custom rules (docs/custom-rules.md): every rule's fixtures
# and Rego unit tests (policy_test.rego), and the tutorial's custom rule; the binary is the one
# cargo test built, so this costs seconds.
part "plumbline test (pack and tutorial rules)" cargo run --locked -q -p plumbline-lint-cli -- \
  test policies/ examples/custom-policies/policies/
if ! command -v go >/dev/null 2>&1; then
  missing "go: the OPA parity check and scripts/cluster-e2e.sh build opa, etcd, kube-apiserver and kubectl from their Go modules; install Go >= 1.26"
else
  # The built-in pack under OPA (the reference for Rego) gives the same violations as under
  # regorus on every fixture, example and corpus object, but for tests/opa/known-differences.md.
  part "OPA parity of the pack" scripts/opa-parity.sh
  # The CEL forms of `plumbline export vap` under Kubernetes' own CEL environment give the Rego
  # rules' verdicts on every fixture sample and example (the e2e tests then use a real API server).
  part "CEL parity of the exported admission policies" scripts/vap-parity.sh
  if [ "$e2e" -eq 1 ]; then
    part "end-to-end (real kube-apiserver)" scripts/cluster-e2e.sh
  fi
fi

echo "== summary"
printf '%s\n' "${results[@]}"
exit "$status"
