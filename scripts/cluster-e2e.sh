#!/usr/bin/env bash
# End-to-end tests of plumbline-webhook behind a real kube-apiserver.
#
# Builds (or reuses) etcd, kube-apiserver and kubectl from tests/cluster/ (scripts/cluster-tools.sh)
# and the webhook binary from the Dockerfile's build stage (scripts/image-build-stage.sh); starts
# etcd and kube-apiserver on loopback with their own certificates, the webhook as a local process,
# applies the shipped deploy/ through kustomize with only the webhook's address swapped for a URL on
# loopback and the caBundle filled in, then runs named checks through kubectl. Everything started
# here is stopped on exit, failures and interrupts included.
#
#   scripts/cluster-e2e.sh                 # every check
#   E2E_ONLY=deny,warn scripts/cluster-e2e.sh
#   E2E_KEEP=1 scripts/cluster-e2e.sh      # keep the work directory (logs, audit log, certificates)
#
# Prints `N passed, N failed` last; exits non-zero when a check failed or the cluster did not start.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started_at=$(date +%s)

log() { echo "cluster-e2e: $*" >&2; }
die() { log "$*"; exit 2; }

# --- Binaries ---------------------------------------------------------------------------------
tools="$(scripts/cluster-tools.sh)" || die "building the control plane failed"
webhook_bin="${PLUMBLINE_WEBHOOK_BIN:-}"
if [ -z "$webhook_bin" ]; then
  webhook_bin="$(scripts/image-build-stage.sh)" || die "the Dockerfile's build stage failed"
fi
plumbline_bin="${PLUMBLINE_BIN:-}"
if [ -z "$plumbline_bin" ]; then
  cargo build --quiet --locked -p plumbline-lint-cli >&2 || die "building plumbline failed"
  plumbline_bin="$root/target/debug/plumbline"
fi
log "tools ready after $(( $(date +%s) - started_at )) s"

