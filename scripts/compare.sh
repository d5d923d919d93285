#!/usr/bin/env bash
# Plumbline and its peers side by side on one corpus of Kubernetes manifests, in one run
# (docs/benchmarks.md). Benchmark-only: not part of the test suite.
#
# Usage: scripts/compare.sh [--scale "1 10 25"] [--out FILE] [--runs N] [--no-checkov]
#                           [--max-wait SECONDS] CORPUS
#        CORPUS may also be given in the environment (CORPUS=DIR scripts/compare.sh).
#
# Measured, each with wall time, CPU time (user + system) and peak RSS (/usr/bin/time -f
# '%e %M %U %S'; the median run by wall time of --runs, default 3; Checkov once):
#   - plumbline lint CORPUS --format json (target/release/plumbline, built when missing or older
#     than the sources; its compile cache in target/peers/run/plumbline-cache, so the first
#     run compiles the pack and the others read it back), the same without the cache
#     (PLUMBLINE_CACHE_DIR=), on one thread (RAYON_NUM_THREADS=1), with every rule selected
#     (the rule set the OPA and conftest rows evaluate), and parse-only (--ignore '*': files read,
#     parsed, inventory built, no rule evaluated);
#   - the built-in pack's Rego under OPA v1.22.4 (scripts/opa-tools.sh): one `opa eval` of
#     tests/opa/parity.rego over every object's exact policy input, as scripts/opa-parity.sh does;
#   - the same Rego under conftest v0.71.1 (tests/peers/, built by tests/peers/build.sh): one
#     `conftest test` of one JSON input per object, with tests/peers/conftest.rego evaluating
#     the rules that apply to each; the inputs (tests/peers/export_inputs.py, from the
#     `policy_inputs` example) are written before and not timed;
#   - kube-score v1.20.0 (tests/peers/; kube-linter's module host is not served by the Go module
#     proxy here) on the corpus files it can parse (it stops at the first object it cannot
#     decode, so those files, found by one kube-score run per file beforehand, are left out);
#   - Checkov (PyPI, pinned below, in the venv target/peers/checkov-venv):
#     checkov -d CORPUS --framework kubernetes --quiet --compact -o json --skip-download.
#   With --scale "1 10 25": plumbline lint on N renamed copies of the corpus
#   (scripts/scale-corpus.py, generated once into target/peers/scaled-N), wall time and peak RSS
#   per size. Peers run at 1x only.
# Objects are counted with scripts/scale-corpus.py --count. Before measuring, the script waits
# (at most --max-wait seconds, default 600) for the 1-minute load average to drop below 1.0, and
# records the load in the report. The Markdown report goes to stdout (and to --out FILE); each
# tool's output stays in target/peers/run/. Needs cargo, Go >= 1.26 and the module proxy (first
# build of OPA, conftest, kube-score), python3 with PyYAML and venv, PyPI (first Checkov install)
# and GNU time.
set -euo pipefail
CHECKOV_VERSION=3.3.30

die() {
  echo "compare: $*" >&2
  exit 2
}
log() { echo "compare: $*" >&2; }
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

orig="$PWD"
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-}"
scale=""
out=""
runs=3
checkov=1
max_wait=600
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) [ $# -ge 2 ] || die "--scale needs a list of sizes, e.g. \"1 10 25\""; scale="$2"; shift 2 ;;
    --scale=*) scale="${1#*=}"; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a file"; out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a number"; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --max-wait) [ $# -ge 2 ] || die "--max-wait needs seconds"; max_wait="$2"; shift 2 ;;
    --max-wait=*) max_wait="${1#*=}"; shift ;;
    --no-checkov) checkov=0; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) corpus="$1"; shift ;;
  esac
