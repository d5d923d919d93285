#!/usr/bin/env python3
"""The driver of scripts/opa-parity.sh: for each group of manifests, the engine's inputs and
violations (the `policy_inputs` example), the same inputs evaluated by OPA (tests/opa/parity.rego,
one `opa eval` per group), and the violation sets compared per object and rule as multisets of
(path, msg). Differences not listed in tests/opa/known-differences.md fail the run.

Usage: parity.py --opa OPA --example BIN --policies STAGED_REGO_DIR --work DIR GROUPS_FILE
GROUPS_FILE: one group a line, tab-separated: name, config file or "-", paths (space-separated).
"""

import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import re
import subprocess
import sys

import policy_inputs

HERE = os.path.dirname(os.path.abspath(__file__))
CAP = 100  # engine.rs MAX_VIOLATIONS_PER_RULE


def known_differences(path):
    """(rule, sample glob) pairs from the table of known-differences.md."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("|"):
                continue
            cells = [c.strip().strip("`").strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 2 or cells[0] in ("rule", "") or set(cells[0]) <= set("-: "):
                continue
            out.append((cells[0], cells[1]))
    return out


def run_group(args, name, config, paths):
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    data_file = os.path.join(args.work, safe + ".params.json")
    try:
        objects, data = policy_inputs.run(
            args.example, data_file, paths, None if config == "-" else config)
    except policy_inputs.Failed as e:
        return name, None, f"policy_inputs failed: {e}"
    data["plumbline_parity_in"], _ = policy_inputs.batch(objects)
    batch = os.path.join(args.work, safe + ".data.json")
    with open(batch, "w", encoding="utf-8") as f:
        json.dump(data, f)
    q = subprocess.run(
        [args.opa, "eval", "--format", "json", "-d", args.policies, "-d",
         os.path.join(HERE, "parity.rego"), "-d", batch, "data.plumbline_parity.rows"],
        capture_output=True, text=True)
    if q.returncode != 0:
        return name, None, f"opa eval failed: {(q.stdout + q.stderr).strip()[:2000]}"
    result = json.loads(q.stdout).get("result", [])
    rows = result[0]["expressions"][0]["value"] if result else []
    opa = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for i, rule, v in rows:
        msg = v.get("msg") if isinstance(v, dict) else None
        path = v.get("path") if isinstance(v, dict) else None
        opa[i][rule][(path if isinstance(path, str) else "",
                      msg if isinstance(msg, str) else "rule emitted a violation without a `msg`")] += 1
    compared = []
    for i, o in enumerate(objects):
        ours = collections.defaultdict(collections.Counter)
        for f in o["findings"]:
            ours[f["rule"]][(f["path"], f["msg"])] += 1
        failed = set()
        for prob in o["problems"]:
            m = re.search(r"rule `([^`]+)` failed", prob)
            if m:
                failed.add(m.group(1))
        diffs = []
        for rule in o["rules"]:
            r, t = ours.get(rule, collections.Counter()), opa[i].get(rule, collections.Counter())
            if rule in failed:
                diffs.append((rule, ["<regorus error>"], sorted(t.elements())))
                continue
            if sum(r.values()) >= CAP:  # the engine reads 100 of a larger set
                only_r, only_t = r - t, collections.Counter()
            else:
                only_r, only_t = r - t, t - r
            if only_r or only_t:
                diffs.append((rule, sorted(only_r.elements()), sorted(only_t.elements())))
        compared.append((o["object"], o["file"], diffs))
    return name, compared, None


def main():
    ap = argparse.ArgumentParser()
    for a in ("--opa", "--example", "--policies", "--work"):
        ap.add_argument(a, required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("groups")
    args = ap.parse_args()
    known = known_differences(os.path.join(HERE, "known-differences.md"))
    groups = []
    with open(args.groups, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                name, config, paths = line.rstrip("\n").split("\t")
                groups.append((name, config, paths.split(" ")))
    passed = failed = known_only = 0
    errors = []
    unlisted = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_group, args, *g) for g in groups]
        for fut in futures:
            name, compared, err = fut.result()
            if err:
                errors.append(f"{name}: {err}")
                print(f"ERROR {name}: {err}", file=sys.stderr)
                continue
            for obj, file, diffs in compared:
                sample = f"{name}:{obj}"
                bad = [d for d in diffs
                       if not any(d[0] == r and fnmatch.fnmatchcase(sample, g) for r, g in known)]
                if bad:
                    failed += 1
                    for rule, only_r, only_t in bad:
                        unlisted[rule] += 1
                        print(f"DIFF {sample} ({file}) rule {rule}")
                        for path, msg in only_r:
                            print(f"  regorus only: {path}: {msg}")
                        for path, msg in only_t:
                            print(f"  OPA only:     {path}: {msg}")
                else:
                    passed += 1
                    known_only += bool(diffs)
    if unlisted:
        print("unlisted differences by rule: " + ", ".join(f"{r} ({n})" for r, n in sorted(unlisted.items())))
    print(f"{passed} passed, {failed} failed"
          + (f" ({known_only} passed with known differences only)" if known_only else "")
          + (f"; {len(errors)} groups could not be evaluated" if errors else ""))
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