# --- Work directory and teardown --------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/plumbline-e2e.XXXXXX")"
pids=()
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ -n "${E2E_KEEP:-}" ]; then log "work directory kept: $work"; else rm -rf "$work"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then log "timed out after ${secs}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# --- Certificates -----------------------------------------------------------------------------
pki="$work/pki"; mkdir -p "$pki"
# new_ca NAME
new_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
# new_cert CA NAME SUBJECT EXTENSIONS
new_cert() {
  local ca="$1" name="$2" subj="$3" ext="$4"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subj" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}
server_ext='basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost'
new_ca server-ca
new_ca client-ca
new_ca webhook-ca
new_cert server-ca apiserver "/CN=kube-apiserver" "$server_ext"
new_cert client-ca admin "/O=system:masters/CN=e2e-admin" 'basicConstraints=CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=clientAuth'
new_cert webhook-ca webhook "/CN=plumbline-webhook" "$server_ext"
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
[ -s "$pki/webhook.crt" ] && [ -s "$pki/admin.crt" ] && [ -s "$pki/sa.pub" ] || die "openssl could not make the certificates"

# --- etcd and kube-apiserver ------------------------------------------------------------------
etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
"$tools/etcd" --data-dir "$work/etcd" --name e2e \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "e2e=http://127.0.0.1:$peer_port" --unsafe-no-fsync --log-level warn \
  >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_for "etcd" 60 curl -fsS "http://127.0.0.1:$etcd_port/health" || { tail -20 "$work/etcd.log" >&2; exit 2; }

cat > "$work/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
EOF
env -u HTTPS_PROXY -u https_proxy -u HTTP_PROXY -u http_proxy \
"$tools/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/client-ca.crt" \
  --authorization-mode RBAC \
  --service-cluster-ip-range 10.0.0.0/24 --allow-privileged=true \
  --disable-admission-plugins ServiceAccount \
  --service-account-issuer "https://127.0.0.1:$api_port" \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --audit-policy-file "$work/audit-policy.yaml" --audit-log-path "$work/audit.log" \
  --cert-dir "$work/apiserver-certs" \
  >"$work/apiserver.log" 2>&1 &
pids+=($!)

kubeconfig="$work/kubeconfig"
cat > "$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority-data: $(base64 -w0 < "$pki/server-ca.crt")
users:
  - name: e2e-admin
    user:
      client-certificate-data: $(base64 -w0 < "$pki/admin.crt")
      client-key-data: $(base64 -w0 < "$pki/admin.key")
contexts:
  - name: e2e
    context: {cluster: e2e, user: e2e-admin}
current-context: e2e
EOF
export KUBECONFIG="$kubeconfig"
k() { "$tools/kubectl" "$@"; }
wait_for "kube-apiserver /readyz" 120 k get --raw /readyz || { tail -30 "$work/apiserver.log" >&2; exit 2; }
wait_for "namespace default" 60 k get namespace default || exit 2
log "control plane up after $(( $(date +%s) - started_at )) s ($(k version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'))"

# --- The webhook ------------------------------------------------------------------------------
webhook_port=$(free_port)
webhook_pid=""
webhook_flags=""
# start_webhook CONFIG [FLAGS...]: (re)start the webhook with this plumbline.yaml.
start_webhook() {
  stop_webhook
  local config="$1"; shift
  webhook_flags="$*"
  "$webhook_bin" --config "$config" --tls-cert "$pki/webhook.crt" --tls-key "$pki/webhook.key" \
    --listen "127.0.0.1:$webhook_port" --log-format json --shutdown-delay-secs 0 "$@" \
    >>"$work/webhook.log" 2>&1 &
  webhook_pid=$!
  pids+=("$webhook_pid")
  wait_for "the webhook's /readyz" 30 curl -fsS --cacert "$pki/webhook-ca.crt" "https://127.0.0.1:$webhook_port/readyz"
}
stop_webhook() {
  [ -n "$webhook_pid" ] || return 0
  kill -CONT "$webhook_pid" 2>/dev/null
  kill -TERM "$webhook_pid" 2>/dev/null
  wait "$webhook_pid" 2>/dev/null
  webhook_pid=""
}

# --- Checks -----------------------------------------------------------------------------------
passed=0; failed=0; failed_names=()
selected() { [ -z "${E2E_ONLY:-}" ] || [[ ",$E2E_ONLY," == *",$1,"* ]]; }
# check NAME FUNCTION: run one scenario; its output goes to the log, its verdict to the tally.
check() {
  local name="$1" fn="$2" t0 logf
  selected "$name" || return 0
  t0=$(date +%s%N)
  logf="$work/check-$name.log"
  if "$fn" >"$logf" 2>&1; then
    passed=$((passed + 1))
    printf 'ok    %-28s (%s ms)\n' "$name" "$(( ($(date +%s%N) - t0) / 1000000 ))"
  else
    failed=$((failed + 1)); failed_names+=("$name")
    printf 'FAIL  %-28s (%s ms)\n' "$name" "$(( ($(date +%s%N) - t0) / 1000000 ))"
    sed 's/^/      | /' "$logf" | tail -40
  fi
}
# expect_in TEXT NEEDLE...: every needle occurs in TEXT (fixed strings).
expect_in() {
  local text="$1"; shift
  local n
  for n in "$@"; do
    if ! grep -qF -- "$n" <<<"$text"; then echo "expected to find: $n"; echo "in: $text"; return 1; fi
  done
}
# apply FILE [ARGS...]: kubectl apply, stdout and stderr together in $out, exit code in $rc.
apply() {
  local f="$1"; shift
  out="$(k apply -f "$f" "$@" 2>&1)"; rc=$?
  echo "\$ kubectl apply -f $(basename "$f") $*  (exit $rc)"; echo "$out"
}

# --- Setup: CRDs, the pre-existing objects, the webhook, deploy/ ------------------------------
manifests="$work/manifests"; mkdir -p "$manifests"
k apply -f tests/cluster/crds/ >/dev/null || die "the CRD stand-ins were refused"
k wait --for condition=Established --timeout 60s crd --all >/dev/null || die "CRDs not established"

# The webhook's plumbline.yaml: the one deploy/configmap.yaml ships, plus a freeze calendar that
# is always in force for staging (the change-control checks) and the e2e namespaces' enforcement
# as shipped (production and staging deny, dev warn).
k create --dry-run=client -f deploy/configmap.yaml -o jsonpath='{.data.plumbline\.yaml}' > "$work/plumbline.yaml" \
  || die "cannot read plumbline.yaml out of deploy/configmap.yaml"
# The test's kubectl user applies as the platform team's deploy pipeline would: it may suppress
# in-object (admission.suppressors), as `plumbline lint` offline honours suppressions.
python3 - "$work/plumbline.yaml" <<'PY' || die "deploy/configmap.yaml's plumbline.yaml has no admission section"
import sys
path = sys.argv[1]
text = open(path).read()
if "\nadmission:\n" not in "\n" + text:
    sys.exit(1)
text = ("\n" + text).replace("\nadmission:\n", "\nadmission:\n  suppressors: {users: [e2e-admin]}\n", 1)[1:]
open(path, "w").write(text)
PY
cat >> "$work/plumbline.yaml" <<'YAML'
changeControl:
  calendars:
    - name: e2e-freeze
      timeZone: UTC
      environments: [staging]
      freezes:
        - {name: e2e freeze, from: "2000-01-01", to: "2999-12-31"}
YAML
enforcement="production=deny,staging=deny,dev=warn,*=deny"

ns() { # ns NAME [LABEL=VALUE...]: a tenant namespace as a platform team would create it
  local name="$1"; shift
  {
    echo "apiVersion: v1"; echo "kind: Namespace"; echo "metadata:"; echo "  name: $name"; echo "  labels:"
    echo "    plumbline.dev/tenant: e2e"
    for l in "$@"; do echo "    ${l%%=*}: \"${l#*=}\""; done
  } > "$manifests/ns-$name.yaml"
  k apply -f "$manifests/ns-$name.yaml"
}
# Created before the webhook is registered: the objects a freeze protects, and the namespaces.
ns e2e-prod >/dev/null && ns e2e-dev >/dev/null && ns e2e-staging >/dev/null && ns e2e-cache >/dev/null \
  || die "cannot create the test namespaces"
k create configmap payroll-settings -n e2e-staging --from-literal=cutoff=25 >/dev/null || die "cannot create the frozen ConfigMap"

pod() { # pod NAME NAMESPACE IMAGE: a Pod that passes every rule but the image's
  cat > "$manifests/pod-$1-$2.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  namespace: $2
  annotations:
    change.plumbline.dev/ticket: CHG-1234
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: $3
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 256Mi}
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: [ALL]}
        readOnlyRootFilesystem: true
YAML
  echo "$manifests/pod-$1-$2.yaml"
}
good_image="registry.example.com/erp/odoo:17.0.20241105@sha256:$(printf 'a%.0s' $(seq 1 64))"
bad_image="odoo:latest"

start_webhook "$work/plumbline.yaml" || { tail -20 "$work/webhook.log" >&2; die "the webhook did not start"; }

# deploy/ through kustomize, with the webhook's address swapped for a URL on loopback and the
# caBundle filled in (what cert-manager's CA injector does in a cluster).
overlay="$work/overlay"; mkdir -p "$overlay"
webhooks=$(k kustomize deploy | k create --dry-run=client -f - -o json | python3 tests/cluster/parity.py webhooks | wc -l)
[ "${webhooks:-0}" -ge 1 ] || die "deploy/ renders no ValidatingWebhookConfiguration webhook"
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources: [$(realpath --relative-to="$overlay" "$root/deploy")]"
  echo "patches:"
  echo "  - target: {kind: ValidatingWebhookConfiguration, name: plumbline}"
  echo "    patch: |-"
  for ((i = 0; i < webhooks; i++)); do
    echo "      - {op: remove, path: /webhooks/$i/clientConfig/service}"
    echo "      - {op: add, path: /webhooks/$i/clientConfig/url, value: \"https://127.0.0.1:$webhook_port/validate\"}"
    echo "      - {op: add, path: /webhooks/$i/clientConfig/caBundle, value: \"$(base64 -w0 < "$pki/webhook-ca.crt")\"}"
  done
} > "$overlay/kustomization.yaml"

