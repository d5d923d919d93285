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
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "opa"))
import policy_inputs  # noqa: E402  (tests/opa/policy_inputs.py)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    os.makedirs(os.path.join(args.out, "conftest"), exist_ok=True)
    params_file = os.path.join(args.out, "params.json")
    try:
        objects, data = policy_inputs.run(args.example, params_file, args.paths)
    except policy_inputs.Failed as e:
        print(f"export_inputs: policy_inputs failed: {str(e)[:2000]}", file=sys.stderr)
        return 1
    parity_in, inventory_of = policy_inputs.batch(objects)
    inventories = parity_in["inventories"]
    evaluations = findings = 0
    by_rule = {}
    for n, o in enumerate(objects):
        evaluations += len(o["rules"])
        findings += len(o["findings"])
        for f in o["findings"]:
            by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
        doc = dict(o["input"])
        doc.pop("inventory", None)
        doc["plumblineRules"] = [r.replace("-", "_") for r in o["rules"]]
        doc["plumblineInventory"] = inventory_of[n]
        with open(os.path.join(args.out, "conftest", f"{n:05d}.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f)

    batch = dict(data)
    batch["plumbline_parity_in"] = parity_in
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
