#!/usr/bin/env python3
"""Writes the built-in pack's inputs for OPA and conftest, for scripts/compare.sh.

Usage: export_inputs.py --example POLICY_INPUTS_BIN --out DIR PATH...

Runs the `policy_inputs` example of plumbline-policy-core (the exact input document the engine
evaluates for each object, and the rules that apply to it; see tests/opa/README.md) once over
PATH..., as one inventory (as one `plumbline lint` of those paths), and writes:

  DIR/params.json         {"plumbline": {"params": ...}}: the data the rules read
  DIR/opa-batch.json      the batch tests/opa/parity.rego evaluates in one `opa eval` (the
                          inputs without their inventory, each with its rules, and the distinct
                          inventories shared by index), as scripts/opa-parity.sh writes it
  DIR/conftest/NNNNN.json one file per object for `conftest test`: the input without its
                          inventory, plus `plumblineRules` (the ids of the rules that apply) and
                          `plumblineInventory` (an index into inventories.json)
  DIR/inventories.json    {"plumbline_peers": {"inventories": [...]}}: conftest's --data
  DIR/summary.json        objects, rule evaluations and regorus' violations (in all and by rule)

tests/peers/conftest.rego puts each conftest input's inventory back and evaluates exactly the
rules that apply to it, as parity.rego does for OPA.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    os.makedirs(os.path.join(args.out, "conftest"), exist_ok=True)
    params_file = os.path.join(args.out, "params.json")
    p = subprocess.run([args.example, "--data", params_file, *args.paths],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print(f"export_inputs: policy_inputs failed: {p.stderr.strip()[:2000]}", file=sys.stderr)
        return 1
    objects = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    with open(params_file, encoding="utf-8") as f:
        data = json.load(f)

    inventories, index, items = [], {}, []
    evaluations = findings = 0
    by_rule = {}
    for n, o in enumerate(objects):
        inp = dict(o["input"])
        inv = inp.pop("inventory", None)
        key = hashlib.sha256(json.dumps(inv, sort_keys=True).encode()).hexdigest()
        if key not in index:
            index[key] = len(inventories)
            inventories.append(inv)
        items.append({"input": inp, "inv": index[key], "rules": o["rules"]})
        evaluations += len(o["rules"])
        findings += len(o["findings"])
        for f in o["findings"]:
            by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
        doc = dict(inp)
        doc["plumblineRules"] = [r.replace("-", "_") for r in o["rules"]]
        doc["plumblineInventory"] = index[key]
        with open(os.path.join(args.out, "conftest", f"{n:05d}.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f)

    batch = dict(data)
    batch["plumbline_parity_in"] = {"items": items, "inventories": inventories}
    with open(os.path.join(args.out, "opa-batch.json"), "w", encoding="utf-8") as f:
        json.dump(batch, f)
    with open(os.path.join(args.out, "inventories.json"), "w", encoding="utf-8") as f:
        json.dump({"plumbline_peers": {"inventories": inventories}}, f)
    summary = {"objects": len(objects), "rule_evaluations": evaluations,
               "regorus_violations": findings, "regorus_violations_by_rule": by_rule,
               "inventories": len(inventories)}
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f)
    print(f"export_inputs: {len(objects)} objects, {evaluations} rule evaluations, "
          f"{findings} violations (regorus) in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