# --- The checks -------------------------------------------------------------------------------
# The API server reads webhook configurations through an informer: poll until ours is in force.
webhook_in_force() {
  local f; f="$(pod probe e2e-prod "$bad_image")"
  grep -qF 'denied the request' <<<"$(k apply --dry-run=server -f "$f" 2>&1)"
}

check_deploy_applied() {
  out="$(k apply -k "$overlay" 2>&1)"; rc=$?
  echo "\$ kubectl apply -k overlay (exit $rc)"; echo "$out"
  [ "$rc" -eq 0 ] || return 1
  wait_for "the webhook configuration to be in force" 30 webhook_in_force || return 1
  # Served as shipped: every field but the client address is the rendered one.
  diff <(k kustomize deploy | k create --dry-run=client -f - -o json | python3 tests/cluster/parity.py webhooks) \
       <(k get validatingwebhookconfiguration plumbline -o json | python3 tests/cluster/parity.py webhooks) \
    || { echo "the served configuration differs from deploy/ (above)"; return 1; }
  k get validatingwebhookconfiguration plumbline -o jsonpath='{.webhooks[*].name} failurePolicy={.webhooks[0].failurePolicy} timeoutSeconds={.webhooks[0].timeoutSeconds} matchConditions={.webhooks[0].matchConditions[*].name}'; echo
}

check_deny() {
  apply "$(pod web e2e-prod "$bad_image")"
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'Error from server (Forbidden)' 'admission webhook "validate.plumbline.dev" denied the request' \
    '[image-tag-latest]' 'spec.containers[0].image' 'Pod/e2e-prod/web'
  ! k get pod web -n e2e-prod >/dev/null 2>&1
}

check_warn() {
  apply "$(pod web e2e-dev "$bad_image")"
  [ "$rc" -eq 0 ] || return 1
  expect_in "$out" 'Warning: plumbline:' 'image-tag-latest' 'pod/web created'
}

check_audit_annotations() {
  # An honoured suppression (the test user is a suppressor) is recorded in an audit annotation:
  # it must reach the API server's audit log, keyed <webhook name>/<key> (the API server drops
  # keys that do not make a qualified name, with only a line in its own log).
  local f; f="$(pod audited e2e-prod "$bad_image")"
  sed -i 's|^  annotations:|  annotations:\n    ignore.plumbline.dev/image-tag-latest: "vendor image, tracked in OPS-1"|' "$f"
  apply "$f"
  [ "$rc" -eq 0 ] || return 1
  wait_for "the audit event" 10 grep -q '"name":"audited"' "$work/audit.log" || return 1
  local event; event="$(grep '"name":"audited"' "$work/audit.log" | grep '"verb":"create"' | tail -1)"
  echo "$event"
  expect_in "$event" '"validate.plumbline.dev/suppressed-image-tag-latest":"annotation: vendor image, tracked in OPS-1"' || return 1
  ! grep -q 'Failed to set admission audit annotation' "$work/apiserver.log"
}

check_dry_run_server() {
  apply "$(pod dry e2e-prod "$bad_image")" --dry-run=server
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'denied the request' '[image-tag-latest]' || return 1
  apply "$(pod dry e2e-prod "$good_image")" --dry-run=server
  [ "$rc" -eq 0 ] || return 1
  expect_in "$out" 'created (server dry run)' || return 1
  ! k get pod dry -n e2e-prod >/dev/null 2>&1
}

check_update() {
  apply "$(pod upd e2e-prod "$good_image")"
  [ "$rc" -eq 0 ] || return 1
  # An UPDATE that would break a rule is denied and the stored object keeps its image.
  out="$(k set image pod/upd -n e2e-prod app="$bad_image" 2>&1)"; rc=$?
  echo "\$ kubectl set image pod/upd app=$bad_image (exit $rc)"; echo "$out"
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'denied the request' '[image-tag-latest]' || return 1
  [ "$(k get pod upd -n e2e-prod -o jsonpath='{.spec.containers[0].image}')" = "$good_image" ]
}

check_freeze() {
  # staging is frozen (the e2e calendar): a change and a DELETE of what exists are denied.
  out="$(k create configmap payroll-extra -n e2e-staging --from-literal=a=b 2>&1)"; rc=$?
  echo "\$ kubectl create configmap payroll-extra -n e2e-staging (exit $rc)"; echo "$out"
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'denied the request' '[change-freeze-active]' || return 1
  out="$(k delete configmap payroll-settings -n e2e-staging 2>&1)"; rc=$?
  echo "\$ kubectl delete configmap payroll-settings -n e2e-staging (exit $rc)"; echo "$out"
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'denied the request' '[change-freeze-active]' || return 1
  k get configmap payroll-settings -n e2e-staging >/dev/null
}

check_exempt_namespace() {
  # plumbline-system is outside the namespaceSelector: never sent to the webhook.
  apply "$(pod exempt plumbline-system "$bad_image")"
  [ "$rc" -eq 0 ] || return 1
  expect_in "$out" 'pod/exempt created' || return 1
  ! grep -q '"object":"Pod/plumbline-system/exempt"' "$work/webhook.log"
}

