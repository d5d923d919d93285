#!/usr/bin/env python3
"""CEL parity of `plumbline export vap` (driven by scripts/vap-parity.sh).

For every group of samples (a fixture folder with its own plumbline.yaml, a parameter case, an
example), exports the ValidatingAdmissionPolicies for that group's configuration, takes every
object's Rego violations from the engine (the `policy_inputs` example), and evaluates each
exported policy whose rule applies to the object with vapcheck (Kubernetes' own CEL environment).
A rule's policy must deny exactly the objects its Rego reports. Custom-resource views are left
out: the policies match the built-in workload kinds only.

Prints one line per difference and `N passed, N failed` (object × policy cases); exits 1 on a
difference, 2 when a tool fails.
"""
import argparse
import json
import os
import subprocess
import sys


def groups(root):
    fixtures = os.path.join(root, "tests", "fixtures")
    out = []
    for domain in sorted(os.listdir(fixtures)):
        ddir = os.path.join(fixtures, domain)
        if not os.path.isdir(ddir):
            continue
        for rule in sorted(os.listdir(ddir)):
            rdir = os.path.join(ddir, rule)
            if not os.path.isdir(rdir):
                continue
            dirs = [rdir]
            pdir = os.path.join(rdir, "params")
            if os.path.isdir(pdir):
                dirs += [os.path.join(pdir, c) for c in sorted(os.listdir(pdir))]
            for d in dirs:
                files = sorted(
                    os.path.join(d, f)
                    for f in os.listdir(d)
                    if f.endswith(".yaml") and (f.startswith("pass") or f.startswith("fail"))
                )
                if not files:
                    continue
                cfg = os.path.join(d, "plumbline.yaml")
                out.append((os.path.relpath(d, root), cfg if os.path.isfile(cfg) else None, files))
    examples = os.path.join(root, "examples")
    out.append(("examples/erp-stack", None, [os.path.join(examples, "erp-stack")]))
    mt = os.path.join(examples, "multi-tenant")
    if os.path.isdir(mt):
        for d in sorted(os.listdir(mt)):
            out.append((f"examples/multi-tenant/{d}", None, [os.path.join(mt, d)]))
    corpus = os.path.join(root, "..", "shared", "corpus")
    if os.path.isdir(corpus):
        out.append(("corpus", None, [corpus]))
    return out


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(f"vap-parity: {' '.join(cmd)} exited {p.returncode}\n{p.stderr}\n")
        sys.exit(2)
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plumbline", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--vapcheck", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()

    passed = failed = 0
    per_rule = {}
    for name, cfg, files in groups(a.root):
        cfg_args = ["--config", cfg] if cfg else []
        export = json.loads(run([a.plumbline, "export", "vap", "-q", *cfg_args]))
        policies = [o for o in export["items"] if o["kind"] == "ValidatingAdmissionPolicy"]
        if not policies:
            continue
        by_rule = {p["metadata"]["labels"]["plumbline.dev/rule"]: p for p in policies}
        lines = run([a.example, *cfg_args, *files]).splitlines()
        cases, expected = [], {}
        for i, line in enumerate(lines):
            o = json.loads(line)
            inp = o["input"]
            if inp.get("customResource") is not None:
                continue
            obj = inp["object"]
            ns_name = (inp.get("namespace") or {}).get("name") or ""
            scoped = bool(obj.get("metadata", {}).get("namespace")) or obj.get("kind") not in (
                "Namespace", "StorageClass", "ClusterRole", "ClusterRoleBinding", "PersistentVolume")
            ns_obj = None
            if scoped:
                ns_obj = {"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": ns_name, "labels": (inp.get("namespace") or {}).get("labels") or {}}}
            denied = {f["rule"] for f in o["findings"]}
            for rule in o["rules"]:
                p = by_rule.get(rule)
                if p is None:
                    continue
                key = f"{i}:{rule}"
                cases.append({"key": key, "policy": p["metadata"]["name"], "object": obj, "namespaceObject": ns_obj})
                expected[key] = (rule in denied, o["object"], o["file"])
        if not cases:
            continue
        path = os.path.join(a.work, name.replace("/", "_") + ".json")
        with open(path, "w") as f:
            json.dump({"policies": policies, "cases": cases}, f)
        for line in run([a.vapcheck, path]).splitlines():
            key, policy, verdict, msg = (line.split("\t") + ["", "", "", ""])[:4]
            rego_denied, obj, file = expected[key]
            rule = key.split(":", 1)[1]
            stats = per_rule.setdefault(rule, [0, 0])
            if verdict == "error" or (verdict == "denied") != rego_denied:
                failed += 1
                stats[1] += 1
                print(f"DIFF  {rule:<28} {name}: {obj} ({file}): Rego {'denies' if rego_denied else 'allows'}, CEL {verdict} {msg}")
            else:
                passed += 1
                stats[0] += 1
    for rule, (ok, bad) in sorted(per_rule.items()):
        print(f"      {rule:<28} {ok} agree, {bad} differ")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
