#!/usr/bin/env bash
# OPA parity check of the built-in pack: every object of tests/fixtures (each rule folder with its
# own plumbline.yaml when present), examples/ and ../shared/corpus (when present) is evaluated by
# the engine (regorus, through the `policy_inputs` example, which also writes the exact input and
# params) and by OPA v1.22.4 (scripts/opa-tools.sh) on the same input and data; the violation sets
# (rule, path, msg) are compared per object. A difference not listed in
# tests/opa/known-differences.md fails the run (exit 1). Prints `N passed, N failed` (objects).
# Then runs the pack's Rego unit tests (policy_test.rego) under OPA; a failure fails the run.
# Needs Go >= 1.26 and the module proxy for the first build of opa, cargo, and python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

opa_dir="$(scripts/opa-tools.sh)"
# The debug build that `cargo test` already made (tests build the examples): no second compile of
# the dependency tree in release; ~4,700 objects evaluate in well under a minute either way.
profile="${OPA_PARITY_PROFILE:-debug}"
if [ "$profile" = release ]; then
  cargo build --release --locked -q -p plumbline-policy-core --example policy_inputs
else
  cargo build --locked -q -p plumbline-policy-core --example policy_inputs
fi
example="$root/target/$profile/examples/policy_inputs"

work="$(mktemp -d "${TMPDIR:-/tmp}/opa-parity.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Only the Rego of the pack: `opa -d policies` would also load rule.yaml and params.yaml as data.
mkdir -p "$work/policies"
(cd policies && find . -name '*.rego' -print0) | while IFS= read -r -d '' f; do
  mkdir -p "$work/policies/$(dirname "$f")"
  cp "policies/$f" "$work/policies/$f"
done

groups="$work/groups.tsv"
: >"$groups"
# Rule folders, and their parameter cases (params/<case>/ with their own plumbline.yaml).
for dir in tests/fixtures/*/*/ tests/fixtures/*/*/params/*/; do
  [ -d "$dir" ] || continue
  dir="${dir%/}"
  files=$(find "$dir" -maxdepth 1 -type f \( -name 'pass*.yaml' -o -name 'fail*.yaml' \) | sort | tr '\n' ' ')
  [ -n "$files" ] || continue
  config=-
  [ -f "$dir/plumbline.yaml" ] && config="$dir/plumbline.yaml"
  printf '%s\t%s\t%s\n' "fixtures/${dir#tests/fixtures/}" "$config" "${files% }" >>"$groups"
done
for f in tests/fixtures/*/*.yaml; do
  [ -f "$f" ] && printf '%s\t-\t%s\n' "fixtures/${f#tests/fixtures/}" "$f" >>"$groups"
done
printf 'examples/erp-stack\t-\texamples/erp-stack\n' >>"$groups"
for d in examples/multi-tenant/*/; do
  d="${d%/}"
  printf '%s\t-\t%s\n' "$d" "$d" >>"$groups"
done
if [ -d ../shared/corpus ]; then
  printf 'corpus\t-\t%s\n' "$(cd ../shared/corpus && pwd)" >>"$groups"
fi

start=$(date +%s)
status=0
python3 tests/opa/parity.py --opa "$opa_dir/opa" --example "$example" \
  --policies "$work/policies" --work "$work" "$groups" || status=$?
echo "opa-parity: $(wc -l <"$groups") groups in $(( $(date +%s) - start )) s" >&2

# The pack's Rego unit tests (policy_test.rego) under OPA too: `plumbline test` runs them under
# regorus, and OPA is the reference for what a test means. The params are the data the pack reads
# (data.plumbline.params): OPA loads a data.yaml at the path of its directory.
mkdir -p "$work/data/plumbline/params"
cp policies/params.yaml "$work/data/plumbline/params/data.yaml"
if "$opa_dir/opa" test "$work/policies" "$work/data" >"$work/opa-test.txt" 2>&1; then
  echo "opa-parity: Rego unit tests under OPA: $(tail -n 1 "$work/opa-test.txt")" >&2
else
  cat "$work/opa-test.txt" >&2
  echo "opa-parity: Rego unit tests FAILED under OPA" >&2
  status=1
fi
exit "$status"