check_webhook_down() {
  stop_webhook
  # failurePolicy: Fail (as shipped): nothing is admitted unchecked.
  apply "$(pod down e2e-prod "$good_image")"
  [ "$rc" -ne 0 ] || return 1
  expect_in "$out" 'Error from server (InternalError)' 'failed calling webhook "validate.plumbline.dev"' 'connection refused' || return 1
  # failurePolicy: Ignore: admitted, and the audit log says it failed open.
  set_failure_policy Ignore || return 1
  wait_for "failurePolicy Ignore in force" 30 k apply --dry-run=server -f "$manifests/pod-down-e2e-prod.yaml" || return 1
  apply "$manifests/pod-down-e2e-prod.yaml"
  [ "$rc" -eq 0 ] || return 1
  expect_in "$out" 'pod/down created' || return 1
  wait_for "the failed-open audit annotation" 10 grep -q 'failed-open.validating.webhook.admission.k8s.io/round_0_index_' "$work/audit.log"
}
set_failure_policy() {
  local ops="" i
  for ((i = 0; i < webhooks; i++)); do ops="$ops${ops:+,}{\"op\":\"replace\",\"path\":\"/webhooks/$i/failurePolicy\",\"value\":\"$1\"}"; done
  k patch validatingwebhookconfiguration plumbline --type=json -p "[$ops]"
}
restore_webhook() {
  set_failure_policy Fail >/dev/null
  start_webhook "$work/plumbline.yaml" "$@" && wait_for "the webhook in force again" 30 webhook_in_force
}

check_webhook_hangs() {
  # The webhook accepts connections but answers nothing (stopped): the API server gives up after
  # timeoutSeconds; with Fail the request fails, with Ignore it is admitted.
  restore_webhook || return 1
  kill -STOP "$webhook_pid"
  local t0=$SECONDS
  apply "$(pod hang e2e-prod "$good_image")"
  echo "answered after $((SECONDS - t0)) s"
  [ "$rc" -ne 0 ] || { kill -CONT "$webhook_pid"; return 1; }
  expect_in "$out" 'failed calling webhook "validate.plumbline.dev"' || { kill -CONT "$webhook_pid"; return 1; }
  grep -qE 'context deadline exceeded|Client.Timeout|timeout' <<<"$out" || { kill -CONT "$webhook_pid"; return 1; }
  set_failure_policy Ignore >/dev/null
  wait_for "failurePolicy Ignore in force" 60 k apply --dry-run=server -f "$manifests/pod-hang-e2e-prod.yaml"
  local ok=$?
  kill -CONT "$webhook_pid"
  set_failure_policy Fail >/dev/null
  [ "$ok" -eq 0 ] && wait_for "the webhook in force again" 30 webhook_in_force
}

serving_serial() {
  openssl s_client -connect "127.0.0.1:$webhook_port" -CAfile "$pki/webhook-ca.crt" </dev/null 2>/dev/null \
    | openssl x509 -noout -serial
}
check_cert_rotation() {
  # cert-manager renews the serving certificate: the files change under the running webhook
  # (checked every 10 s) while kubectl applies in a loop, from before the change until after the
  # new certificate is served; no apply may fail and the new certificate must be served.
  local before after f results="$work/rotation.txt" stop="$work/rotation.stop" i served
  before="$(serving_serial)"; echo "serving $before"
  f="$(pod rot e2e-prod "$good_image")"
  rm -f "$stop"
  ( for i in $(seq 1 400); do
      [ -e "$stop" ] && break
      if k apply --dry-run=server -f "$f" >/dev/null 2>>"$work/rotation.err"; then echo ok; else echo fail; fi
    done > "$results" ) &
  local loop=$!
  sleep 2
  new_cert webhook-ca webhook-next "/CN=plumbline-webhook" "$server_ext"
  cp "$pki/webhook-next.key" "$pki/webhook.key.new" && cp "$pki/webhook-next.crt" "$pki/webhook.crt.new"
  mv "$pki/webhook.key.new" "$pki/webhook.key" && mv "$pki/webhook.crt.new" "$pki/webhook.crt"
  wait_for "the rotated certificate to be served" 30 bash -c "[ \"\$(openssl s_client -connect 127.0.0.1:$webhook_port -CAfile $pki/webhook-ca.crt </dev/null 2>/dev/null | openssl x509 -noout -serial)\" != \"$before\" ]"
  served=$?
  sleep 2
  touch "$stop"
  wait "$loop"
  after="$(serving_serial)"; echo "serving $after"
  echo "applies: $(grep -c ok "$results") ok, $(grep -c fail "$results") failed"; tail -5 "$work/rotation.err" 2>/dev/null
  [ "$served" -eq 0 ] && [ "$before" != "$after" ] && [ "$(grep -c ok "$results")" -ge 10 ] && ! grep -q fail "$results"
}