done
[ -n "$corpus" ] || { usage >&2; die "give the corpus directory as the argument or in CORPUS"; }
case "$corpus" in /*) ;; *) corpus="$orig/$corpus" ;; esac
[ -d "$corpus" ] || die "corpus $corpus is not a directory"
corpus="$(cd "$corpus" && pwd)"
if [ -n "$out" ]; then
  case "$out" in /*) ;; *) out="$orig/$out" ;; esac
fi
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a whole number >= 1, not '$runs'"
[[ "$max_wait" =~ ^[0-9]+$ ]] || die "--max-wait must be a number of seconds, not '$max_wait'"
for n in $scale; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--scale sizes must be whole numbers >= 1, not '$n'"
done

command -v python3 >/dev/null 2>&1 || die "python3 is required (object counts, input export, report, Checkov); install it and rerun"
python3 -c 'import yaml' 2>/dev/null || die "python3 needs PyYAML (pip install pyyaml, or Debian's python3-yaml)"
command -v go >/dev/null 2>&1 || die "the Go toolchain (>= 1.26) is required to build OPA, conftest and kube-score; install Go and rerun"
command -v cargo >/dev/null 2>&1 || die "cargo is required to build plumbline"
[ -x /usr/bin/time ] || die "GNU time is required at /usr/bin/time (Debian: apt-get install time)"

cd "$root"
mkdir -p target/peers

# --- Tools -------------------------------------------------------------------------------------
bin="$root/target/release/plumbline"
if [ ! -x "$bin" ] || [ -n "$(find crates policies Cargo.toml Cargo.lock -type f -newer "$bin" -print -quit)" ]; then
  log "building plumbline (release; waits while another cargo holds the target directory)"
  cargo build --release -p plumbline-lint-cli --locked >&2
fi
log "building the policy_inputs example (debug, as scripts/opa-parity.sh)"
cargo build --locked -q -p plumbline-policy-core --example policy_inputs >&2
example="$root/target/debug/examples/policy_inputs"
peers_dir="$(tests/peers/build.sh)"
opa_dir="$(scripts/opa-tools.sh)"
venv="$root/target/peers/checkov-venv"
if [ "$checkov" = 1 ] && ! "$venv/bin/checkov" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  log "installing checkov==$CHECKOV_VERSION into $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install -q "checkov==$CHECKOV_VERSION" >&2
fi

gomod_version() { # BINARY MODULE: the module's version recorded in a Go binary's build info
  go version -m "$1" | awk -v m="$2" '($1 == "mod" || $1 == "dep") && $2 == m { print $3; exit }'
}
v_plumbline="$("$bin" --version | awk '{print $NF}')"
v_opa="$("$opa_dir/opa" version | awk '/^Version:/ {print $2}')"
v_conftest="$(gomod_version "$peers_dir/conftest" github.com/open-policy-agent/conftest) (OPA $(gomod_version "$peers_dir/conftest" github.com/open-policy-agent/opa | sed 's/^v//'))"
v_kubescore="$(gomod_version "$peers_dir/kube-score" github.com/zegl/kube-score)"
v_checkov="-"
[ "$checkov" = 1 ] && v_checkov="$("$venv/bin/checkov" --version)"

# --- Inputs ------------------------------------------------------------------------------------
work="$root/target/peers/run"
rm -rf "$work"
mkdir -p "$work/rego" "$work/conftest-policy"
# Plumbline's compile cache (docs/ci.md), fresh for each run of this script.
export PLUMBLINE_CACHE_DIR="$work/plumbline-cache"
# Only the Rego of the pack (rule.yaml and params.yaml would load as data), as opa-parity.sh.
(cd policies && find . -name '*.rego' -print0) | while IFS= read -r -d '' f; do
  mkdir -p "$work/rego/$(dirname "$f")" "$work/conftest-policy/$(dirname "$f")"
  cp "policies/$f" "$work/rego/$f"
  cp "policies/$f" "$work/conftest-policy/$f"
done
cp tests/peers/conftest.rego "$work/conftest-policy/peers_main.rego"

log "counting objects"
objects="$(python3 scripts/scale-corpus.py --count "$corpus")"
[ "$objects" -gt 0 ] || die "no Kubernetes objects under $corpus"
log "$objects objects in $corpus"

log "exporting the policy inputs for OPA and conftest (not timed)"
export_start=$(date +%s)
python3 tests/peers/export_inputs.py --example "$example" --out "$work/inputs" "$corpus"
export_s=$(( $(date +%s) - export_start ))

# kube-score stops at the first object it cannot decode: keep the files it scores on their own.
log "finding the corpus files kube-score can parse (one run per file, cached)"
find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | LC_ALL=C sort >"$work/files.txt"
ks_key="$( (cat "$work/files.txt"; xargs -d '\n' cat <"$work/files.txt"; cat "$peers_dir/kube-score") | sha256sum | cut -c1-16)"
ks_list="$root/target/peers/kube-score-files-$ks_key.txt"
if [ ! -f "$ks_list" ]; then
  python3 - "$peers_dir/kube-score" "$work/files.txt" "$ks_list.tmp" <<'EOF'
import concurrent.futures, subprocess, sys
ks, files, out = sys.argv[1], open(sys.argv[2]).read().splitlines(), sys.argv[3]
def ok(f):
    p = subprocess.run([ks, "score", "-o", "json", f], capture_output=True, text=True)
    return p.stdout.strip() != ""
with concurrent.futures.ThreadPoolExecutor(2) as pool:
    keep = [f for f, good in zip(files, pool.map(ok, files)) if good]
open(out, "w").write("".join(f + "\n" for f in keep))
EOF
  mv "$ks_list.tmp" "$ks_list"
fi
mapfile -t ks_files <"$ks_list"
[ "${#ks_files[@]}" -gt 0 ] || die "kube-score parses none of the corpus files"
ks_objects="$(python3 scripts/scale-corpus.py --count "${ks_files[@]}")"
ks_left_out=$(( $(wc -l <"$work/files.txt") - ${#ks_files[@]} ))

rule_ids="$("$bin" rules --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("rules", d) if isinstance(d, dict) else d; print(",".join(r["id"] for r in d))')"
[ -n "$rule_ids" ] || die "plumbline rules --format json listed no rule"

# The scaled corpora, written once (before measuring: writing them loads the machine).
for n in $scale; do
  [ "$n" = 1 ] && continue
  dir="$root/target/peers/scaled-$n"
  stamp="$dir.stamp"
  want="$corpus $n $(sha256sum scripts/scale-corpus.py | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(head -n 1 "$stamp")" != "$want" ]; then
    log "writing $n copies of the corpus into $dir"
    rm -rf "$dir" "$stamp"
    python3 scripts/scale-corpus.py "$corpus" "$dir" "$n"
    printf '%s\n%s\n' "$want" "$(python3 scripts/scale-corpus.py --count "$dir")" >"$stamp.tmp"
    mv "$stamp.tmp" "$stamp"
  fi
done

# --- Measuring ---------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while awk -v l="$(load1)" 'BEGIN { exit !(l >= 1.0) }' && [ "$waited" -lt "$max_wait" ]; do
  [ "$waited" = 0 ] && log "1-minute load $(load1) >= 1.0: waiting (at most ${max_wait} s) for the machine to settle"
  sleep 15
  waited=$((waited + 15))
done
load_start="$(load1)"
log "measuring (load $load_start after ${waited} s of waiting)"

: >"$work/rows.tsv"
# measure ID LABEL VERSION OBJECTS RUNS CMD...: CMD RUNS times under GNU time, from $work (stdout
# to ID.out, stderr to ID.err, of the last run); one "wall maxrss_kib user sys exit load" line per
# run in ID.runs; the row in rows.tsv.
measure() {
  local id="$1" label="$2" version="$3" n_objects="$4" n="$5" i rc
  shift 5
  : >"$work/$id.runs"
  log "  $label"
  for ((i = 0; i < n; i++)); do
    local l
    l="$(load1)"
    rc=0
    (cd "$work" && /usr/bin/time -f '%e %M %U %S' -o "$work/$id.time" "$@" >"$work/$id.out" 2>"$work/$id.err") || rc=$?
    echo "$(tail -n 1 "$work/$id.time") $rc $l" >>"$work/$id.runs"
  done
  printf '%s\t%s\t%s\t%s\n' "$id" "$label" "$version" "$n_objects" >>"$work/rows.tsv"
}

measure plumbline "Plumbline: plumbline lint" "$v_plumbline" "$objects" "$runs" \
  "$bin" lint "$corpus" --format json
measure plumbline-cold "Plumbline, no compile cache (PLUMBLINE_CACHE_DIR=)" "$v_plumbline" "$objects" "$runs" \
  env PLUMBLINE_CACHE_DIR= "$bin" lint "$corpus" --format json
measure plumbline-1t "Plumbline, one thread (RAYON_NUM_THREADS=1)" "$v_plumbline" "$objects" "$runs" \
  env RAYON_NUM_THREADS=1 "$bin" lint "$corpus" --format json
measure plumbline-all "Plumbline, every rule selected (the OPA/conftest rule set)" "$v_plumbline" "$objects" "$runs" \
  "$bin" lint "$corpus" --format json --select "$rule_ids"
measure plumbline-parse "Plumbline, parse-only (--ignore '*')" "$v_plumbline" "$objects" "$runs" \
  "$bin" lint "$corpus" --format json --ignore '*'
measure opa "OPA: the pack's Rego, opa eval" "$v_opa" "$objects" "$runs" \
  "$opa_dir/opa" eval --format json -d "$work/rego" -d "$root/tests/opa/parity.rego" \
  -d "$work/inputs/opa-batch.json" data.plumbline_parity.rows
measure conftest "conftest: the pack's Rego, conftest test" "$v_conftest" "$objects" "$runs" \
  "$peers_dir/conftest" test --no-color -o json -p "$work/conftest-policy" \
  --data "$work/inputs/params.json" --data "$work/inputs/inventories.json" "$work/inputs/conftest"
measure kube-score "kube-score: kube-score score (its own checks)" "$v_kubescore" "$ks_objects" "$runs" \
  "$peers_dir/kube-score" score -o json "${ks_files[@]}"
if [ "$checkov" = 1 ]; then
  measure checkov "Checkov: checkov -d --framework kubernetes (its own checks)" "$v_checkov" "$objects" 1 \
    "$venv/bin/checkov" -d "$corpus" --framework kubernetes --quiet --compact -o json --skip-download
fi

: >"$work/scale.tsv"
for n in $scale; do
  if [ "$n" = 1 ]; then
    printf '1\t%s\tplumbline\n' "$objects" >>"$work/scale.tsv"
    continue
  fi
  dir="$root/target/peers/scaled-$n"
  n_objects="$(sed -n 2p "$dir.stamp")"
  measure "scale-$n" "plumbline lint, ${n}x the corpus" "$v_plumbline" "$n_objects" "$runs" \
    "$bin" lint "$dir" --format json
  printf '%s\t%s\tscale-%s\n' "$n" "$n_objects" "$n" >>"$work/scale.tsv"
done
load_end="$(load1)"

# --- Report ------------------------------------------------------------------------------------
python3 - "$work" "$corpus" "$objects" "$load_start" "$load_end" "$waited" "$export_s" \
  "$ks_left_out" "${#ks_files[@]}" >"$work/report.md" <<'EOF'
import json, os, statistics, sys

work, corpus, objects, load_start, load_end, waited, export_s, ks_left, ks_files = sys.argv[1:]
objects = int(objects)

def runs(id):
    out = []
    with open(os.path.join(work, id + ".runs")) as f:
        for line in f:
            wall, rss, user, sys_, rc, load = line.split()
            out.append({"wall": float(wall), "rss": int(rss) / 1024, "cpu": float(user) + float(sys_),
                        "rc": int(rc), "load": float(load)})
    return out

def median_run(rs):
    """The run of median wall time (the lower one of an even count)."""
    s = sorted(rs, key=lambda r: r["wall"])
    return s[(len(s) - 1) // 2]

def result(id):
    """What the tool produced (from the last run's output): a check that it did the work."""
    path = os.path.join(work, id + ".out")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except Exception as e:
        err = open(os.path.join(work, id + ".err"), errors="replace").read().strip().splitlines()
        return "no JSON output: " + (err[-1][:120] if err else str(e)[:120])
    if id.startswith("plumbline") or id.startswith("scale-"):
        s = d.get("summary", {}) if isinstance(d, dict) else {}
        return (f"{s.get('findings')} findings on {s.get('objects')} objects, "
                f"{s.get('inputErrors')} input errors")
    if id == "opa":
        rows = d["result"][0]["expressions"][0]["value"] if d.get("result") else []
        return f"{len(rows)} violations"
    if id == "conftest":
        return (f"{sum(len(x.get('failures') or []) for x in d)} violations "
                f"in {len(d)} inputs")
    if id == "kube-score":
        crit = sum(1 for o in d for c in o.get("checks", []) if c.get("grade") == 1 and not c.get("skipped"))
        return f"{len(d)} objects scored, {crit} critical"
    if id == "checkov":
        d = d[0] if isinstance(d, list) else d
        s = d.get("summary", {})
        return (f"{s.get('failed')} failed, {s.get('passed')} passed checks, "
                f"{s.get('resource_count')} resources")
    return "JSON"

rows = []
with open(os.path.join(work, "rows.tsv")) as f:
    for line in f:
        id, label, version, n = line.rstrip("\n").split("\t")
        rows.append({"id": id, "label": label, "version": version, "objects": int(n),
                     "runs": runs(id)})
by_id = {r["id"]: r for r in rows}
base = median_run(by_id["plumbline"]["runs"])

def fmt_rss(x):
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"

def fmt_x(x):
    return f"{x:,.0f}x" if x >= 100 else (f"{x:.1f}x" if x >= 10 else f"{x:.2f}x")

print(f"Corpus: {objects:,} objects ({corpus}); `scripts/scale-corpus.py --count`.")
print()
print("| tool | version | objects | wall (s) | objects/s | CPU (s) | peak RSS (MiB) "
      "| wall / Plumbline's | RSS / Plumbline's | runs | output |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    if r["id"].startswith("scale-"):
        continue
    m = median_run(r["runs"])
    codes = sorted({x["rc"] for x in r["runs"]})
    print(f"| {r['label']} | {r['version']} | {r['objects']:,} | {m['wall']:.2f} "
          f"| {r['objects'] / max(m['wall'], 0.005):,.0f} | {m['cpu']:.2f} | {fmt_rss(m['rss'])} "
          f"| {fmt_x(m['wall'] / base['wall'])} | {fmt_x(m['rss'] / base['rss'])} "
          f"| {len(r['runs'])} | exit {'/'.join(map(str, codes))}; {result(r['id'])} |")
print()
print("wall / Plumbline's and RSS / Plumbline's: the tool's median wall time and peak RSS divided "
      "by those of the first row (above 1: Plumbline is faster or smaller). Per run (wall s, "
      "peak RSS MiB, 1-minute load at its start):")
print()
for r in rows:
    if r["id"].startswith("scale-"):
        continue
    print(f"- {r['label']}: " + ", ".join(f"{x['wall']:.2f} s / {fmt_rss(x['rss'])} MiB (load {x['load']:.2f})"
                                          for x in r["runs"]))
scale = []
with open(os.path.join(work, "scale.tsv")) as f:
    for line in f:
        n, nobj, id = line.rstrip("\n").split("\t")
        scale.append((int(n), int(nobj), median_run(by_id[id]["runs"]), by_id[id]["runs"]))
if scale:
    one = next((s for s in scale if s[0] == 1), None) or (1, objects, base, by_id["plumbline"]["runs"])
    print()
    print("Scale: `plumbline lint` on N renamed copies of the corpus (`scripts/scale-corpus.py`).")
    print()
    print("| size | objects | wall (s) | objects/s | wall / (N x 1x wall) | peak RSS (MiB) | RSS / 1x RSS | runs |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, nobj, m, rs in scale:
        print(f"| {n}x | {nobj:,} | {m['wall']:.2f} | {nobj / max(m['wall'], 0.005):,.0f} "
              f"| {m['wall'] / (n * one[2]['wall']):.2f} | {fmt_rss(m['rss'])} "
              f"| {m['rss'] / one[2]['rss']:.2f} | {len(rs)} |")
print()
summary = json.load(open(os.path.join(work, "inputs", "summary.json")))
print(f"Input export for OPA and conftest (not timed above): {summary['objects']:,} policy inputs, "
      f"{summary['rule_evaluations']:,} rule evaluations, {summary['regorus_violations']:,} "
      f"violations under regorus (policy_inputs example), {export_s} s. kube-score: "
      f"{ks_files} files ({ks_left} left out: kube-score cannot decode an object in them). "
      f"1-minute load: {load_start} at the start of measuring ({waited} s waited), {load_end} at the end.")
EOF
cat "$work/report.md"
[ -z "$out" ] || cp "$work/report.md" "$out"
log "outputs of every tool in $work"