# parity_set NAME PATH...: the objects of PATHs applied to the cluster get the verdict that
# `plumbline lint PATHs` gives them offline with the same config. The linter judges each object
# against the whole input set, so the cluster holds the whole set too: a first pass creates every
# object with the webhook configuration set aside (as objects created before install or during an
# outage would be), then every object is replayed through the webhook (`kubectl replace
# --dry-run=server`, an UPDATE) with the cluster cache as its inventory, and the verdicts compared.
parity_set() {
  local name="$1"; shift
  local dir="$work/parity-$name" key kind ns obj verdict got mismatches=0
  mkdir -p "$dir/objects"
  "$plumbline_bin" lint "$@" --config "$work/plumbline.yaml" --format json --fail-on never > "$dir/lint.json" \
    || { echo "plumbline lint failed"; return 1; }
  find "$@" -name '*.yaml' -o -name '*.yml' -o -name '*.json' | sort | while read -r f; do echo "---"; cat "$f"; echo; done \
    | k create --dry-run=client -f - -o json | python3 tests/cluster/parity.py split "$dir/objects" > "$dir/objects.tsv" \
    || { echo "cannot split the input set"; return 1; }
  python3 tests/cluster/parity.py expect "$dir/lint.json" "$dir/objects.tsv" "$enforcement" > "$dir/expected.tsv" || return 1
  k get validatingwebhookconfiguration plumbline -o json > "$dir/vwc.json" || return 1
  k delete validatingwebhookconfiguration plumbline >/dev/null || return 1
  while IFS=$'\t' read -r key kind ns obj; do
    k apply -f "$dir/objects/$key.json" >/dev/null || { echo "cannot create $kind/$ns/$obj"; mismatches=$((mismatches + 1)); }
  done < "$dir/objects.tsv"
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); m=o["metadata"]; [m.pop(k, None) for k in ("resourceVersion","uid","creationTimestamp","generation","managedFields")]; print(json.dumps(o))' \
    "$dir/vwc.json" | k create -f - >/dev/null || return 1
  wait_for "the webhook configuration in force again" 30 webhook_in_force || return 1
  sleep 1 # the cluster cache's debounce
  while IFS=$'\t' read -r key kind ns obj; do
    out="$(k replace --dry-run=server -f "$dir/objects/$key.json" 2>&1)"; rc=$?
    if [ "$rc" -ne 0 ] && grep -qF 'denied the request' <<<"$out"; then got=denied
    elif [ "$rc" -eq 0 ] && grep -qF 'Warning: plumbline:' <<<"$out"; then got=warned
    elif [ "$rc" -eq 0 ]; then got=allowed
    else got="error"
    fi
    verdict="$(awk -F'\t' -v k="$key" '$1 == k {print $2}' "$dir/expected.tsv")"
    printf '%-8s %-8s %s/%s/%s\n' "$verdict" "$got" "$kind" "$ns" "$obj"
    if [ "$verdict" != "$got" ]; then
      mismatches=$((mismatches + 1)); echo "$out" | head -5 | sed 's/^/    /'
    fi
  done < "$dir/objects.tsv"
  # Leave the cluster as it was for the next set (Namespaces stay: no controller removes them).
  # Deletions go through the webhook, which lets them through: production is not frozen.
  tac "$dir/objects.tsv" | while IFS=$'\t' read -r key kind ns obj; do
    [ "$kind" = Namespace ] || k delete -f "$dir/objects/$key.json" --wait=false >/dev/null 2>&1 || true
  done
  echo "$name: $(wc -l < "$dir/objects.tsv") objects, $mismatches verdicts differ"
  [ "$mismatches" -eq 0 ]
}
check_parity() {
  restore_webhook --cluster-cache || return 1
  wait_for "the cluster cache" 30 grep -q 'cluster cache: synced\|cluster cache: listed' "$work/webhook.log"
  local status=0
  parity_set erp-stack examples/erp-stack || status=1
  parity_set multi-tenant-before examples/multi-tenant/before || status=1
  parity_set multi-tenant-after examples/multi-tenant/after || status=1
  return "$status"
}

check_every_kind() {
  # Every kind a rule of the pack judges reaches the webhook when created: the decision log names
  # it. Samples come from examples/, tests/fixtures/ and tests/cluster/samples/ (the first one the
  # API server's own validation accepts), created with --dry-run=server in e2e-dev.
  local kinds missing=0 kind f
  kinds="$("$plumbline_bin" rules --format json | python3 -c '
import json,sys
ks = set()
for r in json.load(sys.stdin)["rules"]:
    ks.update(r.get("kinds", []))
workloads = ["Pod","Deployment","StatefulSet","DaemonSet","ReplicaSet","ReplicationController","Job","CronJob"]
if "workloads" in ks:
    ks.discard("workloads"); ks.update(workloads)
ks.discard("*")
print(" ".join(sorted(ks)))')"
  echo "kinds judged by the pack: $kinds"
  for kind in $kinds; do
    for f in $(find examples tests/cluster/samples tests/fixtures -name '*.yaml' | sort | xargs grep -l "^kind: $kind\$" | head -8); do
      grep -q "\"object\":\"$kind/" "$work/webhook.log" && break
      k create --dry-run=client -f "$f" -o json 2>/dev/null | python3 -c '
import json,sys
sys.path.insert(0, "tests/cluster")
from parity import objects
o = next(i for i in objects(sys.stdin.read()) if i.get("kind") == sys.argv[1])
o.setdefault("metadata", {})["namespace"] = "e2e-dev"
o["metadata"]["name"] = "kind-" + sys.argv[1].lower()
if o["kind"] == "Namespace":
    o["metadata"].pop("namespace")
print(json.dumps(o))' "$kind" > "$manifests/kind-$kind.json" || continue
      out="$(k create --dry-run=server -f "$manifests/kind-$kind.json" 2>&1)"; echo "$kind ($f): $(head -1 <<<"$out")"
      wait_for "a decision on $kind" 3 grep -q "\"object\":\"$kind/" "$work/webhook.log" && break
    done
    grep -q "\"object\":\"$kind/" "$work/webhook.log" || { echo "never sent: $kind"; missing=$((missing + 1)); }
  done
  [ "$missing" -eq 0 ]
}

check_cluster_cache() {
  # A Namespace label changed with kubectl is seen by the next review: e2e-cache has no
  # environment label and its name matches no pattern, so it is production (deny); labelled dev,
  # the same Pod is only warned.
  [[ "$webhook_flags" == *--cluster-cache* ]] || restore_webhook --cluster-cache || return 1
  local f; f="$(pod cached e2e-cache "$bad_image")"
  apply "$f" --dry-run=server
  expect_in "$out" 'denied the request' || return 1
  k label namespace e2e-cache plumbline.dev/environment=dev --overwrite || return 1
  wait_for "the label to reach the webhook" 20 bash -c "grep -qF 'Warning: plumbline:' <<<\"\$('$tools/kubectl' apply --dry-run=server -f '$f' 2>&1)\"" || return 1
  apply "$f" --dry-run=server
  [ "$rc" -eq 0 ] && expect_in "$out" 'Warning: plumbline:'
}

# backup_rule_on_review: whether the webhook's decision on a server dry run of the CloudNativePG
# Cluster e2e-prod/erp-db names postgres-backup-missing (the decision log's `rules`).
decisions_on_erp_db() { grep -c '"object":"Cluster/e2e-prod/erp-db"' "$work/webhook.log"; }
backup_rule_on_review() {
  local before i; before="$(decisions_on_erp_db)"
  k create --dry-run=server -f "$manifests/cnpg-erp-db.yaml" >/dev/null 2>&1
  for i in $(seq 1 25); do
    [ "$(decisions_on_erp_db)" -gt "$before" ] && break
    sleep 0.2
  done
  [ "$(decisions_on_erp_db)" -gt "$before" ] || { echo "no decision on Cluster/e2e-prod/erp-db"; return 2; }
  grep '"object":"Cluster/e2e-prod/erp-db"' "$work/webhook.log" | tail -1 | grep -q 'postgres-backup-missing'
}

check_backup_schedule() {
  # The cluster cache watches CloudNativePG ScheduledBackups, an optional kind served here by a
  # CRD stand-in: a production Cluster without one is reported by postgres-backup-missing; once a
  # ScheduledBackup names it, the next review of the same Cluster is not.
  [[ "$webhook_flags" == *--cluster-cache* ]] || restore_webhook --cluster-cache || return 1
  cat > "$manifests/cnpg-erp-db.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: erp-db, namespace: e2e-prod}
spec:
  instances: 3
  storage: {size: 1Gi}
YAML
  cat > "$manifests/cnpg-erp-db-daily.yaml" <<'YAML'
apiVersion: postgresql.cnpg.io/v1
kind: ScheduledBackup
metadata: {name: erp-db-daily, namespace: e2e-prod}
spec:
  schedule: "0 0 2 * * *"
  cluster: {name: erp-db}
YAML
  backup_rule_on_review || { echo "no postgres-backup-missing before the ScheduledBackup"; return 1; }
  apply "$manifests/cnpg-erp-db-daily.yaml"
  [ "$rc" -eq 0 ] || return 1
  local i
  for i in $(seq 1 25); do
    backup_rule_on_review
    case $? in
      1) grep '"object":"Cluster/e2e-prod/erp-db"' "$work/webhook.log" | tail -1; return 0 ;;
      2) return 1 ;;
    esac
    sleep 0.4
  done
  echo "postgres-backup-missing still reported 10 s after the ScheduledBackup was created"
  return 1
}

# The OpenReports CRDs (Report, ClusterReport) as upstream publishes them, from its Go module at a
# pinned version (checksum pinned too): the API server validates written reports against them.
openreports_module="github.com/openreports/reports-api@v0.2.1"
openreports_sum="h1:g9KS3yle9Y1elmww4TK9EkD1rl6inIaiIJPX6e+u680="
openreports_crds() {
  local info dir sum
  info="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$openreports_module")" || return 1
  dir="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<<"$info")" || return 1
  sum="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Sum"])' <<<"$info")" || return 1
  [ "$sum" = "$openreports_sum" ] || { echo "$openreports_module: checksum $sum, expected $openreports_sum"; return 1; }
  echo "$dir/config/crd"
}

install_openreports() {
  local crds
  crds="$(openreports_crds)" || return 1
  k apply -f "$crds" >/dev/null || return 1
  k wait --for condition=Established --timeout 60s crd reports.openreports.io clusterreports.openreports.io
}
# unjudged_pod NAME NAMESPACE: a Pod with image odoo:latest that admission never judged (created
# with the webhook configuration set aside, then restored as it was).
unjudged_pod() {
  local f status=0
  k get validatingwebhookconfiguration plumbline -o json > "$work/set-aside-vwc.json" || return 1
  k delete validatingwebhookconfiguration plumbline >/dev/null || return 1
  f="$(pod "$1" "$2" "$bad_image")"
  apply "$f" || status=1
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); m=o["metadata"]; [m.pop(k, None) for k in ("resourceVersion","uid","creationTimestamp","generation","managedFields")]; print(json.dumps(o))' \
    "$work/set-aside-vwc.json" | k create -f - >/dev/null || return 1
  wait_for "the webhook configuration in force again" 30 webhook_in_force || return 1
  return "$status"
}

check_audit() {
  # Objects admission never judged (created while the webhook configuration was set aside, as
  # during an install, or admitted while failing open) are found by `plumbline audit` with the
  # webhook's own plumbline.yaml; its OpenReports are written to the cluster and accepted under
  # the upstream CRDs' schema.
  local uid
  install_openreports || return 1
  unjudged_pod unjudged e2e-prod || return 1
  uid="$(k get pod unjudged -n e2e-prod -o jsonpath='{.metadata.uid}')" || return 1

  # The lint formats: the finding names the live object and the field.
  "$plumbline_bin" audit --config "$work/plumbline.yaml" -n e2e-prod --format json >"$work/audit.json" 2>"$work/audit.err"; rc=$?
  echo "\$ plumbline audit -n e2e-prod --format json  (exit $rc)"; cat "$work/audit.err"
  [ "$rc" -eq 1 ] || { echo "expected exit 1 (an error-level finding)"; return 1; }
  python3 - "$work/audit.json" "$uid" <<'PY' || return 1
import json, sys
report = json.load(open(sys.argv[1]))
hits = [f for f in report["findings"]
        if f["rule"] == "image-tag-latest" and f["object"]["name"] == "unjudged"]
assert hits, "no image-tag-latest finding on Pod e2e-prod/unjudged"
f = hits[0]
assert f["file"] == "cluster:pod/e2e-prod/unjudged", f["file"]
assert f["path"] == "/spec/containers/0/image", f["path"]
assert f["object"]["namespace"] == "e2e-prod", f["object"]
assert f["object"]["uid"] == sys.argv[2] and f["object"]["resourceVersion"], f["object"]
print("found:", f["file"], f["path"], f["message"])
PY

  # OpenReports: written with server-side apply, validated by the API server against the CRDs.
  "$plumbline_bin" audit --config "$work/plumbline.yaml" --write-reports --format openreports \
    --fail-on never > "$work/reports.json" 2>"$work/audit.err"; rc=$?
  echo "\$ plumbline audit --write-reports --format openreports  (exit $rc)"; cat "$work/audit.err"
  [ "$rc" -eq 0 ] || return 1
  expect_in "$(cat "$work/audit.err")" 'wrote' || return 1
  k get clusterreport plumbline-audit -o jsonpath='{.summary}'; echo
  k get report plumbline-audit -n e2e-prod -o json > "$work/report.json" || return 1
  python3 - "$work/report.json" "$uid" <<'PY' || return 1
import json, sys
r = json.load(open(sys.argv[1]))
uid = sys.argv[2]
assert r["summary"]["fail"] >= 1 and r["summary"]["pass"] >= 1, r["summary"]
hits = [x for x in r["results"] if x["policy"] == "image-tag-latest"
        and x["resources"][0]["name"] == "unjudged"]
assert hits, "no image-tag-latest result for unjudged"
x = hits[0]
assert x["result"] == "fail" and x["severity"] == "high", x
assert x["resources"][0]["uid"] == uid, (x["resources"][0], uid)
assert x["resources"][0]["kind"] == "Pod" and x["resources"][0]["resourceVersion"], x["resources"][0]
assert x["properties"]["path"] == "/spec/containers/0/image", x["properties"]
print("report e2e-prod/plumbline-audit:", r["summary"])
PY
  # A rerun replaces the results (server-side apply owns the list): the Pod removed, its result goes.
  k delete pod unjudged -n e2e-prod --wait=false >/dev/null || return 1
  wait_for "the Pod to go" 30 bash -c "! '$tools/kubectl' get pod unjudged -n e2e-prod >/dev/null 2>&1" || return 1
  "$plumbline_bin" audit --config "$work/plumbline.yaml" -n e2e-prod --write-reports --format openreports -q \
    --fail-on never >/dev/null || return 1
  k get report plumbline-audit -n e2e-prod -o json > "$work/report.json" || return 1
  python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
left = [x["policy"] for x in r.get("results", []) if x["resources"][0]["name"] == "unjudged"]
assert not left, f"results of the deleted Pod remain: {left}"
print("after the Pod was deleted:", r["summary"])
PY
}

check_background_audit() {
  # The webhook's own audit (--audit-interval) finds an object admission never judged, exports
  # it on /metrics and writes it into the namespace's OpenReport.
  install_openreports || return 1
  unjudged_pod unjudged-bg e2e-dev || return 1
  restore_webhook --cluster-cache --audit-interval 2 --audit-write-reports || return 1
  metric='plumbline_audit_violations{rule="image-tag-latest",namespace="e2e-dev",severity="'
  wait_for "the audit's metrics" 60 bash -c "curl -fsS --cacert '$pki/webhook-ca.crt' https://127.0.0.1:$webhook_port/metrics | grep -qF '$metric'" || return 1
  curl -fsS --cacert "$pki/webhook-ca.crt" "https://127.0.0.1:$webhook_port/metrics" | grep '^plumbline_audit_' | grep -v 'namespace="kube-\|namespace="default"' | head -20
  wait_for "the Report of e2e-dev" 30 bash -c "'$tools/kubectl' get report plumbline-audit -n e2e-dev -o json | grep -qF '\"name\": \"unjudged-bg\"'" || return 1
  grep -F 'background audit done' "$work/webhook.log" | tail -1
  k delete pod unjudged-bg -n e2e-dev --wait=false >/dev/null
  # Back to the webhook as the later checks expect it.
  restore_webhook --cluster-cache
}

check_vap_backstop() {
  # The webhook stopped and its configuration removed, the ValidatingAdmissionPolicies that
  # `plumbline export vap` writes for the webhook's own config deny exactly what the exported
  # rules' Rego denies: every fixture sample of those rules, moved to e2e-prod, judged as the API
  # server holds it (after defaulting, which the policies see and the linter is given too).
  local dir="$work/vap" rules key kind ns obj got want mismatches=0 judged=0 probe=""
  mkdir -p "$dir/objects" "$dir/defaulted"
  "$plumbline_bin" export vap --config "$work/plumbline.yaml" -q > "$dir/vap.json" || return 1
  rules="$(python3 -c 'import json,sys; print(",".join(o["metadata"]["labels"]["plumbline.dev/rule"] for o in json.load(open(sys.argv[1]))["items"] if o["kind"] == "ValidatingAdmissionPolicy"))' "$dir/vap.json")"
  echo "exported: $rules"
  [ -n "$rules" ] || return 1
  for r in ${rules//,/ }; do
    for f in tests/fixtures/*/"$r"/pass.yaml tests/fixtures/*/"$r"/fail.yaml; do
      [ -f "$f" ] && { echo "---"; cat "$f"; echo; }
    done
  done | k create --dry-run=client -f - -o json 2>"$dir/client.err" \
    | python3 tests/cluster/parity.py split "$dir/objects" > "$dir/objects.tsv"
  python3 - "$dir/objects" <<'PY' || return 1
import json, os, sys
d = sys.argv[1]
for f in os.listdir(d):
    p = os.path.join(d, f)
    o = json.load(open(p))
    if o.get("kind") in ("Namespace", "StorageClass", "ClusterRole", "ClusterRoleBinding"):
        os.remove(p)
        continue
    o.setdefault("metadata", {})["namespace"] = "e2e-prod"
    json.dump(o, open(p, "w"))
PY
  k get validatingwebhookconfiguration plumbline -o json > "$dir/vwc.json" || return 1
  k delete validatingwebhookconfiguration plumbline >/dev/null || return 1
  stop_webhook
  # What the API server makes of each sample (defaults filled in); samples it refuses are left out.
  while IFS=$'\t' read -r key kind ns obj; do
    [ -f "$dir/objects/$key.json" ] || continue
    k create --dry-run=server -f "$dir/objects/$key.json" -o json > "$dir/defaulted/$key.json" 2>/dev/null \
      || rm -f "$dir/defaulted/$key.json"
  done < "$dir/objects.tsv"
  # What the server assigns on create (identity, allocated cluster IPs, status) is not the sample's.
  python3 - "$dir/defaulted" <<'PY' || return 1
import json, os, sys
d = sys.argv[1]
for f in os.listdir(d):
    p = os.path.join(d, f)
    o = json.load(open(p))
    m = o.get("metadata", {})
    for k in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
        m.pop(k, None)
    o.pop("status", None)
    if o.get("kind") == "Service":
        for k in ("clusterIP", "clusterIPs"):
            o.get("spec", {}).pop(k, None)
    if o.get("kind") == "Job":  # the selector and labels the Job controller's uid goes into
        o.get("spec", {}).pop("selector", None)
        labels = o.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        for k in ("controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name"):
            labels.pop(k, None)
    json.dump(o, open(p, "w"))
PY
  "$plumbline_bin" lint "$dir/defaulted" --config "$work/plumbline.yaml" --select "$rules" \
    --format json --fail-on never > "$dir/lint.json" || { echo "plumbline lint failed"; return 1; }
  # The verdict each sample should get: denied for an error finding, warned for a warning (the
  # binding of a rule at warning only warns), allowed otherwise.
  python3 - "$dir/lint.json" > "$dir/expected.tsv" <<'PY' || return 1
import json, os, sys
want = {}
for f in json.load(open(sys.argv[1]))["findings"]:
    key = os.path.basename(f["file"])[:-5]
    v = {"error": "denied", "warning": "warned"}.get(f["severity"], "allowed")
    if want.get(key) != "denied":
        want[key] = v if want.get(key) != "warned" or v == "denied" else "warned"
for k, v in sorted(want.items()):
    print(f"{k}\t{v}")
PY
  awk -F'\t' '$2 == "denied" {print $1}' "$dir/expected.tsv" > "$dir/denied.txt"
  probe="$(head -1 "$dir/denied.txt")"
  [ -n "$probe" ] || { echo "no sample is denied by the rules"; return 1; }
  k apply -f "$dir/vap.json" >/dev/null || return 1
  wait_for "the admission policies in force" 30 bash -c \
    "'$tools/kubectl' create --dry-run=server -f '$dir/defaulted/$probe.json' 2>&1 | grep -qF 'ValidatingAdmissionPolicy'" || {
      echo "probe $probe: $(k create --dry-run=server -f "$dir/defaulted/$probe.json" 2>&1 | head -3)"
      k get validatingadmissionpolicies -o jsonpath='{range .items[*]}{.metadata.name}: {.status}{"\n"}{end}'
      return 1
    }
  for f in "$dir"/defaulted/*.json; do
    key="$(basename "$f" .json)"
    out="$(k create --dry-run=server -f "$f" 2>&1)"; rc=$?
    if [ "$rc" -ne 0 ] && grep -qF 'ValidatingAdmissionPolicy' <<<"$out"; then got=denied
    elif [ "$rc" -eq 0 ] && grep -qF 'Validation failed for ValidatingAdmissionPolicy' <<<"$out"; then got=warned
    elif [ "$rc" -eq 0 ]; then got=allowed
    else got="error"
    fi
    want="$(awk -F'\t' -v k="$key" '$1 == k {print $2}' "$dir/expected.tsv")"; want="${want:-allowed}"
    judged=$((judged + 1))
    printf '%-8s %-8s %s\n' "$want" "$got" "$(awk -F'\t' -v k="$key" '$1 == k {print $2 "/" $4}' "$dir/objects.tsv")"
    if [ "$want" != "$got" ]; then mismatches=$((mismatches + 1)); echo "$out" | head -3 | sed 's/^/    /'; fi
  done
  echo "vap-backstop: $judged samples, $(wc -l < "$dir/denied.txt") denied and $(grep -c 'warned' "$dir/expected.tsv") warned by the rules, $mismatches verdicts differ"
  # Back as before: no policies, the webhook and its configuration.
  k delete -f "$dir/vap.json" >/dev/null || return 1
  python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); m=o["metadata"]; [m.pop(k, None) for k in ("resourceVersion","uid","creationTimestamp","generation","managedFields")]; print(json.dumps(o))' \
    "$dir/vwc.json" | k create -f - >/dev/null || return 1
  restore_webhook --cluster-cache || return 1
  [ "$mismatches" -eq 0 ] && [ "$judged" -gt 0 ]
}

# --- Run --------------------------------------------------------------------------------------
echo "cluster-e2e: Kubernetes $(k version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'), webhook $("$webhook_bin" --version)"
check deploy-applied check_deploy_applied
check deny check_deny
check warn check_warn
check audit-annotations check_audit_annotations
check dry-run-server check_dry_run_server
check update check_update
check freeze check_freeze
check exempt-namespace check_exempt_namespace
check every-kind check_every_kind
check webhook-down check_webhook_down
check webhook-hangs check_webhook_hangs
check cert-rotation check_cert_rotation
check parity check_parity
check cluster-cache check_cluster_cache
check backup-schedule check_backup_schedule
check audit check_audit
check background-audit check_background_audit
check vap-backstop check_vap_backstop

echo "cluster-e2e: $(( $(date +%s) - started_at )) s in all"
[ "${#failed_names[@]}" -eq 0 ] || echo "cluster-e2e: failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
